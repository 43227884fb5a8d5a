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
#include "exception_state.h"
#include "wasm_common.h"

_Static_assert(offsetof(spool_context, carrier) == 36, "JS runtime reads carrier at 36");

// The suspending imports (js/spool_library.js): the runtime wraps them in WebAssembly.Suspending
// when the module is instantiated.
extern int spool_js_swap(spool_context* from, spool_context* to);
extern spool_context* spool_js_carrier_park(spool_context* resume_first, uintptr_t carrier);
extern int spool_js_park(spool_context* self, double timeout_ms);
extern void spool_js_set_max_parked(uint32_t count);

// What a suspended swap returns when the runtime resumes it: 0 to go on, or one of these.
#define SPOOL_JSPI_RESUME_TO_DROP (-1000)    // released: trap, so that no frame of it runs
#define SPOOL_JSPI_RESUME_TO_UNWIND (-1001)  // recycled: unwind, then run recycle_target here

// The engine-stack budget: contexts holding or having reserved one (engine_budget 2 or 1), and
// the most that may exist at once with the parked and dropping ones.
static uint32_t g_claimed;
static uint32_t g_budget = SPOOL_CONTEXT_DEFAULT_ENGINE_BUDGET;

// The engine stack (carrier) the running code is on; 0 on main's own. A context is saved on the
// carrier it was running on, which is not always the one it started on: a fiber that resumed a
// spool::Coroutine and blocks inside it is saved on the coroutine's carrier. Releasing a run
// drops the carrier it is suspended on, so that is the one it must name.
static uintptr_t g_cur_carrier;

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

// Records what runs now into `from` (its C stack, the carrier it is on, its exception state), or
// returns why the switch cannot be made.
static int save_current(spool_context* from) {
  const int rc = wasm_save_stack(from);
  if (rc != SPOOL_CONTEXT_OK) return rc;
  from->carrier = g_cur_carrier;
  spool_exception_state_save(from);
  return SPOOL_CONTEXT_OK;
}

// Runs right after `self` was resumed on its engine stack.
static void restore_current(spool_context* self) {
  g_cur_carrier = self->carrier;
  wasm_restore_stack(self);
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
  int rc = wasm_check_swap(from, to);
  if (rc != SPOOL_CONTEXT_OK) return rc;
  if (to->state == SPOOL_CONTEXT_FRESH && to->js_slot == 0 && to->engine_budget == 0 &&
      !budget_has_room()) {
    return SPOOL_CONTEXT_E_NO_ENGINE_STACK;
  }
  rc = save_current(from);
  if (rc != SPOOL_CONTEXT_OK) return rc;
  rc = spool_js_swap(from, to);
  on_resumed_with(rc);  // released or recycled meanwhile: `from` may be another record by now
  restore_current(from);
  return SPOOL_CONTEXT_OK;
}

int spool_context_park(spool_context* self, double timeout_ms) {
  check_not_unwinding();
  if (g_shared.in_plain_call) return SPOOL_CONTEXT_E_NOT_SUSPENDABLE;
  int rc = save_current(self);
  if (rc != SPOOL_CONTEXT_OK) return rc;
  rc = spool_js_park(self, timeout_ms);
  on_resumed_with(rc);
  restore_current(self);
  return rc;
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
