// ucontext fallback of the native context layer (see context.h): getcontext/makecontext to start
// a context, swapcontext/setcontext to switch. Built instead of context_native.c and the
// assembly when SPOOL_CONTEXT_UCONTEXT is defined; slower (each switch also saves and restores
// the signal mask with a system call) but portable to any architecture glibc supports.
//
// Storage: a made context's ucontext_t is malloc'ed by spool_context_make() and pointed at by
// saved_sp while FRESH; its trampoline frees it once running on the new stack (it is not needed
// after the switch has loaded it), and spool_context_release() frees it if it never ran. A swap
// saves into a ucontext_t in its own frame on the stack being suspended, which lives exactly as
// long as that suspension, so records never made nor released (a coroutine's resumer record, the
// thread's own) hold no memory.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

#include "../report_c.h"
#include "native_common.h"

// The context the switch in flight on this thread comes from (read by the code switched to).
static _Thread_local spool_context* t_switch_from;

static void fatal(const char* message) { spool_fatal(SPOOL_STATUS_FAILED, message); }

// The first frame of every made context (makecontext passes int arguments: the pointer in two
// halves). It never returns.
static void context_trampoline(unsigned hi, unsigned lo) {
  spool_context* self = (spool_context*)(uintptr_t)(((uint64_t)hi << 32) | (uint64_t)lo);
  spool_native_after_switch(NULL, t_switch_from);
  spool_exception_state_clear();
  free(self->saved_sp);  // the ucontext_t made for the first switch, which has been loaded
  self->saved_sp = NULL;
  spool_context* next = self->entry(self->entry_arg);
  if (next == NULL) fatal("a context entry returned NULL, so there is nothing to resume");
  if (next->state != SPOOL_CONTEXT_FRESH && next->state != SPOOL_CONTEXT_SUSPENDED)
    fatal("a context entry returned a context that cannot be resumed");
  self->state = SPOOL_CONTEXT_DEAD;
  next->state = SPOOL_CONTEXT_RUNNING;
  t_switch_from = self;
  spool_native_before_switch(self, next, NULL);  // NULL: ASan frees this stack's fake stack
  setcontext((ucontext_t*)next->saved_sp);
  fatal("setcontext failed");
}

void spool_context_init_current(spool_context* ctx) { spool_native_init_current(ctx); }

void spool_context_make(spool_context* ctx, void* stack_lo, size_t size, spool_context_entry entry,
                        void* arg) {
  spool_native_make_common(ctx, stack_lo, size, entry, arg);
  ucontext_t* uc = (ucontext_t*)malloc(sizeof *uc);
  if (uc == NULL) fatal("no memory for a ucontext_t in spool_context_make");
  if (getcontext(uc) != 0) fatal("getcontext failed");
  uc->uc_stack.ss_sp = stack_lo;
  uc->uc_stack.ss_size = size;
  uc->uc_stack.ss_flags = 0;
  uc->uc_link = NULL;
  const uint64_t bits = (uint64_t)(uintptr_t)ctx;
  makecontext(uc, (void (*)(void))context_trampoline, 2, (unsigned)(bits >> 32),
              (unsigned)(bits & 0xffffffffu));
  ctx->saved_sp = uc;
  ctx->state = SPOOL_CONTEXT_FRESH;
}

int spool_context_swap(spool_context* from, spool_context* to) {
  const int rc = spool_native_check_swap(from, to);
  if (rc != SPOOL_CONTEXT_OK) return rc;
  ucontext_t here;
  // Not a made stack: ASan's swapcontext interceptor reads these to unpoison the target stack.
  here.uc_stack.ss_sp = NULL;
  here.uc_stack.ss_size = 0;
  here.uc_stack.ss_flags = 0;
  here.uc_link = NULL;
  from->saved_sp = &here;
  from->state = SPOOL_CONTEXT_SUSPENDED;
  to->state = SPOOL_CONTEXT_RUNNING;
  spool_exception_state_save(from);
  t_switch_from = from;
  spool_native_before_switch(from, to, &from->asan_fake_stack);
  if (swapcontext(&here, (ucontext_t*)to->saved_sp) != 0) fatal("swapcontext failed");
  spool_native_after_switch(from->asan_fake_stack, t_switch_from);
  spool_exception_state_restore(from);
  return SPOOL_CONTEXT_OK;
}

void spool_context_release(spool_context* ctx) {
  if (ctx->state == SPOOL_CONTEXT_FRESH && ctx->stack_limit != 0) {
    free(ctx->saved_sp);  // never ran: its first ucontext_t was never loaded
    ctx->saved_sp = NULL;
  }
  spool_native_release_common(ctx);
}

const char* spool_context_backend_name(void) { return "ucontext"; }

size_t spool_context_stack_in_use(const spool_context* ctx) {
  (void)ctx;  // saved_sp holds a ucontext_t here, not the stack pointer
  return 0;
}
