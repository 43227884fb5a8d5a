// spool's JSPI runtime, linked with --pre-js by the spool::spool CMake target. It shares the scope
// of Emscripten's generated JS; what it calls there (HEAP32, stackSave, stackAlloc, exitJS, ...)
// js/spool_library.js requests through the __deps of SPOOL_BUILD, on every Emscripten release.
//
// What it does:
//  - instantiates the module itself (Module.instantiateWasm) to wrap spool's suspending imports
//    in WebAssembly.Suspending (with -sJSPI Emscripten has done so already) and the exports;
//  - runs main() inside WebAssembly.promising, so main is a context that may switch (with -sJSPI
//    Emscripten does that itself);
//  - keeps a pool of engine stacks ("carriers"), each a parked promising call of
//    spool_carrier_main, and reuses them for context after context;
//  - marks every plain JS->wasm call (exports, table functions) so that a switch attempted inside
//    one is refused with an error code instead of trapping.
//
// Data per context lives in linear memory (src/context/context.h); the runtime keeps only the
// resolve function of each suspended context, in an array indexed by the context's js_slot.
var SPOOL = (function() {
  var ENTRY_PLAIN = 1;
  var ENTRY_JSPI = 2;  // a call that may switch (JSPI: inside WebAssembly.promising)
  // Offsets in a context record (checked in context_jspi.c).
  var CTX_STATE = 20;
  var CTX_JS_SLOT = 24;
  var CTX_CARRIER = 36;
  var STATE_FRESH = 1;
  // Fields of spool_jspi_shared (context_jspi.c), in int32 words.
  var SHARED_IN_PLAIN_CALL = 0;
  var SHARED_PARKED = 1;
  var SHARED_DROPPING = 2;
  var SHARED_RECYCLE_TARGET = 3;
  // What a suspended swap returns when resumed to never run again (context_jspi.c).
  var RESUME_TO_DROP = -1000;
  var RESUME_TO_UNWIND = -1001;
  var CARRIER_STACK_BYTES = 1024;  // C stack for spool_carrier_main's own frame
  var MAX_TIMER_MS = 2147483647;   // setTimeout fires at once past this
  // The pool of parked engine stacks follows the working set: it keeps at most as many as were in
  // use at once during this epoch or the last (an epoch: this many parkings), never fewer than
  // the floor, never more than maxParked.
  var WORKING_SET_EPOCH = 65536;
  var WORKING_SET_FLOOR = 16;
  var SUSPENDING_IMPORTS = ['spool_js_swap', 'spool_js_carrier_park', 'spool_js_park'];

  var S = {
    supported: typeof WebAssembly == 'object' && typeof WebAssembly.Suspending == 'function' &&
               typeof WebAssembly.promising == 'function',
    raw: null,              // the instance's own exports
    carrierMain: null,      // WebAssembly.promising(spool_carrier_main)
    promisingMain: null,    // WebAssembly.promising(main)
    resumers: [null],       // js_slot -> resolve of a suspended context's Promise
    freeSlots: [],
    slotsHeld: 0,
    parked: [],             // resolve functions of parked carriers
    parkedCarriers: [],     // ... and the carriers they belong to (their C frame's address)
    maxParked: 4294967295,  // a cap set by the program (spool_context_set_max_parked)
    workingSetPeak: 0,      // engine stacks in use at once, at most, this epoch
    workingSetLast: 0,      // ... and the epoch before
    parkings: 0,
    dropping: new Set(),    // carriers on their way out (dropped or let go), not yet freed
    sharedAddr: 0,          // spool_jspi_shared in linear memory
    aborted: false,
    carriersLive: 0,
    carriersCreated: 0,
    carriersReused: 0,
    carriersDropped: 0,
    entries: [],            // kinds of the JS->wasm calls in progress, innermost last
    parkedCtx: 0,           // the context parked on the event loop (the idle scheduler), if any
    parkTimer: null,
    mainSettled: false,
    mainStarted: false,
  };

  S.unsupportedMessage = function() {
    return 'spool: this JavaScript engine has no JSPI (WebAssembly.Suspending and ' +
      'WebAssembly.promising), which spool fibers run on. Use Node.js 25 or newer (JSPI is on by ' +
      'default from Node 26; Node 24-25 need --experimental-wasm-jspi), Chrome or Edge 137 or ' +
      'newer, or Firefox 153 or newer.';
  };

  S.backend = 'jspi';  // js/spool_asyncify.js makes it 'asyncify'
  S.ENTRY_PLAIN = ENTRY_PLAIN;
  S.ENTRY_JSPI = ENTRY_JSPI;
  // Set by an invoke_* trampoline that Asyncify unwinds through (js/spool_asyncify.js): the call
  // it makes next is part of the switchable call around it, not a plain call.
  S.transparentNext = false;

  S.canSwitch = function() {
    var n = S.entries.length;
    return n === 0 || S.entries[n - 1] === ENTRY_JSPI;
  };
  // Entering and leaving a JS->wasm call. The wasm side reads whether the innermost one is plain
  // from a flag in linear memory (spool_jspi_plain_call_flag), so it needs no JS call to know.
  S.enter = function(kind) {
    S.entries.push(kind);
    if (S.sharedAddr) HEAP32[(S.sharedAddr >> 2) + SHARED_IN_PLAIN_CALL] = S.canSwitch() ? 0 : 1;
  };
  S.leave = function() {
    S.entries.pop();
    if (S.sharedAddr) HEAP32[(S.sharedAddr >> 2) + SHARED_IN_PLAIN_CALL] = S.canSwitch() ? 0 : 1;
  };
  S.setShared = function(field, value) {
    if (S.sharedAddr) HEAP32[(S.sharedAddr >> 2) + field] = value;
  };

  // Suspends the running context: returns the Promise its Suspending import waits on.
  S.suspend = function(ctx) {
    var slot = S.freeSlots.length ? S.freeSlots.pop() : S.resumers.length;
    HEAP32[(ctx + CTX_JS_SLOT) >> 2] = slot;
    S.slotsHeld++;
    return new Promise(function(resolve) { S.resumers[slot] = resolve; });
  };

  // Resumes a suspended context; `value` is what its Suspending import returns.
  S.resume = function(ctx, value) {
    var slot = HEAP32[(ctx + CTX_JS_SLOT) >> 2];
    HEAP32[(ctx + CTX_JS_SLOT) >> 2] = 0;
    var resolve = S.resumers[slot];
    S.resumers[slot] = null;
    S.freeSlots.push(slot);
    S.slotsHeld--;
    resolve(value);
  };

  // Makes `ctx` run next: resumes it if it was suspended, or starts it on a carrier if fresh. A
  // fresh context that took over an abandoned run's engine stack (spool_context_recycle_into)
  // starts there, once the abandoned frames have unwound.
  S.dispatch = function(ctx) {
    if (HEAP32[(ctx + CTX_JS_SLOT) >> 2] !== 0) {
      if (HEAP32[(ctx + CTX_STATE) >> 2] === STATE_FRESH) {
        S.carriersReused++;
        S.setShared(SHARED_RECYCLE_TARGET, ctx);
        S.resume(ctx, RESUME_TO_UNWIND);
      } else {
        S.resume(ctx, 0);
      }
      return;
    }
    if (S.parked.length) {
      S.carriersReused++;
    } else {
      try {
        S.startCarrier();
      } catch (e) {
        // An error thrown here would surface inside wasm as a foreign exception: stop loudly.
        S.fail('spool: could not create an engine stack for a fiber: ' + (e && e.stack ? e.stack : e));
      }
    }
    var resolve = S.parked.pop();
    S.parkedCarriers.pop();
    S.setShared(SHARED_PARKED, S.parked.length);
    var inUse = S.carriersLive - S.parked.length - S.dropping.size;
    if (inUse > S.workingSetPeak) S.workingSetPeak = inUse;
    resolve(ctx);
  };

  S.swap = function(from, to) {
    var p = S.suspend(from);
    S.dispatch(to);
    return p;
  };

  // How many parked engine stacks the pool keeps now.
  S.parkLimit = function() {
    var ws = Math.max(S.workingSetPeak, S.workingSetLast, WORKING_SET_FLOOR);
    return Math.min(S.maxParked, ws);
  };
  // An engine stack on its way out: it still counts against the budget until its promise
  // settles (S.carrierGone).
  S.leaving = function(carrier) {
    S.dropping.add(carrier);
    S.setShared(SHARED_DROPPING, S.dropping.size);
  };
  S.trimParked = function(limit) {
    while (S.parked.length > limit) {
      S.leaving(S.parkedCarriers.pop());
      S.parked.pop()(0);  // its carrier returns: the stack is freed
    }
    S.setShared(SHARED_PARKED, S.parked.length);
  };

  // A carrier asks for its next context; it first resumes the one its last context named.
  S.carrierPark = function(resumeFirst, carrier) {
    if (resumeFirst) S.dispatch(resumeFirst);
    if (++S.parkings % WORKING_SET_EPOCH === 0) {
      S.workingSetLast = S.workingSetPeak;
      S.workingSetPeak = S.carriersLive - S.parked.length - S.dropping.size;
      S.trimParked(S.parkLimit());
    }
    // A carrier made just now parks whatever the limit: a context is waiting for it.
    if (resumeFirst && S.parked.length >= S.parkLimit()) {  // let this engine stack go
      S.leaving(carrier);
      return 0;
    }
    var p = new Promise(function(resolve) { S.parked.push(resolve); });
    S.parkedCarriers.push(carrier);
    S.setShared(SHARED_PARKED, S.parked.length);
    return p;
  };

  // Creates an engine stack: a promising call of spool_carrier_main on a small C stack of its
  // own, which parks at once (so creating one never nests running contexts).
  S.startCarrier = function() {
    var raw = S.raw;
    // Made before it is needed: it is needed where no allocation can run (a fiber at the very
    // edge of its stack).
    S.emergencyStackLo();
    var lo = raw['spool_jspi_carrier_stack_alloc'](CARRIER_STACK_BYTES);
    if (!lo) throw new Error('spool: out of memory for an engine stack\'s C frame');
    var hi = lo + CARRIER_STACK_BYTES;
    // stackSave/stackRestore by their global names, so that Emscripten's dead-code elimination
    // sees them used and keeps the exports.
    var savedSp = stackSave();
    var check = S.checkLimits;
    if (check) S.setStackCheckLimits(hi, lo);
    stackRestore(hi);
    S.enter(ENTRY_JSPI);
    var done;
    try {
      done = S.carrierMain(lo);
    } finally {
      S.leave();
      if (check) S.setStackCheckLimits(check[0], check[1]);
      stackRestore(savedSp);
    }
    S.carriersLive++;
    S.carriersCreated++;
    done.then(function() {
      S.carrierGone(lo);
    }, function(e) {
      if (S.carrierGone(lo)) return;  // dropped on purpose (S.release): it trapped, as it should
      if (S.aborted) return S.finishAbort();
      if (S.errorReported) S.errorReported = false; else S.reportError(e);
      // Unless the whole runtime stopped, only that fiber is lost: let the scheduler go on.
      if (!ABORT && !(e instanceof ExitStatus)) S.contextLost();
    });
  };
  // An engine stack ended; true if it was released on purpose.
  S.carrierGone = function(lo) {
    S.carriersLive--;
    S.raw['spool_jspi_carrier_stack_free'](lo);
    if (!S.dropping.delete(lo)) return false;
    S.setShared(SHARED_DROPPING, S.dropping.size);
    return true;
  };

  // The fiber on a failed engine stack left __stack_pointer at the edge of its own stack: move to a
  // stack kept for this (until the next context resumes and restores its own), then let the
  // scheduler finish that fiber and go on.
  var EMERGENCY_STACK_BYTES = 16384;
  S.emergencyStackLo = function() {
    if (!S.emergencyStack) S.emergencyStack = S.raw['spool_jspi_carrier_stack_alloc'](EMERGENCY_STACK_BYTES);
    return S.emergencyStack;
  };
  S.contextLost = function() {
    var raw = S.raw;
    var lo = S.emergencyStackLo();
    var hi = lo + EMERGENCY_STACK_BYTES;
    if (typeof raw['__set_stack_limits'] == 'function') S.setStackCheckLimits(hi, lo);
    stackRestore(hi);
    raw['spool_jspi_context_lost']();
  };

  // The scheduler has nothing to run: park `self` on the event loop until woken or timed out.
  S.park = function(self, timeoutMs) {
    S.parkedCtx = self;
    if (timeoutMs >= 0) S.parkTimer = setTimeout(S.onParkTimer, Math.min(timeoutMs, MAX_TIMER_MS));
    return S.suspend(self);
  };
  var PARK_TIMED_OUT = 2;  // spool_park_result (context_jspi.h)
  S.onParkTimer = function() {
    S.parkTimer = null;
    S.wakeWith(S.parkedCtx, PARK_TIMED_OUT);
  };
  S.wake = function(ctx) { S.wakeWith(ctx, 0); };
  S.wakeWith = function(ctx, value) {
    if (!ctx || ctx !== S.parkedCtx) return;
    S.parkedCtx = 0;
    if (S.parkTimer !== null) {
      clearTimeout(S.parkTimer);
      S.parkTimer = null;
    }
    S.resume(ctx, value);
  };

  S.setMaxParked = function(count) {
    S.maxParked = count;
    S.trimParked(S.parkLimit());
  };

  // A suspended context that will never be resumed (a killed fiber, one abandoned after a
  // deadlock, a coroutine destroyed mid-body). The engine never collects a suspended stack, so it
  // is resumed with a code on which it traps at once: wasm cannot catch a trap, so none of its
  // frames runs (no destructor runs on a C stack that someone else may use by now), and the
  // engine frees the stack. It counts as dropping until its carrier's promise settles.
  S.release = function(ctx) {
    if (HEAP32[(ctx + CTX_JS_SLOT) >> 2] === 0 || ctx === S.parkedCtx) return;
    S.leaving(HEAPU32[(ctx + CTX_CARRIER) >> 2]);
    S.carriersDropped++;
    S.resume(ctx, RESUME_TO_DROP);
  };

  // abort() called from wasm (std::terminate, a failed assert, abort itself). Emscripten's own
  // abort throws a JS exception, which wasm code built with -fwasm-exceptions can catch: a
  // catch (...) or a noexcept frame catches it and aborts again, thousands of times over. This
  // import traps instead (spool_jspi_trap), which nothing in wasm can catch. The engine stack
  // ends; the process ends once, with one report naming the fiber.
  S.abortFromWasm = function() {
    if (!S.aborted) {
      S.aborted = true;
      S.abortedIn = S.runningName();
    }
    S.raw['spool_jspi_trap']();
  };
  S.finishAbort = function() {
    if (S.abortFinished) return;
    S.abortFinished = true;
    if (!S.abortReported) {  // a fatal error of spool's own was reported already
      S.abortReported = true;
      var where = S.abortedIn ? 'fiber \'' + S.abortedIn + '\'' : 'the main context';
      err('spool: ' + where + ' called abort() (std::terminate, a failed assertion, or abort ' +
          'itself); the program stops.');
    }
    ABORT = true;
    EXITSTATUS = 134;
    if (ENVIRONMENT_IS_NODE) process.exit(134);
  };
  // The name of what runs now. Called from imports, where the C stack pointer may stand at the
  // edge of a fiber's stack (a checked overflow): the lookup runs on the emergency stack.
  S.runningName = function() {
    var raw = S.raw;
    var sp = stackSave();
    var limits = S.checkLimits;
    try {
      var lo = S.emergencyStackLo();
      if (limits) S.setStackCheckLimits(lo + EMERGENCY_STACK_BYTES, lo);
      stackRestore(lo + EMERGENCY_STACK_BYTES);
      return UTF8ToString(raw['spool_jspi_running_name']());
    } catch (ignored) {
      return '';
    } finally {
      stackRestore(sp);
      if (limits) S.setStackCheckLimits(limits[0], limits[1]);
    }
  };

  // Limits of -sSTACK_OVERFLOW_CHECK=2 builds, whose checks follow limits of their own.
  S.checkLimits = null;
  S.setStackCheckLimits = function(base, limit) {
    S.checkLimits = [base, limit];
    S.raw['__set_stack_limits'](base, limit);
  };

  // -sSTACK_OVERFLOW_CHECK=2 caught a fiber about to move its stack pointer past its stack's
  // limit (nothing was written yet). Name the fiber, then stop it with a trap: nothing of it runs
  // again (an exception would run its destructors on the overflowing stack, or be swallowed).
  S.stackOverflow = function(requested) {
    var limits = S.checkLimits || [0, 0];
    var name = S.runningName();
    err('spool: stack overflow in fiber \'' + name + '\': it tried to move its stack pointer to 0x' +
        (requested >>> 0).toString(16) + ', below its C stack [0x' + (limits[1] >>> 0).toString(16) +
        ', 0x' + (limits[0] >>> 0).toString(16) + ']. Spawn it with a larger FiberOptions::stack_size.');
    if (ENVIRONMENT_IS_NODE) process.exitCode = 1;
    S.errorReported = true;  // the trap that ends the fiber needs no report of its own
    S.raw['spool_jspi_trap']();
  };

  // spool::js: hands how a promise settled back to the fiber that waits for it (token), always
  // from a later turn of the event loop.
  S.settle = function(token, fulfilled, value) {
    var text;
    try {
      text = fulfilled ? String(value) : String(value && value.message !== undefined ? value.message : value);
    } catch (e) {
      text = '(a value that cannot be turned into a string)';
    }
    var raw = S.raw;
    var size = lengthBytesUTF8(text) + 1;
    var ptr = raw['spool_jspi_alloc'](size);
    stringToUTF8(text, ptr, size);
    try {
      raw['spool_jspi_await_settled'](token, fulfilled ? 1 : 0, ptr, fulfilled ? Number(value) : NaN);
    } finally {
      raw['spool_jspi_free'](ptr);
    }
  };
  S.settleLater = function(token, value) {
    Promise.resolve(value).then(function(v) { S.settle(token, true, v); }, function(e) { S.settle(token, false, e); });
  };

  // spool::js::await_value(): evaluate the expression here (a direct eval, so it sees the
  // module's scope).
  S.awaitBegin = function(source, token) {
    var value;
    try {
      value = eval('(' + source + ')');
    } catch (e) {
      value = Promise.reject(e);
    }
    S.settleLater(token, value);
  };

  // spool::js::await_call(): a function registered by name, called with the arguments (JSON, so
  // no eval: a Content-Security-Policy without 'unsafe-eval' allows it). spool's own built-ins
  // come first.
  S.builtins = {
    'spool.animationFrame': function() {
      return new Promise(function(r) {
        if (typeof requestAnimationFrame == 'function') requestAnimationFrame(r); else setTimeout(r, 16);
      });
    },
    'spool.sleep': function(ms) { return new Promise(function(r) { setTimeout(r, ms); }); },
  };
  S.awaitCall = function(name, argsJson, token) {
    var registered = Module['spoolFunctions'];
    var fn = S.builtins[name] || (registered ? registered[name] : undefined);
    var value;
    if (typeof fn != 'function') {
      value = Promise.reject(new Error('spool::js::await_call(): no JS function "' + name + '" is registered: ' +
                                       'set Module.spoolFunctions["' + name + '"] = function (...) { ... }'));
    } else {
      try {
        value = fn.apply(null, JSON.parse(argsJson));
      } catch (e) {
        value = Promise.reject(e);
      }
    }
    S.settleLater(token, value);
  };

  // Config::performance_marks: each run of a fiber becomes a span (performance.measure) named
  // after it in the browser's performance tools (and Node's perf_hooks).
  S.markRun = function(name) {
    var perf = typeof performance == 'object' ? performance : null;
    if (!perf || typeof perf.measure != 'function') return;
    var now = perf.now();
    if (S.markName) {
      try {
        perf.measure(S.markName, {start: S.markStart, end: now});
      } catch (ignored) {
      }
    }
    S.markName = name;
    S.markStart = now;
  };

  S.writeStats = function(out, size) {
    if (size < 36) return;  // spool_context_stats: the fields this runtime fills (context.h)
    var w = out >> 2;
    HEAPU32[w + 2] = S.carriersCreated >>> 0;
    HEAPU32[w + 3] = Math.floor(S.carriersCreated / 4294967296);
    HEAPU32[w + 4] = S.carriersReused >>> 0;
    HEAPU32[w + 5] = Math.floor(S.carriersReused / 4294967296);
    HEAPU32[w + 6] = S.carriersLive;
    HEAPU32[w + 7] = S.parked.length;
    HEAPU32[w + 8] = S.slotsHeld;
  };

  // An engine stack ended with an error (an abort, a trap, a JS exception): name the fiber that
  // ran on it, which is the one the scheduler had running.
  S.reportError = function(e) {
    if (e instanceof ExitStatus || e === 'unwind') return;
    var name = S.runningName();
    // No scheduler fiber: a context of the emscripten_fiber layer or a Coroutine ran there.
    var what = name ? 'fiber \'' + name + '\'' : 'a context outside the scheduler (an emscripten_fiber or a Coroutine)';
    err('spool: ' + what + ' stopped with an error: ' + (e && e.stack ? e.stack : e));
    if (ENVIRONMENT_IS_NODE) process.exitCode = 1;
  };

  // --- instantiation --------------------------------------------------------------------------

  S.wrapPlain = function(f) {
    return function() {
      if (S.transparentNext) {
        S.transparentNext = false;
        return f.apply(null, arguments);
      }
      S.enter(ENTRY_PLAIN);
      try {
        return f.apply(null, arguments);
      } finally {
        S.leave();
      }
    };
  };

  // Exports whose calls cannot reach a switch (and that Emscripten's glue calls often) stay bare.
  S.isInternal = function(name) {
    return /^(stack|dynCall_|emscripten_stack_|_emscripten_stack_|spool_carrier_main$|spool_jspi_|__set_stack_limits|__errno_location|malloc$|free$|fflush$|__cxa_|__get_temp_ret|__set_temp_ret|setThrew|__indirect_function_table|memory$)/.test(name);
  };

  S.wrapTable = function(table) {
    var wrapped = new WeakMap();
    return new Proxy(table, {
      get: function(t, prop) {
        if (prop === 'get') {  // closure keeps quoted property names
          return function(i) {
            var f = t.get(i);
            if (typeof f != 'function') return f;
            var w = wrapped.get(f);
            if (!w) {
              w = S.wrapPlain(f);
              wrapped.set(f, w);
            }
            return w;
          };
        }
        var v = Reflect.get(t, prop);
        return typeof v == 'function' ? v.bind(t) : v;
      },
    });
  };

  S.wrapExports = function(raw) {
    var out = {};
    Object.keys(raw).forEach(function(name) {
      var v = raw[name];
      out[name] = (typeof v == 'function' && !S.isInternal(name) && !S.promisedByEmscripten(name))
        ? S.wrapPlain(v) : v;
    });
    if (raw['__indirect_function_table']) out['__indirect_function_table'] = S.wrapTable(raw['__indirect_function_table']);
    return out;
  };

  S.instantiate = function(imports, receiveInstance) {
    try {
      return S.instantiateOrThrow(imports, receiveInstance);
    } catch (e) {
      S.fail('spool: could not set up the wasm module: ' + (e && e.stack ? e.stack : e));
    }
  };
  S.fail = function(msg) {
    err(msg);
    if (ENVIRONMENT_IS_NODE) process.exitCode = 1;
    abort(msg);
  };

  // Where the wasm file is, as Emscripten's own loader finds it: Module.locateFile(name, prefix)
  // if the page gives one, else next to this script. Taken while this script is first evaluated
  // (document.currentScript is gone later).
  S.scriptDirectory = (function() {
    try {
      if (typeof __dirname == 'string') return __dirname + '/';
      var src = '';
      if (typeof document != 'undefined' && document.currentScript) src = document.currentScript.src;
      else if (typeof self != 'undefined' && self.location) src = self.location.href;
      if (!src || src.indexOf('blob:') === 0) return '';
      src = src.replace(/[?#].*/, '');
      return src.slice(0, src.lastIndexOf('/') + 1);
    } catch (e) {
      return '';
    }
  })();

  // The compiled module's bytes (or a Response, in a browser): Module.wasmBinary if the page gave
  // it, else the file Emscripten wrote next to the JS.
  // Module.wasmBinary is read now: once Emscripten's glue has started, an -sASSERTIONS build
  // traps reads of it.
  S.givenBinary = typeof Module != 'undefined' ? Module['wasmBinary'] : undefined;
  S.fetchBinary = function() {
    if (S.givenBinary) return Promise.resolve(S.givenBinary);
    var name = SPOOL_BUILD.wasmFile;
    var where = typeof Module['locateFile'] == 'function'
      ? Module['locateFile'](name, S.scriptDirectory) : S.scriptDirectory + name;
    if (ENVIRONMENT_IS_NODE) {
      if (/^file:/.test(where)) where = new URL(where);
      return require('fs').promises.readFile(where);
    }
    return fetch(where, {credentials: 'same-origin'}).then(function(response) {
      if (!response.ok) throw new Error('could not load ' + where + ': HTTP ' + response.status);
      return response;
    });
  };

  S.instantiateBinary = function(binary, imports) {
    if (typeof Response != 'undefined' && binary instanceof Response) {
      // Streaming compilation needs the wasm MIME type; fall back to the bytes without it.
      if (typeof WebAssembly.instantiateStreaming == 'function') {
        var copy = binary.clone();
        return WebAssembly.instantiateStreaming(binary, imports).catch(function() {
          return copy.arrayBuffer().then(function(bytes) { return WebAssembly.instantiate(bytes, imports); });
        });
      }
      return binary.arrayBuffer().then(function(bytes) { return WebAssembly.instantiate(bytes, imports); });
    }
    return WebAssembly.instantiate(binary, imports);
  };

  // The exports Emscripten itself runs in WebAssembly.promising (a build with -sJSPI): they must
  // reach it unwrapped, and a call of one is a JSPI call.
  S.promisedByEmscripten = function(name) {
    return SPOOL_BUILD.jspiBuild && new RegExp(SPOOL_BUILD.promisingExports).test(name);
  };

  // Called by js/spool_library.js as soon as the library code has run, before Emscripten
  // prepares the imports (with -sJSPI that already needs WebAssembly.Suspending): an engine
  // without JSPI gets spool's message, not a TypeError from deep in the glue.
  S.checkEngine = function() {
    S.installNodeHooks();
    if (SPOOL_BUILD.asyncifyBuild !== (S.backend === 'asyncify')) {
      S.fail(S.backend === 'asyncify'
        ? 'spool: this program has spool\'s Asyncify backend but was not linked with -sASYNCIFY; ' +
          'link it through the CMake target spool::spool, which adds the flag.'
        : 'spool: this program was linked with -sASYNCIFY, which spool\'s JSPI backend cannot run ' +
          'with: configure spool with -DSPOOL_CONTEXT=asyncify for an Asyncify build (it needs no ' +
          'JSPI), or link without -sASYNCIFY (use -sJSPI for emscripten_sleep).');
    }
    if (S.supported) return;
    var msg = S.unsupportedMessage();
    if (typeof Module['onSpoolUnsupported'] == 'function') Module['onSpoolUnsupported'](msg);
    err(msg);
    if (ENVIRONMENT_IS_NODE) process.exit(1);
    // In a page: stop here, before the glue goes on to fail less clearly.
    throw new Error(msg);
  };

  // Wraps spool's suspending imports in WebAssembly.Suspending, found by identity whatever name
  // the module gives them (with -sJSPI Emscripten has wrapped them already: they are __async),
  // and takes over the imports for abort() and checked stack overflows.
  S.prepareImports = function(imports) {
    var suspending = [];
    if (typeof _spool_js_swap == 'function') suspending.push(_spool_js_swap);
    if (typeof _spool_js_carrier_park == 'function') suspending.push(_spool_js_carrier_park);
    if (typeof _spool_js_park == 'function') suspending.push(_spool_js_park);
    Object.keys(imports).forEach(function(moduleName) {
      var mod = imports[moduleName];
      if (!mod || typeof mod != 'object') return;
      Object.keys(mod).forEach(function(name) {
        var f = mod[name];
        if (suspending.indexOf(f) >= 0) mod[name] = new WebAssembly.Suspending(f);
        else if (name === '__handle_stack_overflow') mod[name] = S.stackOverflow;
        else if (name === 'abort' || name === '_abort_js') mod[name] = S.abortFromWasm;  // C abort()
        else if (/^invoke_/.test(name)) S.sawInvoke(mod, name);
      });
    });
    if (S.sawJsExceptions) {
      err('spool: warning: this program was built with JavaScript-based exceptions or setjmp ' +
          '(-fexceptions), whose invoke_* trampolines put JS frames on the stack: a fiber switch ' +
          'inside a try block or under setjmp will trap. Build with -fwasm-exceptions or ' +
          '-fno-exceptions.');
    }
  };
  S.sawInvoke = function(mod, name) { S.sawJsExceptions = true; };

  // The instance is there: what the backend needs from it before Emscripten sees the exports.
  S.setUpInstance = function(raw) {
    if (!raw['spool_carrier_main']) {
      throw new Error('the module has no export spool_carrier_main: link it with the CMake ' +
                      'target spool::spool, which adds -lexports.js to keep export names');
    }
    S.carrierMain = WebAssembly.promising(raw['spool_carrier_main']);
    S.sharedAddr = raw['spool_jspi_shared_state']();
    if (typeof raw['__set_stack_limits'] == 'function') {
      raw['spool_jspi_enable_stack_check_limits']();
    }
  };

  // main() must run inside WebAssembly.promising to switch. With -sJSPI, Emscripten's callMain
  // does that itself (and awaits it); otherwise spool starts it so and lets callMain return.
  S.takeOverMain = function(raw, exports) {
    ['main', '__main_argc_argv'].forEach(function(name) {
      if (typeof raw[name] == 'function' && !S.promisedByEmscripten(name)) {
        S.promisingMain = WebAssembly.promising(raw[name]);
        exports[name] = S.startMain;
      }
    });
  };

  S.instantiateOrThrow = function(imports, receiveInstance) {
    S.checkEngine();
    S.prepareImports(imports);
    S.fetchBinary().then(function(binary) {
      return S.instantiateBinary(binary, imports);
    }).then(function(result) {
      var raw = result['instance'].exports;
      S.raw = raw;
      S.setUpInstance(raw);
      var exports = S.wrapExports(raw);
      S.takeOverMain(raw, exports);
      // Emscripten's receiveInstance reads instance.exports (and takes the module as well).
      receiveInstance({'exports': exports}, result['module']);
    }).catch(function(e) {
      S.fail('spool: failed to instantiate the wasm module: ' + (e && e.stack ? e.stack : e));
    });
    return {};
  };

  // Emscripten's callMain calls this as main(argc, argv): it starts main() inside
  // WebAssembly.promising and throws 'unwind', which every Emscripten release takes to mean that
  // the program goes on asynchronously (as emscripten_set_main_loop does). When main() returns,
  // the program exits as callMain would have made it.
  S.startMain = function(argc, argv) {
    S.mainStarted = true;
    S.enter(ENTRY_JSPI);
    var done;
    try {
      done = S.promisingMain(argc, argv);
    } finally {
      S.leave();
    }
    done.then(function(ret) {
      S.mainSettled = true;
      S.finishMain(function() { S.exitAfterMain(ret); });
    }, function(e) {
      S.mainSettled = true;
      if (S.aborted) return S.finishAbort();
      if (!(e instanceof ExitStatus) && e !== 'unwind') S.reportError(e);
      S.finishMain(function() { handleException(e); });
    });
    throw 'unwind';
  };
  // What callMain does once main() has returned: an implicit exit (exitJS since 3.1.2x, exit
  // before).
  S.exitAfterMain = function(ret) {
    if (typeof exitJS == 'function') exitJS(ret, /* implicit = */ true);
    else exit(ret, /* implicit = */ true);
  };
  // exit() and handleException() throw ExitStatus to unwind; nothing is left to unwind here.
  S.finishMain = function(f) {
    try {
      f();
    } catch (e) {
      if (!(e instanceof ExitStatus) && e !== 'unwind') throw e;
    }
  };

  // Installed at instantiation: ENVIRONMENT_IS_NODE is not yet set when this file is evaluated.
  S.installNodeHooks = function() {
    if (!ENVIRONMENT_IS_NODE || S.nodeHooks) return;
    S.nodeHooks = true;
    // The event loop ran dry while the scheduler was parked: nothing can wake it any more.
    process.on('beforeExit', function() {
      if (!S.parkedCtx) return;
      S.wakeWith(S.parkedCtx, 1);
      // Resolving a Promise alone does not keep the loop alive: give it one more turn, so that
      // beforeExit comes again if the woken context parks again.
      setImmediate(function() {});
    });
    process.on('exit', function(code) {
      if (S.mainStarted && !S.mainSettled && !ABORT && !code) {
        err('spool: the JavaScript event loop ran out of work while main() was still suspended: a ' +
            'fiber (or main) waits for something that can no longer happen.');
        process.exitCode = 1;
      }
    });
  };

  return S;
})();

Module['instantiateWasm'] = SPOOL.instantiate;
