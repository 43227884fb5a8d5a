// spool's imports, linked with --js-library. Each forwards to the runtime object SPOOL that
// js/spool_runtime.js (linked with --pre-js) defines.
//
// This file is also how the runtime asks Emscripten for what it uses, through public mechanisms
// only, on every release from 3.1.6 on:
//  - the helpers it calls (stackSave, stackAlloc, exitJS, UTF8ToString, ...) are requested as
//    __deps of SPOOL_BUILD, each one only if this release has it as a library function (since
//    3.1.57 the stack helpers must be requested; before, they are always part of the runtime);
//  - what only the compiler knows (the wasm file's name, whether the program is built with
//    -sJSPI or -sASYNCIFY, which exports Emscripten itself runs in WebAssembly.promising) is
//    written into SPOOL_BUILD at link time;
//  - with -sJSPI, the imports that suspend are marked __async, so that Emscripten wraps them in
//    WebAssembly.Suspending itself; without it the runtime does.
(function() {
  var library = LibraryManager.library;
  var has = function(name) { return Object.prototype.hasOwnProperty.call(library, name); };
  // Settings are plain variables where library files are evaluated; not every release has each.
  var setting = function(name, fallback) {
    try {
      var value = eval(name);  // a direct eval: it sees the settings in scope
      return typeof value != 'undefined' ? value : fallback;
    } catch (e) {
      return fallback;  // a setting this release does not have
    }
  };
  var fail = function(message) {
    if (typeof error == 'function') error(message); else throw new Error(message);
  };

  if (setting('SINGLE_FILE', 0)) {
    fail('spool: -sSINGLE_FILE is not supported: spool\'s runtime instantiates the wasm module ' +
         'itself (Module.instantiateWasm) and loads it from its file. Link without -sSINGLE_FILE.');
  }
  var incoming = setting('INCOMING_MODULE_JS_API', null);
  if (Array.isArray(incoming) && incoming.length && incoming.indexOf('instantiateWasm') < 0) {
    fail('spool: -sINCOMING_MODULE_JS_API must include instantiateWasm (and noInitialRun): ' +
         'spool\'s runtime instantiates the wasm module through Module.instantiateWasm.');
  }

  var asyncifyMode = setting('ASYNCIFY', 0);
  var build = {
    // Emscripten's own version, for messages.
    emscripten: String(setting('EMSCRIPTEN_VERSION', '')),
    // The program was linked with -sJSPI (ASYNCIFY=2): Emscripten wraps main() (and the exports
    // in JSPI_EXPORTS) in WebAssembly.promising and awaits it, and wraps __async imports in
    // WebAssembly.Suspending. The runtime leaves those to Emscripten.
    jspiBuild: asyncifyMode == 2,
    // The program was linked with -sASYNCIFY (spool's Asyncify backend).
    asyncifyBuild: asyncifyMode == 1,
    // The exports Emscripten runs in WebAssembly.promising with -sJSPI (a regular expression).
    promisingExports: asyncifyMode == 2
      ? '^(' + setting('ASYNCIFY_EXPORTS', []).map(function(x) {
          return x.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
        }).join('|') + ')$'
      : '',
    wasmFile: String(setting('WASM_BINARY_FILE', '')),
  };

  // The runtime helpers spool calls, by the names Emscripten gives them. Requested as deps where
  // this release keeps them in its library; where it does not (3.1.6), they are always there.
  var helpers = ['$stackSave', '$stackRestore', '$stackAlloc', '$UTF8ToString', '$stringToUTF8',
                 '$lengthBytesUTF8', '$exitJS', '$handleException', '$ExitStatus'].filter(has);

  var imports = {
    $SPOOL_BUILD: '=' + JSON.stringify(build),
    $SPOOL_BUILD__deps: helpers,
    $SPOOL_BUILD__postset: 'SPOOL.checkEngine();',

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

    // The Asyncify backend (src/context/context_asyncify.c). The names start with __asyncjs__, the
    // prefix every Emscripten release counts as an Asyncify import (the one EM_ASYNC_JS uses), so
    // that the Asyncify pass instruments the paths to them without any -sASYNCIFY_IMPORTS.
    __asyncjs__spool_asyncify_swap: function(from, to) { return SPOOL.swap(from, to); },
    __asyncjs__spool_asyncify_park: function(self, timeoutMs) { return SPOOL.park(self, timeoutMs); },
  };
  if (build.jspiBuild) {
    ['spool_js_swap', 'spool_js_carrier_park', 'spool_js_park'].forEach(function(name) {
      imports[name + '__async'] = true;
    });
  }
  Object.keys(imports).forEach(function(name) {
    if (typeof imports[name] == 'function') imports[name + '__deps'] = ['$SPOOL_BUILD'];
  });

  if (typeof addToLibrary == 'function') addToLibrary(imports);
  else mergeInto(LibraryManager.library, imports);
})();
