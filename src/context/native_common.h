// What the two native backends (context_native.c: assembly; context_ucontext.c) share: checking a
// swap, telling the sanitizers about it, carrying the exception state, and knowing which context
// runs on the thread (for the crash reports). Included by exactly one of them per build.
#ifndef SPOOL_SRC_CONTEXT_NATIVE_COMMON_H
#define SPOOL_SRC_CONTEXT_NATIVE_COMMON_H

#include <stdatomic.h>
#include <string.h>

#include "canary.h"
#include "context.h"
#include "exception_state.h"
#include "sanitizers.h"

static _Atomic uint64_t g_contexts_made;

// The context running on this thread, NULL for the thread's own until it first swaps.
static _Thread_local spool_context* t_running;

// Why `from` cannot swap to `to`, or SPOOL_CONTEXT_OK.
static inline int spool_native_check_swap(const spool_context* from, const spool_context* to) {
  if (to == NULL || to->state == SPOOL_CONTEXT_EMPTY || to->state == SPOOL_CONTEXT_DEAD)
    return SPOOL_CONTEXT_E_TARGET_DEAD;
  if (to == from || to->state == SPOOL_CONTEXT_RUNNING) return SPOOL_CONTEXT_E_TARGET_RUNNING;
  if (to->state != SPOOL_CONTEXT_FRESH && to->state != SPOOL_CONTEXT_SUSPENDED)
    return SPOOL_CONTEXT_E_TARGET_DEAD;  // not a state a record can be in: never made
  if (from->stack_limit != 0) {
    char here;  // where the stack pointer about is
    if (spool_canary_due((uintptr_t)&here, from->stack_limit) && !spool_canary_intact_at(from->stack_limit))
      return SPOOL_CONTEXT_E_STACK_OVERFLOW;
  }
  return SPOOL_CONTEXT_OK;
}

// Both hooks are inlined into the function that switches: under TSan a frame of their own would
// be entered on one fiber and left on another, unbalancing both fibers' shadow call stacks.
#define SPOOL_SWITCH_HOOK static inline __attribute__((always_inline)) void

// Tells the sanitizers that the stack `to` saved (or was made with) is about to run.
// `fake_stack_save` is where ASan keeps the fake stack of the stack being left, NULL if that stack
// is finished for good.
SPOOL_SWITCH_HOOK spool_native_before_switch(spool_context* from, spool_context* to,
                                             void** fake_stack_save) {
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
#endif
  t_running = to;
}

// Runs first on the stack just switched to. `prev` is the context the switch came from; ASan
// reports the bounds of the stack it left, which are where `prev` resumes.
SPOOL_SWITCH_HOOK spool_native_after_switch(void* fake_stack, spool_context* prev) {
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

// The parts of spool_context_init_current / make / release that do not depend on the backend.
static inline void spool_native_init_current(spool_context* ctx) {
  memset(ctx, 0, sizeof *ctx);
  ctx->state = SPOOL_CONTEXT_RUNNING;
#if defined(SPOOL_CONTEXT_TSAN)
  ctx->tsan_fiber = __tsan_get_current_fiber();
  SPOOL_TSAN_RESUME_FIBER(ctx) = ctx->tsan_fiber;
#endif
  t_running = ctx;
}

static inline void spool_native_make_common(spool_context* ctx, void* stack_lo, size_t size,
                                            spool_context_entry entry, void* arg) {
  memset(ctx, 0, sizeof *ctx);
  const uintptr_t lo = (uintptr_t)stack_lo;
  ctx->stack_limit = lo;
  ctx->stack_base = lo + size;
  ctx->entry = entry;
  ctx->entry_arg = arg;
  ctx->stack_has_canary = 1;
#if defined(SPOOL_CONTEXT_ASAN)
  // The memory may have held an earlier context's frames, with their redzones still poisoned.
  __asan_unpoison_memory_region(stack_lo, size);
  ctx->asan_from_bottom = stack_lo;
  ctx->asan_from_size = size;
#endif
  spool_canary_write(stack_lo);
#if defined(SPOOL_CONTEXT_TSAN)
  ctx->tsan_fiber = __tsan_create_fiber(0);
  SPOOL_TSAN_RESUME_FIBER(ctx) = ctx->tsan_fiber;
#endif
  atomic_fetch_add_explicit(&g_contexts_made, 1, memory_order_relaxed);
}

static inline void spool_native_release_common(spool_context* ctx) {
#if defined(SPOOL_CONTEXT_TSAN)
  // Only a made context (with a stack) owns its fiber; init_current's is the thread's own.
  if (ctx->stack_limit != 0 && ctx->tsan_fiber != NULL) {
    __tsan_destroy_fiber(ctx->tsan_fiber);
    ctx->tsan_fiber = NULL;
  }
#else
  (void)ctx;
#endif
}

// ---- the rest of context.h, the same for both native backends --------------------------------

int spool_context_can_switch(void) { return 1; }

int spool_context_canary_intact(const spool_context* ctx) {
  if (ctx->stack_limit == 0) return 1;
  return spool_canary_intact_at(ctx->stack_limit);
}

int spool_context_stack_intact(const void* stack_lo) {
  return stack_lo == NULL || spool_canary_intact_at((uintptr_t)stack_lo);
}

void spool_context_recycle_into(const spool_context* abandoned, spool_context* fresh) {
  (void)fresh;  // nothing to hand over: the abandoned run simply never resumes
  spool_context copy = *abandoned;
  spool_context_release(&copy);
}

void spool_context_set_engine_budget(uint32_t stacks) { (void)stacks; }
uint32_t spool_context_engine_budget(void) { return 0; }
int spool_context_reserve(spool_context* ctx) {
  (void)ctx;
  return SPOOL_CONTEXT_OK;
}

void spool_context_get_stats(spool_context_stats* out) {
  memset(out, 0, sizeof *out);
  out->contexts_made = atomic_load_explicit(&g_contexts_made, memory_order_relaxed);
}

void spool_context_set_max_parked(uint32_t count) { (void)count; }

int spool_context_running_stack(uintptr_t* lo, uintptr_t* hi) {
  const spool_context* ctx = t_running;
  if (ctx == NULL || ctx->stack_limit == 0) return 0;
  *lo = ctx->stack_limit;
  *hi = ctx->stack_base;
  return 1;
}

#endif
