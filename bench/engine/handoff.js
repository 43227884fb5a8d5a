// The JSPI directed hand-off ring, standalone (see handoff.html). For each ring size N:
//  - total: ns per switch, fiber i -> fiber i+1, over `switches` switches (at least 20 rounds);
//  - js: ns per switch of the import's own JavaScript (make a Promise, take and call the next
//    resolver), run the same number of times in a plain loop without any suspension;
//  - engine = total - js: what suspending one stack and resuming the next costs the engine
//    (the microtask that resumes it included);
//  - in_import / outside_import: performance.now() taken on entry to and on return from the import
//    in the ring itself, summed: the time spent inside the import's JS vs. everything else (suspend,
//    microtask, resume, the wasm loop). Coarse timers (Firefox, 20 us or more) make each split
//    noisy but their sums still add up to the total;
//  - start / finish: ns per engine stack to start one (a promising call up to its first
//    suspension) and to end one (resume, return, free); release: to end one by rejecting its
//    Promise instead (the stack unwinds by an exception; how runtimes discard a fiber).
// With ?idle=M, M more stacks stay suspended and untouched meanwhile (params.idle): what idle
// stacks (a pool of parked ones) cost every switch.
// Prints RESULT lines in spool's benchmark format (bench/report/bench_report.h) to the console
// and the page, and sets window.bench = { lines, done, failure } for bench/web/run_bench.mjs.
'use strict';
(function() {
  var bench = window.bench = { lines: [], errors: [], done: false, failure: null };
  var logElement = document.getElementById('log');
  logElement.textContent = '';
  function print(line) {
    bench.lines.push(line);
    logElement.textContent += line + '\n';
    console.log(line);
  }

  // The module, in the text format:
  //   (import "env" "handoff" (func $handoff (param i32)))
  //   (func (export "fiber") (param $id i32) (param $rounds i32)
  //     (block (loop (br_if 1 (i32.eqz (local.get $rounds)))
  //       (call $handoff (local.get $id))
  //       (local.set $rounds (i32.sub (local.get $rounds) (i32.const 1)))
  //       (br 0))))
  function section(id, bytes) { return [id, bytes.length].concat(bytes); }  // every length < 128
  function name(text) { return [text.length].concat(Array.from(text, function(c) { return c.charCodeAt(0); })); }
  var body = [0x00,                                   // no locals
              0x02, 0x40, 0x03, 0x40,                 // block, loop
              0x20, 0x01, 0x45, 0x0d, 0x01,           // br_if 1 (rounds == 0)
              0x20, 0x00, 0x10, 0x00,                 // call $handoff(id)
              0x20, 0x01, 0x41, 0x01, 0x6b, 0x21, 0x01,  // rounds -= 1
              0x0c, 0x00, 0x0b, 0x0b, 0x0b];          // br 0, end, end, end
  var bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00].concat(
    section(1, [2, 0x60, 1, 0x7f, 0, 0x60, 2, 0x7f, 0x7f, 0]),         // types: (i32), (i32 i32)
    section(2, [1].concat(name('env'), name('handoff'), [0x00, 0])),   // import func type 0
    section(3, [1, 1]),                                                // one func of type 1
    section(7, [1].concat(name('fiber'), [0x00, 1])),                  // export "fiber" = func 1
    section(10, [1, body.length].concat(body)));

  var ringSize = 0;
  var resolvers = [];
  var phase = 'idle';  // 'starting': park only; 'ring': hand off; 'draining': return at once
  var calls = 0;
  var inImport = 0, outsideImport = 0, lastReturn = 0, timing = false;
  // The import: park this stack on a new Promise, resume the next stack in the ring.
  function handoff(i) {
    if (phase === 'draining') return 0;  // not a Promise: the stack goes on without suspending
    var now = timing ? performance.now() : 0;
    if (timing && lastReturn) outsideImport += now - lastReturn;
    ++calls;
    var wait = new Promise(function(resolve) { resolvers[i] = resolve; });
    if (phase === 'ring') {
      var next = i + 1 === ringSize ? 0 : i + 1;
      var resume = resolvers[next];
      resolvers[next] = null;
      if (resume) resume(0);  // none: the ring is ending (fiber 0 is done)
    }
    if (timing) {
      lastReturn = performance.now();
      inImport += lastReturn - now;
    }
    return wait;
  }

  var idleStacks = 0;
  function result(metric, value, unit, stacks) {
    var params = idleStacks ? { stacks: stacks, idle: idleStacks } : { stacks: stacks };
    print('RESULT ' + JSON.stringify({ workload: 'handoff_repro', impl: 'raw_jspi_minimal', metric: metric,
                                       value: value, unit: unit, params: params }));
  }

  // `count` more engine stacks that stay suspended, untouched, while the rings run (as a pool of
  // parked stacks would): on a second instance of the module, whose import only parks.
  async function parkIdleStacks(module, count) {
    var idleResolvers = [];
    var park = new WebAssembly.Suspending(function(i) {
      return new Promise(function(resolve) { idleResolvers[i] = resolve; });
    });
    var idle = await WebAssembly.instantiate(module, { env: { handoff: park } });
    var idleFiber = WebAssembly.promising(idle.exports.fiber);
    var done = [];
    for (var i = 0; i < count; ++i) done.push(idleFiber(i, 1));
    return function release() {
      idleResolvers.forEach(function(resume) { resume(0); });
      return Promise.all(done);
    };
  }

  async function ring(fiber, n, switches, withSplits) {
    var rounds = Math.max(20, Math.ceil(switches / n));
    ringSize = n;
    resolvers = new Array(n).fill(null);
    phase = 'starting';
    var done = [];
    var startingAt = performance.now();
    for (var i = 0; i < n; ++i) done.push(fiber(i, rounds + 1));  // each runs to its first hand-off
    var startNs = (performance.now() - startingAt) * 1e6 / n;
    phase = 'ring';
    timing = withSplits;
    inImport = outsideImport = lastReturn = 0;
    calls = 0;
    var start = performance.now();
    var go = resolvers[0];
    resolvers[0] = null;
    go(0);
    await done[0];  // fiber 0 ends after `rounds` turns of the ring
    var elapsed = performance.now() - start;
    var count = calls;
    timing = false;
    phase = 'draining';  // the others finish their loops without suspending
    var finishingAt = performance.now();
    resolvers.forEach(function(resume) { if (resume) resume(0); });
    await Promise.all(done);
    var finishNs = (performance.now() - finishingAt) * 1e6 / n;
    phase = 'idle';
    return { perSwitchNs: elapsed * 1e6 / count, count: count, startNs: startNs, finishNs: finishNs };
  }

  // Ends n suspended stacks the way a runtime discards a fiber that must not run again: the
  // import's Promise rejects, so the wasm frames unwind by an exception (none of them runs).
  async function releaseNs(fiber, n) {
    ringSize = n;
    resolvers = new Array(n).fill(null);
    phase = 'starting';
    var done = [];
    for (var i = 0; i < n; ++i) done.push(fiber(i, 2).catch(function() {}));
    phase = 'idle';
    var start = performance.now();
    resolvers.forEach(function(resume) { resume(Promise.reject(new WebAssembly.RuntimeError('released'))); });
    await Promise.all(done);
    return (performance.now() - start) * 1e6 / n;
  }

  function jsOnlyNs(n, count) {
    ringSize = n;
    resolvers = new Array(n).fill(null);
    phase = 'starting';
    for (var i = 0; i < n; ++i) handoff(i);
    phase = 'ring';
    var start = performance.now();
    for (var k = 0; k < count; ++k) handoff(k % n);
    var perCall = (performance.now() - start) * 1e6 / count;
    phase = 'idle';
    return perCall;
  }

  async function main() {
    var query = new URLSearchParams(location.search);
    var sizes = (query.get('stacks') || '2,1000,10000').split(',').map(Number);
    var switches = Number(query.get('switches') || 200000);
    print('# ' + navigator.userAgent + '; performance.now() resolution ~' + timerResolutionUs() + ' us' +
          (self.crossOriginIsolated ? ' (cross-origin isolated)' : ''));
    if (typeof WebAssembly.Suspending != 'function' || typeof WebAssembly.promising != 'function') {
      throw new Error('this engine has no JSPI (WebAssembly.Suspending / WebAssembly.promising)');
    }
    var module = await WebAssembly.compile(new Uint8Array(bytes));
    var instance = await WebAssembly.instantiate(module, { env: { handoff: new WebAssembly.Suspending(handoff) } });
    var fiber = WebAssembly.promising(instance.exports.fiber);
    idleStacks = Number(query.get('idle') || 0);
    var releaseIdle = await parkIdleStacks(module, idleStacks);
    await ring(fiber, 2, 2000, false);  // warm-up: compile the paths
    for (var n of sizes) {
      var plain = await ring(fiber, n, switches, false);
      var split = await ring(fiber, n, switches, true);
      var js = jsOnlyNs(n, plain.count);
      result('ns_per_switch', plain.perSwitchNs, 'ns', n);
      result('js_ns_per_switch', js, 'ns', n);
      result('engine_ns_per_switch', plain.perSwitchNs - js, 'ns', n);
      result('in_import_share', inImport / (inImport + outsideImport), 'fraction', n);
      result('timed_ns_per_switch', split.perSwitchNs, 'ns', n);
      // A new engine stack (a promising call running to its first suspension), and its end (resumed
      // once, returns, the stack freed).
      result('start_ns_per_stack', plain.startNs, 'ns', n);
      result('finish_ns_per_stack', plain.finishNs, 'ns', n);
      result('release_ns_per_stack', await releaseNs(fiber, n), 'ns', n);
    }
    await releaseIdle();
  }

  // The smallest step performance.now() takes here.
  function timerResolutionUs() {
    var smallest = Infinity;
    for (var i = 0; i < 50; ++i) {
      var a = performance.now(), b;
      while ((b = performance.now()) === a) {}
      smallest = Math.min(smallest, b - a);
    }
    return Math.round(smallest * 1000 * 10) / 10;
  }

  main().then(function() { bench.done = true; }, function(error) {
    bench.errors.push(String(error && error.stack || error));
    print('failed: ' + error);
    bench.failure = String(error);
    bench.done = true;
  });
})();
