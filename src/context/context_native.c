// Native backend of the context layer (see context.h) on x86-64 and aarch64: a swap saves the
// callee-saved registers on the running stack and loads another stack pointer, in
// switch_x86_64.S / switch_aarch64.S. Not compiled when SPOOL_CONTEXT_UCONTEXT selects
// context_ucontext.c instead.
//
// A record is saved state, not an identity: swap(from, to) saves whatever runs into `from`, on
// whichever stack that is. stack_base/stack_limit stay those given to spool_context_make() (the
// canary checked when the record is `from`); what a resume needs is kept per save: saved_sp, and
// with sanitizers the bounds and fiber of the stack that was saved.
#if !defined(SPOOL_CONTEXT_UCONTEXT)

#include "context.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#define SPOOL_CONTEXT_BACKEND "x86_64-asm"
#elif defined(__aarch64__)
#define SPOOL_CONTEXT_BACKEND "aarch64-asm"
#else
// Other architectures: build context_ucontext.c with -DSPOOL_CONTEXT_UCONTEXT instead.
#error "spool: no assembly context switch for this architecture; use SPOOL_CONTEXT_UCONTEXT"
#endif

#include "canary.h"
#include "sanitizers.h"

// In switch_<arch>.S.
void* spool_switch_stacks(void** save_sp, void* load_sp, void* transfer)
    __attribute__((visibility("hidden")));
void spool_context_bootstrap(void) __attribute__((visibility("hidden")));

static _Atomic uint64_t g_contexts_made;

// Both are inlined into the function that switches: under TSan a frame of their own would be
// entered on one fiber and left on another, unbalancing both fibers' shadow call stacks.
#define SPOOL_SWITCH_HOOK static inline __attribute__((always_inline)) void

// Tells the sanitizers that the stack `to` saved (or was made with) is about to run.
// `fake_stack_save` is where ASan keeps the fake stack of the stack being left, NULL if that stack
// is finished for good.
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
  (void)from;
  (void)to;
#endif
}

// Runs first on the stack just switched to. `prev` is the context the switch came from; ASan
// reports the bounds of the stack it left, which are where `prev` resumes.
SPOOL_SWITCH_HOOK after_switch(void* fake_stack, spool_context* prev) {
#if defined(SPOOL_CONTEXT_ASAN)
  const void* bottom = NULL;
  size_t size = 0;
  __sanitizer_finish_switch_fiber(fake_stack, &bottom, &size);
  if (prev->state != SPOOL_CONTEXT_DEAD) {
    prev->asan_from_bottom = bottom;
    prev->asan_from_size = size;
  }
#else
  (void)fake_stack;
  (void)prev;
#endif
}

// The first frame of every made context, called by spool_context_bootstrap; it never returns.
static __attribute__((noreturn)) void context_trampoline(spool_context* self, spool_context* prev) {
  after_switch(NULL, prev);
  spool_context* next = self->entry(self->entry_arg);
  if (next == NULL) {
    fprintf(stderr, "spool: fatal: a context entry returned NULL, so there is nothing to resume\n");
    abort();
  }
  if (next->state != SPOOL_CONTEXT_FRESH && next->state != SPOOL_CONTEXT_SUSPENDED) {
    fprintf(stderr,
            "spool: fatal: a context entry returned a context that cannot be resumed (state %d)\n",
            (int)next->state);
    abort();
  }
  self->state = SPOOL_CONTEXT_DEAD;
  next->state = SPOOL_CONTEXT_RUNNING;
  before_switch(self, next, NULL);  // NULL: ASan frees this stack's fake stack
  void* unused_sp;
  spool_switch_stacks(&unused_sp, next->saved_sp, self);
  abort();  // never resumed
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
  // The memory may have held an earlier context's frames, with their redzones still poisoned.
  __asan_unpoison_memory_region(stack_lo, size);
  ctx->asan_from_bottom = stack_lo;
  ctx->asan_from_size = size;
#endif
  spool_canary_write(stack_lo);

  // The frame spool_switch_stacks pops (see switch_<arch>.S), ending at the 16-byte aligned top.
  const uintptr_t top = (lo + size) & ~(uintptr_t)15;
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
  from->state = SPOOL_CONTEXT_SUSPENDED;
  to->state = SPOOL_CONTEXT_RUNNING;
  before_switch(from, to, &from->asan_fake_stack);
  spool_context* prev = (spool_context*)spool_switch_stacks(&from->saved_sp, to->saved_sp, from);
  after_switch(from->asan_fake_stack, prev);
  return SPOOL_CONTEXT_OK;
}

int spool_context_can_switch(void) { return 1; }

int spool_context_canary_intact(const spool_context* ctx) {
  if (ctx->stack_limit == 0) return 1;
  return spool_canary_intact_at(ctx->stack_limit);
}

void spool_context_release(spool_context* ctx) {
#if defined(SPOOL_CONTEXT_TSAN)
  // Only a made context (with a stack) owns its fiber; init_current's is the thread's own.
  if (ctx->stack_limit != 0 && ctx->tsan_fiber != NULL) {
    __tsan_destroy_fiber(ctx->tsan_fiber);
    ctx->tsan_fiber = NULL;
  }
#else
  (void)ctx;  // the stack memory is the caller's; nothing else is held
#endif
}

void spool_context_get_stats(spool_context_stats* out) {
  memset(out, 0, sizeof *out);
  out->contexts_made = atomic_load_explicit(&g_contexts_made, memory_order_relaxed);
}

void spool_context_set_max_parked(uint32_t count) { (void)count; }

const char* spool_context_backend_name(void) { return SPOOL_CONTEXT_BACKEND; }

#else
typedef int spool_context_native_unused;  // SPOOL_CONTEXT_UCONTEXT: see context_ucontext.c
#endif
