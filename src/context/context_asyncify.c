// Asyncify backend of the context layer (see context.h), for engines without JSPI. Built with
// -DSPOOL_CONTEXT=asyncify, which links the program with -sASYNCIFY: Binaryen's Asyncify pass
// instruments every function that may be on the stack at a switch so that it can save its
// locals and return (unwind), and later be called again and restore them (rewind).
//
// A swap is one call of the Asyncify import __asyncjs__spool_asyncify_swap(from, to). The first
// time, the runtime (js/spool_asyncify.js) starts an unwind into a scratch buffer: every frame of
// `from` returns, down to the export the runtime's driver loop called, which copies the saved
// frames into a block of `from`'s own and runs `to` next (starting it, or rewinding it). When
// `from` is resumed, its export is called again with a rewind, which ends inside the same import
// call; that call now returns, and the code below it goes on.
//
// As with JSPI, the C shadow stack (__stack_pointer) is one global shared by every context: each
// saves it when it suspends and restores it when it resumes, with the stack limits. Unlike JSPI,
// a suspended context holds no engine resource, only its saved frames: releasing one frees them,
// and an abandoned (recycled) run is simply dropped, as natively and with Emscripten's own fibers.
//
// What it cannot do: switch from inside a JS->wasm call that the driver did not make (a callback:
// refused with SPOOL_CONTEXT_E_NOT_SUSPENDABLE, as on JSPI); work with -fwasm-exceptions (Asyncify
// does not support wasm exception handling: build with -fexceptions or -fno-exceptions); run
// Emscripten's own Asyncify sleeps (emscripten_sleep) in the same program.
#include "../report_c.h"
#include "canary.h"
#include "context.h"
#include "context_jspi.h"

#include <emscripten.h>
#include <emscripten/stack.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

// stackSave/stackRestore: __stack_pointer on every Emscripten release.
#include "wasm_stack_pointer.h"

// Offsets the runtime reads from a context record in linear memory (as for JSPI).
_Static_assert(offsetof(spool_context, saved_sp) == 0, "JS runtime reads saved_sp at 0");
_Static_assert(offsetof(spool_context, stack_base) == 4, "JS runtime reads stack_base at 4");
_Static_assert(offsetof(spool_context, state) == 20, "JS runtime reads state at 20");
_Static_assert(offsetof(spool_context, js_slot) == 24, "JS runtime reads js_slot at 24");

// Imports from js/spool_library.js. The two __asyncjs__ ones unwind (Asyncify imports).
extern int __asyncjs__spool_asyncify_swap(spool_context* from, spool_context* to);
extern int __asyncjs__spool_asyncify_park(spool_context* self, double timeout_ms);
extern void spool_js_wake(spool_context* ctx);
extern void spool_js_dispatch(spool_context* ctx);
extern void spool_js_get_stats(spool_context_stats* out, int size_of_stats);
extern void spool_js_release(spool_context* ctx);
extern void spool_js_set_stack_check_limits(uintptr_t base, uintptr_t limit);

void spool_context_call_context_lost(void);  // hooks.c

// Shared with the runtime in linear memory, as the JSPI backend does (same layout, so the
// runtime's plain-call marking is one piece of code for both).
typedef struct spool_jspi_shared {
  int32_t in_plain_call;  // 1 while the innermost JS->wasm call is a plain export call
  int32_t unused[3];
} spool_jspi_shared;
static volatile spool_jspi_shared g_shared;
EMSCRIPTEN_KEEPALIVE volatile spool_jspi_shared* spool_jspi_shared_state(void) { return &g_shared; }

// What a suspended swap returns when the runtime resumes it: 0 to go on, or this.
#define SPOOL_ASYNCIFY_RESUME_TO_DROP (-1000)

static uint32_t g_budget = SPOOL_CONTEXT_DEFAULT_ENGINE_BUDGET;  // kept for the API; no engine stacks

static uintptr_t g_cur_base, g_cur_limit;
static int g_cur_has_canary;
static int g_cur_known;
static uint64_t g_contexts_made;
static int g_stack_check_limits;  // -sSTACK_OVERFLOW_CHECK=2: its limits follow every switch

EMSCRIPTEN_KEEPALIVE void spool_jspi_enable_stack_check_limits(void) { g_stack_check_limits = 1; }

EMSCRIPTEN_KEEPALIVE const char* spool_jspi_running_name(void) {
  static char name[128];
  spool_context_describe_running(name, sizeof name);
  return name;
}

// Ends the running context with a trap (abort(), checked stack overflows): the runtime's driver
// catches it, names the fiber, and lets the scheduler go on or the program stop.
EMSCRIPTEN_KEEPALIVE void spool_jspi_trap(void) { __builtin_trap(); }

EMSCRIPTEN_KEEPALIVE void spool_jspi_context_lost(void) { spool_context_call_context_lost(); }

static void ensure_current_known(void) {
  if (!g_cur_known) {
    g_cur_base = emscripten_stack_get_base();
    g_cur_limit = emscripten_stack_get_end();
    g_cur_has_canary = 0;
    g_cur_known = 1;
    if (g_stack_check_limits) spool_js_set_stack_check_limits(g_cur_base, g_cur_limit);
  }
}

static void enter_stack(uintptr_t base, uintptr_t limit, int has_canary) {
  g_cur_base = base;
  g_cur_limit = limit;
  g_cur_has_canary = has_canary;
  uintptr_t usable_limit = has_canary ? limit + SPOOL_CONTEXT_RED_ZONE : limit;
  emscripten_stack_set_limits((void*)base, (void*)usable_limit);
  if (g_stack_check_limits) spool_js_set_stack_check_limits(base, usable_limit);
}

// ---- what Asyncify has no use for: engine stacks -----------------------------------------------

void spool_context_set_engine_budget(uint32_t stacks) { g_budget = stacks ? stacks : 1; }
uint32_t spool_context_engine_budget(void) { return g_budget; }
int spool_context_reserve(spool_context* ctx) {
  (void)ctx;
  return SPOOL_CONTEXT_OK;
}
void spool_context_set_max_parked(uint32_t count) { (void)count; }

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
  from->state = SPOOL_CONTEXT_SUSPENDED;
  return SPOOL_CONTEXT_OK;
}

static void restore_current(spool_context* self) {
  enter_stack(self->stack_base, self->stack_limit, self->stack_has_canary);
  stackRestore((uintptr_t)self->saved_sp);
  self->state = SPOOL_CONTEXT_RUNNING;
}

static void on_resumed_with(int rc) {
  // The runtime never rewinds a released run (it forgets its frames); this guards the rule that
  // a run that will never resume never executes again.
  if (rc == SPOOL_ASYNCIFY_RESUME_TO_DROP) __builtin_trap();
}

int spool_context_swap(spool_context* from, spool_context* to) {
  if (to == NULL || to->state == SPOOL_CONTEXT_EMPTY || to->state == SPOOL_CONTEXT_DEAD)
    return SPOOL_CONTEXT_E_TARGET_DEAD;
  if (to == from || to->state == SPOOL_CONTEXT_RUNNING) return SPOOL_CONTEXT_E_TARGET_RUNNING;
  if (g_shared.in_plain_call) return SPOOL_CONTEXT_E_NOT_SUSPENDABLE;
  int32_t old_state = from->state;
  int rc = save_current(from);
  if (rc != SPOOL_CONTEXT_OK) {
    from->state = old_state;
    return rc;
  }
  rc = __asyncjs__spool_asyncify_swap(from, to);  // unwinds; returns here once `from` is rewound
  on_resumed_with(rc);
  restore_current(from);
  return SPOOL_CONTEXT_OK;
}

int spool_context_park(spool_context* self, double timeout_ms) {
  if (g_shared.in_plain_call) return SPOOL_CONTEXT_E_NOT_SUSPENDABLE;
  int32_t old_state = self->state;
  int rc = save_current(self);
  if (rc != SPOOL_CONTEXT_OK) {
    self->state = old_state;
    return rc;
  }
  rc = __asyncjs__spool_asyncify_park(self, timeout_ms);
  on_resumed_with(rc);
  restore_current(self);
  return rc;
}

void spool_context_wake(spool_context* ctx) { spool_js_wake(ctx); }

void spool_context_dispatch_from_plain_call(spool_context* ctx) { spool_js_dispatch(ctx); }

void spool_context_release(spool_context* ctx) {
  if (ctx->js_slot != 0) spool_js_release(ctx);  // its saved frames are freed, never rewound
  ctx->engine_budget = 0;
}

void spool_context_recycle_into(const spool_context* abandoned, spool_context* fresh) {
  (void)fresh;
  spool_context copy = *abandoned;
  spool_context_release(&copy);
}

// Called by the runtime's driver before it moves __stack_pointer onto ctx's stack (to start it, or
// to rewind it): the stack limits that Emscripten's checks use become ctx's first.
EMSCRIPTEN_KEEPALIVE void spool_asyncify_enter(spool_context* ctx) {
  enter_stack(ctx->stack_base, ctx->stack_limit, ctx->stack_has_canary);
}

// Called by the runtime's driver loop, with __stack_pointer already at the top of ctx's own stack
// (so that this frame, if it has one, lives there), to start a FRESH context. Returns the context
// to resume once the entry has returned. If the entry switches away, this call unwinds instead
// and is called again to rewind the context.
EMSCRIPTEN_KEEPALIVE spool_context* spool_asyncify_run(spool_context* ctx) {
  ctx->state = SPOOL_CONTEXT_RUNNING;
  spool_context* next = ctx->entry(ctx->entry_arg);
  ctx->state = SPOOL_CONTEXT_DEAD;
  if (next == NULL) spool_fatal(SPOOL_STATUS_FAILED, "internal error: a context entry returned NULL");
  return next;
}

void spool_context_get_stats(spool_context_stats* out) {
  memset(out, 0, sizeof *out);
  spool_js_get_stats(out, (int)sizeof *out);
  out->contexts_made = g_contexts_made;
  out->engine_budget = g_budget;
}

const char* spool_context_backend_name(void) { return "asyncify"; }

// The C stack a suspended context uses (its frames' locals on the shadow stack; the frames Asyncify
// saved for it are held apart and not counted).
size_t spool_context_stack_in_use(const spool_context* ctx) {
  const uintptr_t sp = (uintptr_t)ctx->saved_sp;
  if (ctx->state != SPOOL_CONTEXT_SUSPENDED || sp < ctx->stack_limit || sp > ctx->stack_base) return 0;
  return ctx->stack_base - sp;
}

// Blocks for the runtime's own use: the scratch buffer unwinds go to, saved frames, the stack
// its reports run on.
EMSCRIPTEN_KEEPALIVE uintptr_t spool_jspi_carrier_stack_alloc(uint32_t bytes) {
  return (uintptr_t)aligned_alloc(16, (bytes + 15u) & ~15u);
}

EMSCRIPTEN_KEEPALIVE void spool_jspi_carrier_stack_free(uintptr_t lo) { free((void*)lo); }
