// The browser host of spool's benchmark programs. They are written for Node (`node prog.js args`):
// they read process.argv, print RESULT lines to stdout, and set process.exitCode on failure. This
// page gives them what they use of `process`, feeds them the wasm bytes (their glue would read the
// file from disk), collects what they print, and says in window.bench when the program is over:
//   window.bench = { lines: [...stdout], errors: [...stderr], done, failure }
// The end of a program: main() returned (the web build links with -sEXIT_RUNTIME=1, so Emscripten
// calls Module.onExit), or, for the raw JSPI drivers that have no main(), their own finished flag.
// Emscripten's Asyncify fibers (asyncify_bench, asyncify_taisei) never reach onExit: their main()
// ends inside an Asyncify rewind. They run synchronously from start to end, so with &end=idle the
// page takes them as over once its thread has been free, with nothing printed, for IDLE_MS.
'use strict';
(function() {
  var query = new URLSearchParams(location.search);
  var program = query.get('program');
  var args = query.getAll('arg');
  var bench = window.bench = { program: program, args: args, lines: [], errors: [], done: false, failure: null };

  function finish(failure) {
    if (bench.done) return;
    bench.failure = failure || null;
    bench.done = true;
    clearInterval(finishedFlagPoll);
  }

  // What the programs print goes to console.log / console.error (Emscripten's out/err are bound to
  // them when the glue loads, after this).
  var log = console.log.bind(console), error = console.error.bind(console);
  console.log = function() {
    var line = Array.prototype.join.call(arguments, ' ');
    bench.lines.push(line);
    log(line);
  };
  console.error = function() {
    var line = Array.prototype.join.call(arguments, ' ');
    bench.errors.push(line);
    error(line);
  };

  // Only what the programs call. There is no resident-memory figure in a page: NaN, so that the
  // memory records come out as unparsable ("nan") or null and the runner leaves them out.
  // No `versions`: Emscripten's glue must not take this page for Node.
  window.global = window;  // Node's name for the global object (the drivers look for global.gc)
  var exitCode = 0;
  window.process = {
    argv: ['browser', program].concat(args),
    memoryUsage: function() { return { rss: NaN }; },
    on: function() {},
    exit: function(code) {
      finish(code ? 'process.exit(' + code + ')' : null);
      throw new Error('process.exit(' + code + ')');  // what follows exit() must not run
    },
    get exitCode() { return exitCode; },
    set exitCode(code) {
      exitCode = code;
      if (code) finish('process.exitCode = ' + code);
    },
  };

  window.addEventListener('error', function(event) {
    if (!bench.done) finish('uncaught: ' + event.message + (event.error && event.error.stack ? '\n' + event.error.stack : ''));
  });
  window.addEventListener('unhandledrejection', function(event) {
    if (!bench.done) finish('unhandled rejection: ' + event.reason + (event.reason && event.reason.stack ? '\n' + event.reason.stack : ''));
  });

  // The raw JSPI drivers (no main) say they are over with a flag of their own.
  var IDLE_MS = 2000;
  var endsWhenIdle = query.get('end') === 'idle';
  var printedLines = 0, printedAt = performance.now();
  var finishedFlagPoll = setInterval(function() {
    if ((window.RAW && window.RAW.finished) || (window.TAISEI && window.TAISEI.finished)) finish(null);
    if (bench.lines.length !== printedLines) {
      printedLines = bench.lines.length;
      printedAt = performance.now();
    } else if (endsWhenIdle && printedLines > 0 && performance.now() - printedAt > IDLE_MS) {
      finish(null);
    }
  }, 50);

  window.Module = {
    arguments: args,
    onExit: function(code) { finish(code ? 'exit status ' + code : null); },
    onAbort: function(what) { finish('abort: ' + what); },
  };
  fetch(program.replace(/\.js$/, '.wasm')).then(function(response) {
    if (!response.ok) throw new Error(response.url + ': HTTP ' + response.status);
    return response.arrayBuffer();
  }).then(function(bytes) {
    window.Module.wasmBinary = bytes;
    var script = document.createElement('script');
    script.src = program;
    script.onerror = function() { finish('could not load ' + program); };
    document.body.appendChild(script);
  }).catch(function(e) { finish(String(e)); });
})();
