// What the two wasm backends of the context layer (context_jspi.c: engine stacks from a pool;
// context_asyncify.c: Binaryen's unwind/rewind) share: the stack that runs now and its limits,
// the record of a suspended context's C stack, the checks made before every switch, the block of
// linear memory the runtime reads, and the exports the runtimes' reports call. Included by
// exactly one of them per build (each build links one backend), like native_common.h natively.
//
// Every fiber has its own C stack (the shadow stack in linear memory) but __stack_pointer is one
// global: a context saves it with its limits when it suspends and restores both when it resumes.
#ifndef SPOOL_SRC_CONTEXT_WASM_COMMON_H
#define SPOOL_SRC_CONTEXT_WASM_COMMON_H

#include <emscripten.h>
#include <emscripten/stack.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../report_c.h"
#include "canary.h"
#include "context.h"
#include "context_jspi.h"
#include "wasm_stack_pointer.h"  // stackSave/stackRestore: __stack_pointer on every Emscripten

// Offsets both runtimes (js/spool_runtime.js, js/spool_asyncify.js) read from a record.
_Static_assert(offsetof(spool_context, saved_sp) == 0, "the runtimes read saved_sp at 0");
_Static_assert(offsetof(spool_context, stack_base) == 4, "the runtimes read stack_base at 4");
_Static_assert(offsetof(spool_context, stack_limit) == 8, "the runtimes read stack_limit at 8");
_Static_assert(offsetof(spool_context, state) == 20, "the runtimes read state at 20");
_Static_assert(offsetof(spool_context, js_slot) == 24, "the runtimes read js_slot at 24");

// Imports from js/spool_library.js that both backends call (each declares its suspending ones).
extern void spool_js_wake(spool_context* ctx);
extern void spool_js_dispatch(spool_context* ctx);
extern void spool_js_get_stats(spool_context_stats* out, int size_of_stats);
extern void spool_js_release(spool_context* ctx);
extern void spool_js_set_stack_check_limits(uintptr_t base, uintptr_t limit);

void spool_context_call_context_lost(void);  // hooks.c

// What the runtime and the backend share in linear memory, so that the checks made on every swap
// cost loads instead of JS calls. The runtime keeps its fields up to date; one layout for both
// runtimes, so that their plain-call marking is one piece of code (the Asyncify runtime keeps no
// engine stacks and leaves the last three at 0).
typedef struct spool_wasm_shared {
  int32_t in_plain_call;     // 1 while the innermost JS->wasm call is a plain export call
  int32_t parked;            // JSPI: engine stacks parked in the pool
  int32_t dropping;          // JSPI: engine stacks released and not yet freed by the engine
  uint32_t recycle_target;   // JSPI: the FRESH context an abandoned run unwinds for
} spool_wasm_shared;
static volatile spool_wasm_shared g_shared;
EMSCRIPTEN_KEEPALIVE volatile spool_wasm_shared* spool_jspi_shared_state(void) { return &g_shared; }

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

// For the runtime's reports: the name of what runs now, through the hooks.
EMSCRIPTEN_KEEPALIVE const char* spool_jspi_running_name(void) {
  static char name[128];
  spool_context_describe_running(name, sizeof name);
  return name;
}

// The runtime calls it from inside an import to end the stack that called the import: a trap,
// which no wasm code can catch (not even after it passed through the JS frame), so none of that
// run's frames runs again. For abort() and checked stack overflows.
EMSCRIPTEN_KEEPALIVE void spool_jspi_trap(void) { __builtin_trap(); }

// Called by the runtime when a run ended with an error (a trap, or an overflow that
// -sSTACK_OVERFLOW_CHECK=2 stopped).
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

// Why `from` cannot swap to `to`, or SPOOL_CONTEXT_OK (the checks every backend makes first).
static int wasm_check_swap(const spool_context* from, const spool_context* to) {
  if (to == NULL || to->state == SPOOL_CONTEXT_EMPTY || to->state == SPOOL_CONTEXT_DEAD)
    return SPOOL_CONTEXT_E_TARGET_DEAD;
  if (to == from || to->state == SPOOL_CONTEXT_RUNNING) return SPOOL_CONTEXT_E_TARGET_RUNNING;
  if (g_shared.in_plain_call) return SPOOL_CONTEXT_E_NOT_SUSPENDABLE;
  return SPOOL_CONTEXT_OK;
}

// Records the C stack that runs now into `from` and marks it suspended, or returns why the
// switch cannot be made (its canary is gone); `from` is left as it was then.
static int wasm_save_stack(spool_context* from) {
  ensure_current_known();
  const uintptr_t sp = stackSave();
  if (g_cur_has_canary && spool_canary_due(sp, g_cur_limit) && !spool_canary_intact_at(g_cur_limit)) {
    return SPOOL_CONTEXT_E_STACK_OVERFLOW;
  }
  from->stack_base = g_cur_base;
  from->stack_limit = g_cur_limit;
  from->stack_has_canary = g_cur_has_canary;
  from->saved_sp = (void*)sp;
  from->state = SPOOL_CONTEXT_SUSPENDED;
  return SPOOL_CONTEXT_OK;
}

// Runs right after `self` was resumed: its C stack and limits become the current ones.
static void wasm_restore_stack(spool_context* self) {
  enter_stack(self->stack_base, self->stack_limit, self->stack_has_canary);
  stackRestore((uintptr_t)self->saved_sp);
  self->state = SPOOL_CONTEXT_RUNNING;
}

// ---- the parts of context.h that do not depend on how a stack is suspended ------------------

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

void spool_context_wake(spool_context* ctx) { spool_js_wake(ctx); }

void spool_context_dispatch_from_plain_call(spool_context* ctx) { spool_js_dispatch(ctx); }

// The C stack a suspended context uses (with Asyncify, the frames it saved are held apart and not
// counted).
size_t spool_context_stack_in_use(const spool_context* ctx) {
  const uintptr_t sp = (uintptr_t)ctx->saved_sp;
  if (ctx->state != SPOOL_CONTEXT_SUSPENDED || sp < ctx->stack_limit || sp > ctx->stack_base) return 0;
  return ctx->stack_base - sp;
}

// Blocks of linear memory for the runtime's own use (JSPI: each carrier's C frame; Asyncify: the
// scratch buffer unwinds go to, saved frames, the stack its reports run on).
EMSCRIPTEN_KEEPALIVE uintptr_t spool_jspi_carrier_stack_alloc(uint32_t bytes) {
  return (uintptr_t)aligned_alloc(16, (bytes + 15u) & ~15u);
}

EMSCRIPTEN_KEEPALIVE void spool_jspi_carrier_stack_free(uintptr_t lo) { free((void*)lo); }

#endif
