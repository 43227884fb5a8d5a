// spool's Asyncify runtime, linked with --pre-js after js/spool_runtime.js by the spool::spool
// CMake target when it is configured with -DSPOOL_CONTEXT=asyncify. It replaces the JSPI parts of
// the runtime (engine stacks, WebAssembly.Suspending / promising) with a driver loop over
// Binaryen's Asyncify exports, for engines without JSPI (src/context/context_asyncify.c).
//
// Every JS->wasm call that may switch is made by the driver (S.drive): main(), the start of a
// fresh context (spool_asyncify_run), and the rewind of a suspended one. A switch is an import
// that starts an unwind into a scratch buffer and names the context to run next; the call the
// driver made then returns, the driver copies the saved frames into a block of the suspended
// context's own, and runs the next one. Resuming a context starts a rewind from its block and
// calls the same export again. Nothing here uses Emscripten's own Asyncify object (its sleeps
// assume one suspended stack at a time); only Binaryen's exports asyncify_start_unwind,
// asyncify_stop_unwind, asyncify_start_rewind and asyncify_stop_rewind.
(function(S) {
  var CTX_SAVED_SP = 0;
  var CTX_STACK_BASE = 4;
  var CTX_STATE = 20;
  var CTX_JS_SLOT = 24;
  var STATE_FRESH = 1;
  // The buffer every unwind writes to; a context's frames are then copied to a block of its own.
  // A call stack deeper than this cannot be saved: the unwind traps and spool names the fiber.
  var SCRATCH_BYTES = 1 << 20;

  S.backend = 'asyncify';
  S.supported = typeof WebAssembly == 'object' && typeof WebAssembly.instantiate == 'function';
  S.unsupportedMessage = function() {
    return 'spool: this JavaScript engine has no WebAssembly, which even spool\'s Asyncify build ' +
      'needs.';
  };

  S.header = 0;         // the asyncify data struct {current, end} Binaryen reads
  S.scratch = 0;        // SCRATCH_BYTES for unwinds
  S.unwindSlot = 0;     // the slot of the context whose unwind is under way
  S.rewinding = null;   // the record of the context being rewound
  S.rewindValue = 0;    // what its switch returns once rewound
  S.next = 0;           // the context a swap named, run as soon as the caller has unwound
  S.queue = [];         // contexts to resume or start (and the values to resume them with), in order
  S.driving = false;
  S.driveQueued = false;
  S.blocks = {};        // capacity -> freed blocks of that size, for reuse

  // --- imports -----------------------------------------------------------------------------------

  // A switch: called once to suspend `from` (it unwinds), and once more when `from` is rewound,
  // which is when it returns the value the context is resumed with.
  S.swap = function(from, to) {
    if (S.rewinding) return S.finishRewind();
    S.beginUnwind(from);
    S.next = to;
    return 0;
  };

  S.park = function(self, timeoutMs) {
    if (S.rewinding) return S.finishRewind();
    S.parkedCtx = self;
    if (timeoutMs >= 0) S.parkTimer = setTimeout(S.onParkTimer, Math.min(timeoutMs, 2147483647));
    S.beginUnwind(self);
    return 0;
  };
  // Resuming a suspended context is scheduling its rewind (the runtime's wake and park timer,
  // shared with JSPI, resume the parked context through this).
  S.resume = function(ctx, value) { S.schedule(ctx, value); };

  // From a plain call (a lost fiber's reaper): `ctx` runs next.
  S.dispatch = function(ctx) { S.schedule(ctx, 0); };

  // A suspended context that will never be resumed: its saved frames are forgotten.
  S.release = function(ctx) {
    var slot = HEAP32[(ctx + CTX_JS_SLOT) >> 2];
    if (slot === 0 || ctx === S.parkedCtx) return;
    var record = S.resumers[slot];
    S.freeSlot(ctx, slot);
    if (record && record.block) S.freeBlock(record.block, record.capacity);
    for (var i = 0; i < S.queue.length; i += 2) {
      if (S.queue[i] === ctx) S.queue.splice(i, 2);
    }
  };

  S.setMaxParked = function() {};
  S.carrierPark = function() { throw new Error('spool: internal error: no carriers on Asyncify'); };

  // --- saved frames ------------------------------------------------------------------------------

  S.allocSlot = function(ctx) {
    var slot = S.freeSlots.length ? S.freeSlots.pop() : S.resumers.length;
    HEAP32[(ctx + CTX_JS_SLOT) >> 2] = slot;
    S.slotsHeld++;
    return slot;
  };
  S.freeSlot = function(ctx, slot) {
    HEAP32[(ctx + CTX_JS_SLOT) >> 2] = 0;
    S.resumers[slot] = null;
    S.freeSlots.push(slot);
    S.slotsHeld--;
  };
  S.allocBlock = function(bytes) {
    var capacity = 64;
    while (capacity < bytes) capacity *= 2;
    var free = S.blocks[capacity];
    var block = free && free.length ? free.pop() : S.raw['spool_jspi_carrier_stack_alloc'](capacity);
    if (!block) S.fatal('spool: out of memory for a suspended fiber\'s saved frames (' + bytes + ' bytes).');
    return [block, capacity];
  };
  S.freeBlock = function(block, capacity) {
    (S.blocks[capacity] = S.blocks[capacity] || []).push(block);
  };

  S.beginUnwind = function(ctx) {
    S.unwindSlot = S.allocSlot(ctx);
    S.resumers[S.unwindSlot] = {exceptions: S.saveExceptions()};
    HEAPU32[S.header >> 2] = S.scratch;
    HEAPU32[(S.header >> 2) + 1] = S.scratch + SCRATCH_BYTES;
    S.raw['asyncify_start_unwind'](S.header);
  };

  // The driver's call returned while unwinding: keep what was saved, and how to rewind it.
  S.endUnwind = function(fn, args) {
    S.raw['asyncify_stop_unwind']();
    var record = S.resumers[S.unwindSlot];
    S.unwindSlot = 0;
    var used = HEAPU32[S.header >> 2] - S.scratch;
    var got = S.allocBlock(used);
    HEAPU8.copyWithin(got[0], S.scratch, S.scratch + used);
    record.block = got[0];
    record.capacity = got[1];
    record.used = used;
    record.fn = fn;
    record.args = args;
  };

  S.finishRewind = function() {
    S.raw['asyncify_stop_rewind']();
    var record = S.rewinding;
    S.rewinding = null;
    S.freeBlock(record.block, record.capacity);
    S.restoreExceptions(record.exceptions);
    var value = S.rewindValue;
    S.rewindValue = 0;
    return value;
  };

  // C++ exceptions built with -fexceptions keep their state in the JS glue (the exceptions being
  // handled, how many are unwinding): each context has its own, as in the other backends.
  S.saveExceptions = function() {
    if (typeof exceptionCaught == 'undefined') return null;
    var saved = {
      caught: exceptionCaught,
      uncaught: typeof uncaughtExceptionCount != 'undefined' ? uncaughtExceptionCount : 0,
      last: typeof exceptionLast != 'undefined' ? exceptionLast : 0,
    };
    S.clearExceptions();
    return saved;
  };
  S.restoreExceptions = function(saved) {
    if (!saved) return;
    exceptionCaught = saved.caught;
    if (typeof uncaughtExceptionCount != 'undefined') uncaughtExceptionCount = saved.uncaught;
    if (typeof exceptionLast != 'undefined') exceptionLast = saved.last;
  };
  S.clearExceptions = function() {
    if (typeof exceptionCaught == 'undefined') return;
    exceptionCaught = [];
    if (typeof uncaughtExceptionCount != 'undefined') uncaughtExceptionCount = 0;
    if (typeof exceptionLast != 'undefined') exceptionLast = 0;
  };

  // --- the driver --------------------------------------------------------------------------------

  // Runs `ctx` from the JS event loop (soon, in a microtask), or after what the driver runs now.
  S.schedule = function(ctx, value) {
    S.queue.push(ctx, value);
    if (!S.driving) S.driveSoon();
  };
  S.driveSoon = function() {
    if (S.driveQueued) return;
    S.driveQueued = true;
    Promise.resolve().then(function() {
      S.driveQueued = false;
      S.drive(null);
    });
  };

  // Runs `first` (a function making the driver's first call), then whatever it switches to, then
  // the queue, until every context is suspended or finished. With `thenYield`, only `first` runs
  // now and the rest in a microtask, as a JSPI switch would: main's first switch returns to
  // Emscripten's callMain with main's own stack still the current one.
  S.drive = function(first, thenYield) {
    if (S.driving) throw new Error('spool: internal error: the Asyncify driver was re-entered');
    S.driving = true;
    try {
      S.makeBuffers();
      if (first) first();
      if (thenYield && (S.next || S.queue.length)) {
        if (S.next) S.queue.unshift(S.next, 0);
        S.next = 0;
        S.driveSoon();
        return;
      }
      for (;;) {
        while (S.next && !S.stopped) {
          var next = S.next;
          S.next = 0;
          S.runContext(next, 0);
        }
        if (!S.queue.length || S.stopped) break;
        var ctx = S.queue.shift();
        S.runContext(ctx, S.queue.shift());
      }
    } finally {
      S.driving = false;
    }
    if (S.mainDone) S.exitWithMain();
  };

  S.runContext = function(ctx, value) {
    var slot = HEAP32[(ctx + CTX_JS_SLOT) >> 2];
    if (slot !== 0) {  // suspended: rewind its frames
      var record = S.resumers[slot];
      S.freeSlot(ctx, slot);
      // Back on its own stack before the rewind: invoke_* trampolines re-entered on the way take
      // the stack pointer they restore when an exception passes them.
      S.raw['spool_asyncify_enter'](ctx);
      stackRestore(HEAPU32[(ctx + CTX_SAVED_SP) >> 2]);
      HEAPU32[S.header >> 2] = record.block + record.used;
      HEAPU32[(S.header >> 2) + 1] = record.block + record.capacity;
      S.rewinding = record;
      S.rewindValue = value;
      S.raw['asyncify_start_rewind'](S.header);
      S.call(record.fn, record.args);
      return;
    }
    if (HEAP32[(ctx + CTX_STATE) >> 2] !== STATE_FRESH) {
      S.fatal('spool: internal error: asked to run a context that is neither suspended nor new');
    }
    S.clearExceptions();
    S.raw['spool_asyncify_enter'](ctx);
    stackRestore(HEAPU32[(ctx + CTX_STACK_BASE) >> 2]);  // its frames start on its own stack
    S.call(S.raw['spool_asyncify_run'], [ctx]);
  };

  // One call from the driver into wasm, where a switch may happen.
  S.call = function(fn, args) {
    var result;
    S.enter(S.ENTRY_JSPI);
    try {
      result = fn.apply(null, args);
    } catch (e) {
      S.leave();
      return S.callFailed(fn, e);
    }
    S.leave();
    if (S.unwindSlot) return S.endUnwind(fn, args);
    if (fn === S.rawMain) {
      S.mainDone = true;
      S.mainResult = result;
      S.mainSettled = true;
    } else if (result) {
      S.next = result;  // a context's entry returned: resume the one it named
    }
  };

  S.callFailed = function(fn, e) {
    if (S.unwindSlot || S.rewinding) {
      // A trap while saving or restoring frames: the scratch buffer was too small for this call
      // stack. Nothing can go on from a half-saved stack.
      var what = S.runningName();
      S.fatal('spool: ' + (what ? 'fiber \'' + what + '\'' : 'a context') + ' has a call stack too ' +
              'deep for Asyncify to save (' + (SCRATCH_BYTES >> 10) + ' KiB of frames); switch ' +
              'from shallower code. (' + e + ')');
      return;
    }
    if (e instanceof ExitStatus || e === 'unwind') {  // exit() was called: the program is over
      S.stopped = true;
      return;
    }
    if (fn === S.rawMain) {
      S.mainSettled = true;
      S.stopped = true;
      if (S.aborted) return S.finishAbort();
      S.reportError(e);
      S.finishMain(function() { handleException(e); });
      return;
    }
    if (S.aborted) return S.finishAbort();
    if (S.errorReported) S.errorReported = false; else S.reportError(e);
    if (!ABORT) S.contextLost();
  };

  S.fatal = function(msg) {
    S.stopped = true;
    S.fail(msg);
  };

  // --- instantiation -----------------------------------------------------------------------------

  // invoke_* trampolines (C++ exceptions and setjmp built with -fexceptions) call back into wasm
  // (through the table, or a dynCall_* export). Asyncify unwinds and rewinds through them, so that
  // call is part of the switchable call around it, not a plain call: the trampoline marks the
  // next wrapped call (the first one it makes) as transparent.
  S.sawInvoke = function(mod, name) {
    var f = mod[name];
    if (f.spoolTransparent) return;  // the same import object listed under two module names
    var wrapper = function() {
      S.transparentNext = true;
      try {
        return f.apply(null, arguments);
      } finally {
        S.transparentNext = false;
      }
    };
    wrapper.spoolTransparent = true;
    mod[name] = wrapper;
  };

  S.setUpInstance = function(raw) {
    ['asyncify_start_unwind', 'asyncify_stop_unwind', 'asyncify_start_rewind', 'asyncify_stop_rewind',
     'spool_asyncify_run', 'spool_asyncify_enter'].forEach(function(name) {
      if (typeof raw[name] != 'function') {
        throw new Error('the module has no export ' + name + ': link it with the CMake target ' +
                        'spool::spool configured with -DSPOOL_CONTEXT=asyncify, which adds ' +
                        '-sASYNCIFY and -lexports.js');
      }
    });
    S.sharedAddr = raw['spool_jspi_shared_state']();
    if (typeof raw['__set_stack_limits'] == 'function') raw['spool_jspi_enable_stack_check_limits']();
  };

  // Made at the first drive, once the runtime is initialised (a -sSTACK_OVERFLOW_CHECK=2 build
  // cannot call malloc before): the unwind buffer, and the stack reports run on.
  S.makeBuffers = function() {
    if (S.header) return;
    var raw = S.raw;
    S.header = raw['spool_jspi_carrier_stack_alloc'](16);
    S.scratch = raw['spool_jspi_carrier_stack_alloc'](SCRATCH_BYTES);
    if (!S.header || !S.scratch) S.fatal('spool: out of memory for Asyncify\'s unwind buffer');
    S.emergencyStackLo();  // made now: it is needed where nothing can be allocated
  };

  S.takeOverMain = function(raw, exports) {
    ['main', '__main_argc_argv'].forEach(function(name) {
      if (typeof raw[name] != 'function') return;
      S.rawMain = raw[name];
      exports[name] = S.startMain;
    });
  };

  // Emscripten's callMain calls this as main(argc, argv): main runs under the driver (so that it
  // may switch), and callMain is told the program goes on asynchronously ('unwind').
  S.startMain = function(argc, argv) {
    S.mainStarted = true;
    S.drive(function() { S.call(S.rawMain, [argc, argv]); }, true);
    throw 'unwind';
  };
  S.exitWithMain = function() {
    if (S.mainExited) return;
    S.mainExited = true;
    S.finishMain(function() { S.exitAfterMain(S.mainResult); });
  };

  // dynCall_* exports are wrapped here (invoke_* trampolines call them), the asyncify_* ones not.
  var isInternalJspi = S.isInternal;
  S.isInternal = function(name) {
    if (/^dynCall_/.test(name)) return false;
    return /^(asyncify_|spool_asyncify_)/.test(name) || isInternalJspi(name);
  };
})(SPOOL);
