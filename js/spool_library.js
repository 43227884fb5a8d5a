// spool's imports, linked with --js-library. Each forwards to the runtime object SPOOL that
// js/spool_runtime.js (linked with --pre-js) defines; the runtime wraps the suspending ones in
// WebAssembly.Suspending when the module is instantiated.
mergeInto(LibraryManager.library, {
  spool_js_swap: function(from, to) { return SPOOL.swap(from, to); },
  spool_js_carrier_park: function(resumeFirst, carrier) { return SPOOL.carrierPark(resumeFirst, carrier); },
  spool_js_park: function(self, timeoutMs) { return SPOOL.park(self, timeoutMs); },
  spool_js_wake: function(ctx) { SPOOL.wake(ctx); },
  spool_js_dispatch: function(ctx) { SPOOL.dispatch(ctx); },
  spool_js_get_stats: function(out, size) { SPOOL.writeStats(out, size); },
  spool_js_set_max_parked: function(count) { SPOOL.setMaxParked(count >>> 0); },
  spool_js_release: function(ctx) { SPOOL.release(ctx); },
  spool_js_set_stack_check_limits: function(base, limit) { SPOOL.setStackCheckLimits(base, limit); },
  spool_js_fatal_reported: function() { SPOOL.abortReported = true; },
  spool_js_mark_run: function(name) { SPOOL.markRun(UTF8ToString(name)); },
  spool_js_await_begin: function(expression, token) { SPOOL.awaitBegin(UTF8ToString(expression), token); },
  spool_js_await_call: function(name, args, token) { SPOOL.awaitCall(UTF8ToString(name), UTF8ToString(args), token); },
});
