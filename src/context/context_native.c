// Native backend of the context layer (see context.h) on x86-64 and aarch64: a swap saves the
// callee-saved registers on the running stack and loads another stack pointer, in
// switch_x86_64.S / switch_aarch64.S. Not compiled when SPOOL_CONTEXT_UCONTEXT selects
// context_ucontext.c instead; what both share is in native_common.h.
//
// A record is saved state, not an identity: swap(from, to) saves whatever runs into `from`, on
// whichever stack that is. stack_base/stack_limit stay those given to spool_context_make() (the
// canary checked when the record is `from`); what a resume needs is kept per save: saved_sp, and
// with sanitizers the bounds and fiber of the stack that was saved.
#if !defined(SPOOL_CONTEXT_UCONTEXT)

#include <stdio.h>
#include <stdlib.h>

#include "../report_c.h"
#include "native_common.h"

#if defined(__x86_64__)
#define SPOOL_CONTEXT_BACKEND "x86_64-asm"
#elif defined(__aarch64__)
#define SPOOL_CONTEXT_BACKEND "aarch64-asm"
#else
// Other architectures: build context_ucontext.c with -DSPOOL_CONTEXT_UCONTEXT instead.
#error "spool: no assembly context switch for this architecture; use SPOOL_CONTEXT_UCONTEXT"
#endif

// In switch_<arch>.S.
void* spool_switch_stacks(void** save_sp, void* load_sp, void* transfer)
    __attribute__((visibility("hidden")));
void spool_context_bootstrap(void) __attribute__((visibility("hidden")));

// The first frame of every made context, called by spool_context_bootstrap; it never returns.
static __attribute__((noreturn)) void context_trampoline(spool_context* self, spool_context* prev) {
  spool_native_after_switch(NULL, prev);
  spool_exception_state_clear();
  spool_context* next = self->entry(self->entry_arg);
  if (next == NULL || (next->state != SPOOL_CONTEXT_FRESH && next->state != SPOOL_CONTEXT_SUSPENDED)) {
    spool_fatal(SPOOL_STATUS_FAILED, "internal error: a context entry returned a context that cannot be resumed");
  }
  self->state = SPOOL_CONTEXT_DEAD;
  next->state = SPOOL_CONTEXT_RUNNING;
  spool_native_before_switch(self, next, NULL);  // NULL: ASan frees this stack's fake stack
  void* unused_sp;
  spool_switch_stacks(&unused_sp, next->saved_sp, self);
  abort();  // never resumed
}

void spool_context_init_current(spool_context* ctx) { spool_native_init_current(ctx); }

void spool_context_make(spool_context* ctx, void* stack_lo, size_t size, spool_context_entry entry,
                        void* arg) {
  spool_native_make_common(ctx, stack_lo, size, entry, arg);
  // The frame spool_switch_stacks pops (see switch_<arch>.S), ending at the 16-byte aligned top.
  const uintptr_t top = (ctx->stack_base) & ~(uintptr_t)15;
#if defined(__x86_64__)
  uintptr_t* frame = (uintptr_t*)(top - 8 * sizeof(uintptr_t));
  uint32_t mxcsr;
  uint16_t fpu_cw;
  __asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr), "=m"(fpu_cw));
  frame[0] = (uintptr_t)mxcsr | ((uintptr_t)fpu_cw << 32);
  frame[1] = frame[2] = frame[3] = 0;       // r15 r14 r13
  frame[4] = (uintptr_t)ctx;                // r12: the context
  frame[5] = (uintptr_t)&context_trampoline;  // rbx
  frame[6] = 0;                             // rbp: ends frame-pointer chains
  frame[7] = (uintptr_t)&spool_context_bootstrap;
#else
  uintptr_t* frame = (uintptr_t*)(top - 20 * sizeof(uintptr_t));
  memset(frame, 0, 20 * sizeof(uintptr_t));
  frame[0] = (uintptr_t)&context_trampoline;  // x19
  frame[1] = (uintptr_t)ctx;                  // x20: the context
  frame[10] = 0;                              // x29: ends frame-pointer chains
  frame[11] = (uintptr_t)&spool_context_bootstrap;  // x30
#endif
  ctx->saved_sp = frame;
  ctx->state = SPOOL_CONTEXT_FRESH;
}

int spool_context_swap(spool_context* from, spool_context* to) {
  const int rc = spool_native_check_swap(from, to);
  if (rc != SPOOL_CONTEXT_OK) return rc;
  from->state = SPOOL_CONTEXT_SUSPENDED;
  to->state = SPOOL_CONTEXT_RUNNING;
  spool_exception_state_save(from);
  spool_native_before_switch(from, to, &from->asan_fake_stack);
  spool_context* prev = (spool_context*)spool_switch_stacks(&from->saved_sp, to->saved_sp, from);
  spool_native_after_switch(from->asan_fake_stack, prev);
  spool_exception_state_restore(from);
  return SPOOL_CONTEXT_OK;
}

void spool_context_release(spool_context* ctx) {
  spool_native_release_common(ctx);  // the stack memory is the caller's; nothing else is held
}

const char* spool_context_backend_name(void) { return SPOOL_CONTEXT_BACKEND; }

size_t spool_context_stack_in_use(const spool_context* ctx) {
  const uintptr_t sp = (uintptr_t)ctx->saved_sp;
  if (ctx->state != SPOOL_CONTEXT_SUSPENDED || sp < ctx->stack_limit || sp > ctx->stack_base) return 0;
  return ctx->stack_base - sp;
}

#else
typedef int spool_context_native_unused;  // SPOOL_CONTEXT_UCONTEXT: see context_ucontext.c
#endif
