// JSPI backend of the context layer (see context.h). Each context that has started runs on an
// engine stack ("carrier") taken from a pool that js/spool_runtime.js keeps; a swap is one call of
// a WebAssembly.Suspending import that resolves the target's Promise and suspends on a new one.
//
// The C shadow stack (__stack_pointer, in linear memory) is shared by every engine stack, so each
// context saves it when it suspends and restores it when it resumes, with the stack limits.
#include "canary.h"
#include "context.h"
#include "context_jspi.h"

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

// Imports from js/spool_library.js. The two marked "suspending" are wrapped in
// WebAssembly.Suspending by the runtime when the module is instantiated.
extern int spool_js_swap(spool_context* from, spool_context* to);                 // suspending
extern spool_context* spool_js_carrier_park(spool_context* resume_first);          // suspending
extern int spool_js_park(spool_context* self, double timeout_ms);                  // suspending
extern void spool_js_wake(spool_context* ctx);
extern void spool_js_get_stats(spool_context_stats* out, int size_of_stats);
extern void spool_js_set_max_parked(uint32_t count);
extern void spool_js_release(spool_context* ctx);
extern void spool_js_recycle(spool_context* ctx, int value);
extern void spool_js_set_stack_check_limits(uintptr_t base, uintptr_t limit);

// stackSave/stackRestore are Emscripten's own (compiler-rt) helpers for __stack_pointer.
extern uintptr_t stackSave(void);
extern void stackRestore(uintptr_t sp);

// The stack that is executing now. Records are saved state: whichever stack is running when a
// swap is made is recorded into `from`, so a coroutine running inside a fiber is saved correctly.
static uintptr_t g_cur_base, g_cur_limit;
static int g_cur_has_canary;
static int g_cur_known;
static uint64_t g_contexts_made;
// Set by the runtime when the module was built with -sSTACK_OVERFLOW_CHECK=2, whose checks use
// limits of their own that must follow every switch.
static int g_stack_check_limits;

EMSCRIPTEN_KEEPALIVE void spool_jspi_enable_stack_check_limits(void) { g_stack_check_limits = 1; }

// For the runtime's stack overflow report: the name the scheduler gives the running fiber.
// Weak, like spool_scheduler_context_lost below: a program that uses only the context layer (the
// emscripten_fiber layer, Coroutine) does not link the scheduler in.
__attribute__((weak)) const char* spool_running_fiber_name(void);
EMSCRIPTEN_KEEPALIVE const char* spool_jspi_running_fiber_name(void) {
  return spool_running_fiber_name ? spool_running_fiber_name() : "";
}

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

// 1 while the innermost JS->wasm call in progress is a plain export call (the runtime keeps it
// up to date), so that checking whether a switch is possible costs a load, not a JS call.
static volatile int32_t g_in_plain_call;
EMSCRIPTEN_KEEPALIVE volatile int32_t* spool_jspi_plain_call_flag(void) { return &g_in_plain_call; }

int spool_context_can_switch(void) { return !g_in_plain_call; }

int spool_context_canary_intact(const spool_context* ctx) {
  if (!ctx->stack_has_canary) return 1;
  return spool_canary_intact_at(ctx->stack_limit);
}

// Records what runs now into `from`, or returns why the switch cannot be made.
static int save_current(spool_context* from) {
  ensure_current_known();
  if (g_cur_has_canary && !spool_canary_intact_at(g_cur_limit)) return SPOOL_CONTEXT_E_STACK_OVERFLOW;
  from->stack_base = g_cur_base;
  from->stack_limit = g_cur_limit;
  from->stack_has_canary = g_cur_has_canary;
  from->saved_sp = (void*)stackSave();
  from->state = SPOOL_CONTEXT_SUSPENDED;
  return SPOOL_CONTEXT_OK;
}

// Runs right after `self` was resumed on its engine stack.
static void restore_current(spool_context* self) {
  enter_stack(self->stack_base, self->stack_limit, self->stack_has_canary);
  stackRestore((uintptr_t)self->saved_sp);
  self->state = SPOOL_CONTEXT_RUNNING;
}

// What a recycled context's suspended swap returns (spool_context_recycle): unwind, do not resume.
#define SPOOL_JSPI_RESUME_TO_UNWIND (-1000)

// The C stack that recycled contexts unwind on: their own may already belong to a new context.
static char g_unwind_stack[16384] __attribute__((aligned(16)));
// Set while a recycled context unwinds; still set at the next switch means a catch swallowed it.
static int g_unwinding;

static void check_not_unwinding(void) {
  if (g_unwinding) {
    fprintf(stderr,
            "spool: fatal: the unwind of a recycled context was caught and not rethrown (a "
            "catch (...) in a fiber that was abandoned and re-initialised); rethrow exceptions "
            "you do not know.\n");
    abort();
  }
}

__attribute__((noreturn)) static void unwind_recycled(void) {
  g_unwinding = 1;
  uintptr_t base = (uintptr_t)g_unwind_stack + sizeof g_unwind_stack;
  enter_stack(base, (uintptr_t)g_unwind_stack, 0);
  stackRestore(base);
  spool_jspi_throw_unwind();
}

void spool_context_recycle(spool_context* ctx) {
  if (ctx->js_slot == 0) return;  // not suspended: nothing held
  if (!spool_jspi_can_unwind()) {
    spool_js_release(ctx);
    return;
  }
  spool_js_recycle(ctx, SPOOL_JSPI_RESUME_TO_UNWIND);
}

int spool_context_swap(spool_context* from, spool_context* to) {
  check_not_unwinding();
  if (to == NULL || to->state == SPOOL_CONTEXT_EMPTY || to->state == SPOOL_CONTEXT_DEAD)
    return SPOOL_CONTEXT_E_TARGET_DEAD;
  if (to == from || to->state == SPOOL_CONTEXT_RUNNING) return SPOOL_CONTEXT_E_TARGET_RUNNING;
  if (g_in_plain_call) return SPOOL_CONTEXT_E_NOT_SUSPENDABLE;
  int32_t old_state = from->state;
  int rc = save_current(from);
  if (rc != SPOOL_CONTEXT_OK) {
    from->state = old_state;
    return rc;
  }
  rc = spool_js_swap(from, to);
  // Recycled while suspended: `from` may already be another context's record; touch nothing.
  if (rc == SPOOL_JSPI_RESUME_TO_UNWIND) unwind_recycled();
  if (rc < 0) {  // the runtime refused before suspending: nothing happened
    from->state = old_state;
    return rc;
  }
  restore_current(from);
  return SPOOL_CONTEXT_OK;
}

int spool_context_park(spool_context* self, double timeout_ms) {
  check_not_unwinding();
  if (g_in_plain_call) return SPOOL_CONTEXT_E_NOT_SUSPENDABLE;
  int32_t old_state = self->state;
  int rc = save_current(self);
  if (rc != SPOOL_CONTEXT_OK) {
    self->state = old_state;
    return rc;
  }
  rc = spool_js_park(self, timeout_ms);
  restore_current(self);
  return rc;
}

void spool_context_wake(spool_context* ctx) { spool_js_wake(ctx); }

extern void spool_js_dispatch(spool_context* ctx);
void spool_context_dispatch_from_plain_call(spool_context* ctx) {
  ctx->state = SPOOL_CONTEXT_RUNNING;
  spool_js_dispatch(ctx);
}

// Called by the runtime when an engine stack ended with an error (a trap, or an overflow that
// -sSTACK_OVERFLOW_CHECK=2 stopped) while a context ran on it. The scheduler finishes that fiber
// as failed and goes on with the others.
__attribute__((weak)) void spool_scheduler_context_lost(void);
EMSCRIPTEN_KEEPALIVE void spool_jspi_context_lost(void) {
  if (spool_scheduler_context_lost) spool_scheduler_context_lost();
}

void spool_context_release(spool_context* ctx) {
  // A context holds a JS slot only while suspended. One abandoned while suspended (a fiber left
  // blocked by a deadlock, a coroutine destroyed mid-body) lets go of its resolver, so the engine
  // can collect its engine stack; the code on it never runs again.
  if (ctx->js_slot != 0) spool_js_release(ctx);
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
    spool_context* ctx = spool_js_carrier_park(resume_first);
    if (ctx == NULL) return;  // the pool let this engine stack go
    enter_stack(carrier_base, carrier_stack_lo, 0);
    stackRestore(carrier_sp);
    for (;;) {
      ctx->state = SPOOL_CONTEXT_RUNNING;
      enter_stack(ctx->stack_base, ctx->stack_limit, 1);
      stackRestore(ctx->stack_base);
      spool_context* next = spool_jspi_run_entry(ctx);
      enter_stack(carrier_base, carrier_stack_lo, 0);
      stackRestore(carrier_sp);
      if (next == SPOOL_JSPI_UNWOUND) {
        // A recycled context unwound (its record may hold a new context now): park for the next.
        g_unwinding = 0;
        resume_first = NULL;
        break;
      }
      ctx->state = SPOOL_CONTEXT_DEAD;
      if (next == NULL) {
        fprintf(stderr, "spool: fatal: a context entry returned NULL, so there is nothing to resume\n");
        abort();
      }
      if (next->state != SPOOL_CONTEXT_FRESH) {
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
}

void spool_context_set_max_parked(uint32_t count) { spool_js_set_max_parked(count); }

const char* spool_context_backend_name(void) { return "jspi"; }

// The C frame of each carrier lives in a small block of its own (see spool_carrier_main).
EMSCRIPTEN_KEEPALIVE uintptr_t spool_jspi_carrier_stack_alloc(uint32_t bytes) {
  return (uintptr_t)aligned_alloc(16, bytes);
}

EMSCRIPTEN_KEEPALIVE void spool_jspi_carrier_stack_free(uintptr_t lo) { free((void*)lo); }
