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
#include "context.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "canary.h"
#include "sanitizers.h"

static _Atomic uint64_t g_contexts_made;

// The context the switch in flight on this thread comes from (read by the code switched to).
static _Thread_local spool_context* t_switch_from;

static void fatal(const char* message) {
  fprintf(stderr, "spool: fatal: %s\n", message);
  abort();
}

// Both are inlined into the function that switches: under TSan a frame of their own would be
// entered on one fiber and left on another, unbalancing both fibers' shadow call stacks.
#define SPOOL_SWITCH_HOOK static inline __attribute__((always_inline)) void

SPOOL_SWITCH_HOOK before_switch(spool_context* from, spool_context* to, void** fake_stack_save) {
#if defined(SPOOL_CONTEXT_ASAN)
  __sanitizer_start_switch_fiber(fake_stack_save, to->asan_from_bottom, to->asan_from_size);
#else
  (void)fake_stack_save;
#endif
#if defined(SPOOL_CONTEXT_TSAN)
  if (from->state != SPOOL_CONTEXT_DEAD) SPOOL_TSAN_RESUME_FIBER(from) = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(SPOOL_TSAN_RESUME_FIBER(to), 0);
#else
  (void)to;
#endif
  t_switch_from = from;
}

SPOOL_SWITCH_HOOK after_switch(void* fake_stack) {
#if defined(SPOOL_CONTEXT_ASAN)
  spool_context* prev = t_switch_from;
  const void* bottom = NULL;
  size_t size = 0;
  __sanitizer_finish_switch_fiber(fake_stack, &bottom, &size);
  if (prev->state != SPOOL_CONTEXT_DEAD) {
    prev->asan_from_bottom = bottom;
    prev->asan_from_size = size;
  }
#else
  (void)fake_stack;
#endif
}

// The first frame of every made context (makecontext passes int arguments: the pointer in two
// halves). It never returns.
static void context_trampoline(unsigned hi, unsigned lo) {
  spool_context* self = (spool_context*)(uintptr_t)(((uint64_t)hi << 32) | (uint64_t)lo);
  after_switch(NULL);
  free(self->saved_sp);  // the ucontext_t made for the first switch, which has been loaded
  self->saved_sp = NULL;
  spool_context* next = self->entry(self->entry_arg);
  if (next == NULL) fatal("a context entry returned NULL, so there is nothing to resume");
  if (next->state != SPOOL_CONTEXT_FRESH && next->state != SPOOL_CONTEXT_SUSPENDED)
    fatal("a context entry returned a context that cannot be resumed");
  self->state = SPOOL_CONTEXT_DEAD;
  next->state = SPOOL_CONTEXT_RUNNING;
  before_switch(self, next, NULL);  // NULL: ASan frees this stack's fake stack
  setcontext((ucontext_t*)next->saved_sp);
  fatal("setcontext failed");
}

void spool_context_init_current(spool_context* ctx) {
  memset(ctx, 0, sizeof *ctx);
  ctx->state = SPOOL_CONTEXT_RUNNING;
#if defined(SPOOL_CONTEXT_TSAN)
  ctx->tsan_fiber = __tsan_get_current_fiber();
  SPOOL_TSAN_RESUME_FIBER(ctx) = ctx->tsan_fiber;
#endif
}

void spool_context_make(spool_context* ctx, void* stack_lo, size_t size, spool_context_entry entry,
                        void* arg) {
  memset(ctx, 0, sizeof *ctx);
  const uintptr_t lo = (uintptr_t)stack_lo;
  ctx->stack_limit = lo;
  ctx->stack_base = lo + size;
  ctx->entry = entry;
  ctx->entry_arg = arg;
#if defined(SPOOL_CONTEXT_ASAN)
  __asan_unpoison_memory_region(stack_lo, size);
  ctx->asan_from_bottom = stack_lo;
  ctx->asan_from_size = size;
#endif
  spool_canary_write(stack_lo);

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
#if defined(SPOOL_CONTEXT_TSAN)
  ctx->tsan_fiber = __tsan_create_fiber(0);
  SPOOL_TSAN_RESUME_FIBER(ctx) = ctx->tsan_fiber;
#endif
  ctx->state = SPOOL_CONTEXT_FRESH;
  atomic_fetch_add_explicit(&g_contexts_made, 1, memory_order_relaxed);
}

int spool_context_swap(spool_context* from, spool_context* to) {
  if (to == NULL || to->state == SPOOL_CONTEXT_EMPTY || to->state == SPOOL_CONTEXT_DEAD)
    return SPOOL_CONTEXT_E_TARGET_DEAD;
  if (to == from || to->state == SPOOL_CONTEXT_RUNNING) return SPOOL_CONTEXT_E_TARGET_RUNNING;
  if (to->state != SPOOL_CONTEXT_FRESH && to->state != SPOOL_CONTEXT_SUSPENDED)
    return SPOOL_CONTEXT_E_TARGET_DEAD;  // not a state a record can be in: never made
  if (from->stack_limit != 0 && !spool_canary_intact_at(from->stack_limit))
    return SPOOL_CONTEXT_E_STACK_OVERFLOW;
  ucontext_t here;
  // Not a made stack: ASan's swapcontext interceptor reads these to unpoison the target stack.
  here.uc_stack.ss_sp = NULL;
  here.uc_stack.ss_size = 0;
  here.uc_stack.ss_flags = 0;
  here.uc_link = NULL;
  from->saved_sp = &here;
  from->state = SPOOL_CONTEXT_SUSPENDED;
  to->state = SPOOL_CONTEXT_RUNNING;
  before_switch(from, to, &from->asan_fake_stack);
  if (swapcontext(&here, (ucontext_t*)to->saved_sp) != 0) fatal("swapcontext failed");
  after_switch(from->asan_fake_stack);
  return SPOOL_CONTEXT_OK;
}

int spool_context_can_switch(void) { return 1; }

int spool_context_canary_intact(const spool_context* ctx) {
  if (ctx->stack_limit == 0) return 1;
  return spool_canary_intact_at(ctx->stack_limit);
}

void spool_context_release(spool_context* ctx) {
  if (ctx->state == SPOOL_CONTEXT_FRESH && ctx->stack_limit != 0) {
    free(ctx->saved_sp);  // never ran: its first ucontext_t was never loaded
    ctx->saved_sp = NULL;
  }
#if defined(SPOOL_CONTEXT_TSAN)
  if (ctx->stack_limit != 0 && ctx->tsan_fiber != NULL) {
    __tsan_destroy_fiber(ctx->tsan_fiber);
    ctx->tsan_fiber = NULL;
  }
#endif
}

void spool_context_get_stats(spool_context_stats* out) {
  memset(out, 0, sizeof *out);
  out->contexts_made = atomic_load_explicit(&g_contexts_made, memory_order_relaxed);
}

void spool_context_set_max_parked(uint32_t count) { (void)count; }

const char* spool_context_backend_name(void) { return "ucontext"; }
