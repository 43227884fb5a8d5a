// JSPI backend of the context layer (see context.h). Each context that has started runs on an
// engine stack ("carrier") taken from a pool that js/spool_runtime.js keeps; a swap is one call of
// a WebAssembly.Suspending import that resolves the target's Promise and suspends on a new one.
//
// The C shadow stack (__stack_pointer, in linear memory) is shared by every engine stack, so each
// context saves it when it suspends and restores it when it resumes, with the stack limits.
//
// A suspended run that will never resume is resumed once more with a code on which it either
// traps at once (released: the engine drops its stack without running any of its frames, since
// wasm cannot catch a trap) or unwinds its own frames and starts its successor on the same
// engine stack (recycled, see spool_context_recycle_into).
#include "../report_c.h"
#include "canary.h"
#include "context.h"
#include "context_jspi.h"
#include "exception_state.h"

#include <emscripten.h>
#include <emscripten/stack.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Offsets that js/spool_runtime.js reads from a context record in linear memory.
_Static_assert(offsetof(spool_context, stack_base) == 4, "JS runtime reads stack_base at 4");
_Static_assert(offsetof(spool_context, stack_limit) == 8, "JS runtime reads stack_limit at 8");
_Static_assert(offsetof(spool_context, state) == 20, "JS runtime reads state at 20");
_Static_assert(offsetof(spool_context, js_slot) == 24, "JS runtime reads js_slot at 24");
_Static_assert(offsetof(spool_context, carrier) == 36, "JS runtime reads carrier at 36");

// Imports from js/spool_library.js. The marked ones are wrapped in WebAssembly.Suspending by the
// runtime when the module is instantiated.
extern int spool_js_swap(spool_context* from, spool_context* to);                 // suspending
extern spool_context* spool_js_carrier_park(spool_context* resume_first, uintptr_t carrier);  // suspending
extern int spool_js_park(spool_context* self, double timeout_ms);                  // suspending
extern void spool_js_wake(spool_context* ctx);
extern void spool_js_dispatch(spool_context* ctx);
extern void spool_js_get_stats(spool_context_stats* out, int size_of_stats);
extern void spool_js_set_max_parked(uint32_t count);
extern void spool_js_release(spool_context* ctx);
extern void spool_js_set_stack_check_limits(uintptr_t base, uintptr_t limit);

// stackSave/stackRestore are Emscripten's own (compiler-rt) helpers for __stack_pointer.
extern uintptr_t stackSave(void);
extern void stackRestore(uintptr_t sp);

void spool_context_call_context_lost(void);  // hooks.c

// What the runtime and this file share in linear memory, so that the checks made on every swap
// cost loads instead of JS calls. The runtime keeps its fields up to date.
typedef struct spool_jspi_shared {
  int32_t in_plain_call;     // 1 while the innermost JS->wasm call is a plain export call
  int32_t parked;            // engine stacks parked in the pool
  int32_t dropping;          // engine stacks released and not yet freed by the engine
  uint32_t recycle_target;   // the FRESH context an abandoned run unwinds for (set before it resumes)
} spool_jspi_shared;
static volatile spool_jspi_shared g_shared;
EMSCRIPTEN_KEEPALIVE volatile spool_jspi_shared* spool_jspi_shared_state(void) { return &g_shared; }

// What a suspended swap returns when the runtime resumes it: 0 to go on, or one of these.
#define SPOOL_JSPI_RESUME_TO_DROP (-1000)    // released: trap, so that no frame of it runs
#define SPOOL_JSPI_RESUME_TO_UNWIND (-1001)  // recycled: unwind, then run recycle_target here

// The engine-stack budget: contexts holding or having reserved one (engine_budget 2 or 1), and
// the most that may exist at once with the parked and dropping ones.
static uint32_t g_claimed;
static uint32_t g_budget = SPOOL_CONTEXT_DEFAULT_ENGINE_BUDGET;

// The stack that is executing now. Records are saved state: whichever stack is running when a
// swap is made is recorded into `from`, so a coroutine running inside a fiber is saved correctly.
static uintptr_t g_cur_base, g_cur_limit;
// The engine stack (carrier) the running code is on; 0 on main's own. A context is saved on the
// carrier it was running on, which is not always the one it started on: a fiber that resumed a
// spool::Coroutine and blocks inside it is saved on the coroutine's carrier. Releasing a run
// drops the carrier it is suspended on, so that is the one it must name.
static uintptr_t g_cur_carrier;
static int g_cur_has_canary;
static int g_cur_known;
static uint64_t g_contexts_made;
// Set by the runtime when the module was built with -sSTACK_OVERFLOW_CHECK=2, whose checks use
// limits of their own that must follow every switch.
static int g_stack_check_limits;

EMSCRIPTEN_KEEPALIVE void spool_jspi_enable_stack_check_limits(void) { g_stack_check_limits = 1; }

// For the runtime's reports: the name of what runs now, through the hooks.
EMSCRIPTEN_KEEPALIVE const char* spool_jspi_running_name(void) {
  static char name[128];
  spool_context_describe_running(name, sizeof name);
  return name;
}

// The runtime calls it from inside an import to end the engine stack that called the import: a
// trap, which no wasm code can catch (not even after it passed through the JS frame), so none of
// that stack's frames runs again. For abort() and checked stack overflows.
EMSCRIPTEN_KEEPALIVE void spool_jspi_trap(void) { __builtin_trap(); }

// Called by the runtime when an engine stack ended with an error (a trap, or an overflow that
// -sSTACK_OVERFLOW_CHECK=2 stopped) while a context ran on it.
EMSCRIPTEN_KEEPALIVE void spool_jspi_context_lost(void) { spool_context_call_context_lost(); }

static void ensure_current_known(void) {
  if (!g_cur_known) {
    g_cur_base = emscripten_stack_get_base();
    g_cur_limit = emscripten_stack_get_end();
    g_cur_has_canary = 0;
    g_cur_known = 1;
    // Tell the runtime where the -sSTACK_OVERFLOW_CHECK=2 limits stand before its first switch.
    if (g_stack_check_limits) spool_js_set_stack_check_limits(g_cur_base, g_cur_limit);
  }
}

// Makes the limits of the stack about to run the ones Emscripten (and -sSTACK_OVERFLOW_CHECK)
// check against. Call before __stack_pointer moves onto that stack.
static void enter_stack(uintptr_t base, uintptr_t limit, int has_canary) {
  g_cur_base = base;
  g_cur_limit = limit;
  g_cur_has_canary = has_canary;
  uintptr_t usable_limit = has_canary ? limit + SPOOL_CONTEXT_RED_ZONE : limit;
  emscripten_stack_set_limits((void*)base, (void*)usable_limit);
  if (g_stack_check_limits) spool_js_set_stack_check_limits(base, usable_limit);
}

// ---- the engine-stack budget ------------------------------------------------------------------

// Whether one more engine stack may come into being now.
static int budget_has_room(void) {
  return g_shared.parked > 0 || g_claimed + (uint32_t)g_shared.dropping < g_budget;
}

static void claim_for_start(spool_context* ctx) {
  if (ctx->engine_budget == 0) ++g_claimed;
  ctx->engine_budget = 2;
}

static void unclaim(spool_context* ctx) {
  if (ctx->engine_budget != 0) --g_claimed;
  ctx->engine_budget = 0;
}

void spool_context_set_engine_budget(uint32_t stacks) { g_budget = stacks ? stacks : 1; }
uint32_t spool_context_engine_budget(void) { return g_budget; }

int spool_context_reserve(spool_context* ctx) {
  if (ctx->engine_budget != 0) return SPOOL_CONTEXT_OK;
  if (g_claimed + (uint32_t)g_shared.dropping >= g_budget) return SPOOL_CONTEXT_E_NO_ENGINE_STACK;
  ++g_claimed;
  ctx->engine_budget = 1;
  return SPOOL_CONTEXT_OK;
}

// ---- contexts ---------------------------------------------------------------------------------

void spool_context_init_current(spool_context* ctx) {
  ensure_current_known();
  memset(ctx, 0, sizeof *ctx);
  ctx->stack_base = g_cur_base;
  ctx->stack_limit = g_cur_limit;
  ctx->state = SPOOL_CONTEXT_RUNNING;
}

void spool_context_make(spool_context* ctx, void* stack_lo, size_t size, spool_context_entry entry,
                        void* arg) {
  memset(ctx, 0, sizeof *ctx);
  ctx->stack_limit = (uintptr_t)stack_lo;
  ctx->stack_base = (uintptr_t)stack_lo + size;
  ctx->entry = entry;
  ctx->entry_arg = arg;
  ctx->state = SPOOL_CONTEXT_FRESH;
  ctx->stack_has_canary = 1;
  spool_canary_write(stack_lo);
  ++g_contexts_made;
}

int spool_context_can_switch(void) { return !g_shared.in_plain_call; }

int spool_context_canary_intact(const spool_context* ctx) {
  if (!ctx->stack_has_canary) return 1;
  return spool_canary_intact_at(ctx->stack_limit);
}

int spool_context_stack_intact(const void* stack_lo) {
  return stack_lo == NULL || spool_canary_intact_at((uintptr_t)stack_lo);
}

int spool_context_running_stack(uintptr_t* lo, uintptr_t* hi) {
  if (!g_cur_known || !g_cur_has_canary) return 0;
  *lo = g_cur_limit;
  *hi = g_cur_base;
  return 1;
}

// Records what runs now into `from`, or returns why the switch cannot be made.
static int save_current(spool_context* from) {
  ensure_current_known();
  const uintptr_t sp = stackSave();
  if (g_cur_has_canary && spool_canary_due(sp, g_cur_limit) && !spool_canary_intact_at(g_cur_limit)) {
    return SPOOL_CONTEXT_E_STACK_OVERFLOW;
  }
  from->stack_base = g_cur_base;
  from->stack_limit = g_cur_limit;
  from->stack_has_canary = g_cur_has_canary;
  from->saved_sp = (void*)sp;
  from->carrier = g_cur_carrier;
  from->state = SPOOL_CONTEXT_SUSPENDED;
  spool_exception_state_save(from);
  return SPOOL_CONTEXT_OK;
}

// Runs right after `self` was resumed on its engine stack.
static void restore_current(spool_context* self) {
  g_cur_carrier = self->carrier;
  enter_stack(self->stack_base, self->stack_limit, self->stack_has_canary);
  stackRestore((uintptr_t)self->saved_sp);
  self->state = SPOOL_CONTEXT_RUNNING;
  spool_exception_state_restore(self);
}

// Set while an abandoned run unwinds for recycling; still set at the next switch means a catch
// swallowed the unwind and the abandoned code runs on.
static int g_unwinding;
int spool_jspi_unwinding(void) { return g_unwinding; }

static void check_not_unwinding(void) {
  if (g_unwinding) {
    spool_fatal(SPOOL_STATUS_FAILED,
                "the unwind of an abandoned run was caught and not rethrown (a catch (...) in an "
                "emscripten_fiber that was re-initialised while suspended); rethrow exceptions "
                "you do not know.");
  }
}

// A recycled run resumed for the last time: unwind its frames on its own stack (intact: its
// successor, made on the same stack, has not run yet), to the catch in the carrier loop, which
// then starts the successor on this engine stack.
__attribute__((noreturn)) static void unwind_for_recycling(void) {
  const spool_context* successor = (const spool_context*)(uintptr_t)g_shared.recycle_target;
  g_unwinding = 1;
  enter_stack(successor->stack_base, successor->stack_limit, 1);
  stackRestore((uintptr_t)successor->saved_sp);
  spool_jspi_throw_unwind();
}

// What a suspended run does once resumed with `rc`: go on, or never run another frame of its own.
static void on_resumed_with(int rc) {
  if (rc == SPOOL_JSPI_RESUME_TO_DROP) __builtin_trap();
  if (rc == SPOOL_JSPI_RESUME_TO_UNWIND) unwind_for_recycling();
}

int spool_context_swap(spool_context* from, spool_context* to) {
  check_not_unwinding();
  if (to == NULL || to->state == SPOOL_CONTEXT_EMPTY || to->state == SPOOL_CONTEXT_DEAD)
    return SPOOL_CONTEXT_E_TARGET_DEAD;
  if (to == from || to->state == SPOOL_CONTEXT_RUNNING) return SPOOL_CONTEXT_E_TARGET_RUNNING;
  if (g_shared.in_plain_call) return SPOOL_CONTEXT_E_NOT_SUSPENDABLE;
  if (to->state == SPOOL_CONTEXT_FRESH && to->js_slot == 0 && to->engine_budget == 0 &&
      !budget_has_room()) {
    return SPOOL_CONTEXT_E_NO_ENGINE_STACK;
  }
  int32_t old_state = from->state;
  int rc = save_current(from);
  if (rc != SPOOL_CONTEXT_OK) {
    from->state = old_state;
    return rc;
  }
  rc = spool_js_swap(from, to);
  on_resumed_with(rc);  // released or recycled meanwhile: `from` may be another record by now
  restore_current(from);
  return SPOOL_CONTEXT_OK;
}

int spool_context_park(spool_context* self, double timeout_ms) {
  check_not_unwinding();
  if (g_shared.in_plain_call) return SPOOL_CONTEXT_E_NOT_SUSPENDABLE;
  int32_t old_state = self->state;
  int rc = save_current(self);
  if (rc != SPOOL_CONTEXT_OK) {
    self->state = old_state;
    return rc;
  }
  rc = spool_js_park(self, timeout_ms);
  on_resumed_with(rc);
  restore_current(self);
  return rc;
}

void spool_context_wake(spool_context* ctx) { spool_js_wake(ctx); }

void spool_context_dispatch_from_plain_call(spool_context* ctx) {
  spool_js_dispatch(ctx);
}

void spool_context_release(spool_context* ctx) {
  if (ctx->js_slot != 0) spool_js_release(ctx);  // suspended: dropped, none of its frames runs
  unclaim(ctx);
}

void spool_context_recycle_into(const spool_context* abandoned, spool_context* fresh) {
  spool_context copy = *abandoned;
  const int same_stack = copy.stack_base == fresh->stack_base && copy.stack_limit == fresh->stack_limit;
  if (copy.js_slot == 0 || !same_stack || !spool_jspi_can_unwind()) {
    spool_context_release(&copy);
    return;
  }
  // `fresh` takes over the suspended engine stack and its place in the budget; the runtime
  // resumes that stack to unwind the abandoned frames (at saved_sp) when `fresh` first runs.
  fresh->js_slot = copy.js_slot;
  fresh->carrier = copy.carrier;
  fresh->saved_sp = copy.saved_sp;
  fresh->engine_budget = copy.engine_budget;
}

// The body of every engine stack in the pool. The runtime calls it through
// WebAssembly.promising with __stack_pointer set to a small C stack of the carrier's own, so that
// this frame survives the contexts it runs. It parks until given a FRESH context, runs it, and
// when that context's entry returns, resumes the context it named and parks again. A FRESH
// context named by a finishing one runs right here, with no suspension (the spawn fast path).
EMSCRIPTEN_KEEPALIVE void spool_carrier_main(uintptr_t carrier_stack_lo) {
  uintptr_t carrier_sp = stackSave();
  uintptr_t carrier_base = carrier_sp;
  spool_context* resume_first = NULL;
  for (;;) {
    spool_context* ctx = spool_js_carrier_park(resume_first, carrier_stack_lo);
    if (ctx == NULL) return;  // the pool let this engine stack go
    for (;;) {
      claim_for_start(ctx);
      ctx->carrier = carrier_stack_lo;
      g_cur_carrier = carrier_stack_lo;
      ctx->state = SPOOL_CONTEXT_RUNNING;
      enter_stack(ctx->stack_base, ctx->stack_limit, 1);
      stackRestore(ctx->stack_base);
      spool_exception_state_clear();
      spool_context* next = spool_jspi_run_entry(ctx);
      enter_stack(carrier_base, carrier_stack_lo, 0);
      stackRestore(carrier_sp);
      if (next == SPOOL_JSPI_UNWOUND) {
        // An abandoned run unwound (`ctx` may already be its successor's record): start the
        // successor here, on the engine stack the abandoned run held.
        g_unwinding = 0;
        ctx = (spool_context*)(uintptr_t)g_shared.recycle_target;
        ctx->js_slot = 0;
        continue;
      }
      ctx->state = SPOOL_CONTEXT_DEAD;
      unclaim(ctx);
      if (next == NULL) spool_fatal(SPOOL_STATUS_FAILED, "internal error: a context entry returned NULL");
      if (next->state != SPOOL_CONTEXT_FRESH || next->js_slot != 0) {
        resume_first = next;
        break;
      }
      ctx = next;
    }
  }
}

void spool_context_get_stats(spool_context_stats* out) {
  memset(out, 0, sizeof *out);
  spool_js_get_stats(out, (int)sizeof *out);
  out->contexts_made = g_contexts_made;
  out->engine_stacks_claimed = g_claimed;
  out->engine_stacks_dropping = (uint32_t)g_shared.dropping;
  out->engine_budget = g_budget;
}

void spool_context_set_max_parked(uint32_t count) { spool_js_set_max_parked(count); }

const char* spool_context_backend_name(void) { return "jspi"; }

size_t spool_context_stack_in_use(const spool_context* ctx) {
  const uintptr_t sp = (uintptr_t)ctx->saved_sp;
  if (ctx->state != SPOOL_CONTEXT_SUSPENDED || sp < ctx->stack_limit || sp > ctx->stack_base) return 0;
  return ctx->stack_base - sp;
}

// The C frame of each carrier lives in a small block of its own (see spool_carrier_main).
EMSCRIPTEN_KEEPALIVE uintptr_t spool_jspi_carrier_stack_alloc(uint32_t bytes) {
  return (uintptr_t)aligned_alloc(16, bytes);
}

EMSCRIPTEN_KEEPALIVE void spool_jspi_carrier_stack_free(uintptr_t lo) { free((void*)lo); }
