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
#include "wasm_common.h"

// The Asyncify imports (js/spool_library.js): both unwind the calling stack.
extern int __asyncjs__spool_asyncify_swap(spool_context* from, spool_context* to);
extern int __asyncjs__spool_asyncify_park(spool_context* self, double timeout_ms);

// What a suspended swap returns when the runtime resumes it: 0 to go on, or this.
#define SPOOL_ASYNCIFY_RESUME_TO_DROP (-1000)

static uint32_t g_budget = SPOOL_CONTEXT_DEFAULT_ENGINE_BUDGET;  // kept for the API; no engine stacks

// ---- what Asyncify has no use for: engine stacks -----------------------------------------------

void spool_context_set_engine_budget(uint32_t stacks) { g_budget = stacks ? stacks : 1; }
uint32_t spool_context_engine_budget(void) { return g_budget; }
int spool_context_reserve(spool_context* ctx) {
  (void)ctx;
  return SPOOL_CONTEXT_OK;
}
void spool_context_set_max_parked(uint32_t count) { (void)count; }

static void on_resumed_with(int rc) {
  // The runtime never rewinds a released run (it forgets its frames); this guards the rule that
  // a run that will never resume never executes again.
  if (rc == SPOOL_ASYNCIFY_RESUME_TO_DROP) __builtin_trap();
}

int spool_context_swap(spool_context* from, spool_context* to) {
  int rc = wasm_check_swap(from, to);
  if (rc == SPOOL_CONTEXT_OK) rc = wasm_save_stack(from);
  if (rc != SPOOL_CONTEXT_OK) return rc;
  rc = __asyncjs__spool_asyncify_swap(from, to);  // unwinds; returns here once `from` is rewound
  on_resumed_with(rc);
  wasm_restore_stack(from);
  return SPOOL_CONTEXT_OK;
}

int spool_context_park(spool_context* self, double timeout_ms) {
  if (g_shared.in_plain_call) return SPOOL_CONTEXT_E_NOT_SUSPENDABLE;
  int rc = wasm_save_stack(self);
  if (rc != SPOOL_CONTEXT_OK) return rc;
  rc = __asyncjs__spool_asyncify_park(self, timeout_ms);
  on_resumed_with(rc);
  wasm_restore_stack(self);
  return rc;
}

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
