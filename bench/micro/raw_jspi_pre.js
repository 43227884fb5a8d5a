// Driver of the raw JSPI baseline (bench/raw_jspi.c): wraps the imports in WebAssembly.Suspending
// and the exports in WebAssembly.promising, runs the workloads, prints RESULT lines like the other
// benchmark programs. `node raw_jspi.js [quick]`. Every timed figure is the median of repeats
// after a warm-up one, as bench_warm_median (bench_report.h) does in the C programs.
var RAW = {resolvers: [], ringSize: 0, parked: [], done: 0, waveSize: 0, waveDone: null};
// Suspended engine stacks are not garbage collected: a stack left suspended stays until the
// process ends (and counts against the engine's ~32,000 limit). Resolving it with a rejection
// that wasm cannot catch (a RuntimeError) unwinds and frees it without running any wasm code.
RAW.release = function() {
  RAW.resolvers.forEach(function(resume) {
    if (resume) resume(Promise.reject(new WebAssembly.RuntimeError('released')));
  });
  RAW.resolvers = [];
};
Module['noInitialRun'] = true;
Module['instantiateWasm'] = function(imports, receiveInstance) {
  var env = imports['env'];
  env['raw_wait'] = new WebAssembly.Suspending(function(i) {
    return new Promise(function(r) { RAW.resolvers[i] = r; });
  });
  env['raw_handoff'] = new WebAssembly.Suspending(function(i) {
    var next = (i + 1) % RAW.ringSize;
    var p = new Promise(function(r) { RAW.resolvers[i] = r; });
    var resume = RAW.resolvers[next];
    RAW.resolvers[next] = null;
    if (resume) resume(0);
    return p;
  });
  env['raw_park'] = new WebAssembly.Suspending(function(id) {
    return new Promise(function(r) { RAW.parked.push(r); });
  });
  env['raw_yield'] = new WebAssembly.Suspending(function() { return Promise.resolve(0); });
  env['raw_job_done'] = function(id) {  // a plain import: it never suspends
    if (++RAW.done === RAW.waveSize) RAW.waveDone();
  };
  WebAssembly.instantiate(getBinary(wasmBinaryFile), imports).then(function(result) {
    receiveInstance(result['instance'], result['module']);
  });
  return {};
};

Module['onRuntimeInitialized'] = function() {
  var asm = Module['asm'];
  var quick = process.argv[2] === 'quick';
  var now = function() { return performance.now() * 1e6; };
  var result = function(workload, metric, value, unit, params) {
    console.log('RESULT ' + JSON.stringify({workload: workload, impl: 'raw_jspi', metric: metric,
                                            value: value, unit: unit, params: params}));
  };
  var gc = typeof global.gc == 'function' ? global.gc : function() {};
  var ringFiber = WebAssembly.promising(asm['ring_fiber']);
  var deepFiber = WebAssembly.promising(asm['deep_fiber']);
  var carrier = WebAssembly.promising(asm['carrier']);
  var kernelInFiber = WebAssembly.promising(asm['kernel']);
  var repeats = quick ? 3 : 5;  // BENCH_QUICK_REPEATS, BENCH_REPEATS
  // measure() runs the workload once and resolves to its figure.
  async function warmMedian(measure) {
    await measure();
    var samples = [];
    for (var r = 0; r < repeats; ++r) samples.push(await measure());
    samples.sort(function(a, b) { return a - b; });
    var m = samples.length >> 1;
    return samples.length % 2 ? samples[m] : (samples[m - 1] + samples[m]) / 2;
  }

  async function memory(count) {
    gc();
    var before = process.memoryUsage().rss;
    RAW.ringSize = count;
    var fibers = [];
    for (var i = 0; i < count; ++i) fibers.push(ringFiber(i, 1).catch(function() {}));  // parked
    gc();
    result('memory', 'resident_bytes_per_fiber', (process.memoryUsage().rss - before) / count, 'bytes',
           {fibers: count});
    RAW.release();
    await Promise.all(fibers);
  }

  // startFibers() starts the ring's `size` fibers (each parks until its first turn); then fiber 0
  // gets its turn. Resolves to the ns per hand-over once fiber 0 has taken `rounds` turns (the
  // others stay parked in their last hand-over and are released).
  async function runRing(size, rounds, startFibers) {
    RAW.resolvers = [];
    RAW.ringSize = size;
    var fibers = startFibers();
    var first = fibers[0];
    var settled = fibers.map(function(p) { return p.catch(function() {}); });
    var start = now();
    var go = RAW.resolvers[0];
    RAW.resolvers[0] = null;
    go(0);
    await first;
    var elapsed = now() - start;
    RAW.release();
    await Promise.all(settled);
    return elapsed / (fibers.length * rounds);
  }

  async function ring(n) {
    var rounds = quick ? 20 : (n <= 100 ? Math.floor(200000 / n) : 50);
    var ns = await warmMedian(function() {
      return runRing(n, rounds, function() {
        var fibers = [];
        for (var i = 0; i < n; ++i) fibers.push(ringFiber(i, rounds));
        return fibers;
      });
    });
    result('switch', 'ns_per_switch', ns, 'ns', {fibers: n});
  }

  async function spawnOnce(live) {
    var waves = quick ? 3 : 40;
    RAW.parked = [];
    var carriers = [];
    for (var i = 0; i < live; ++i) carriers.push(carrier(i));  // engine stacks made once
    var runWave = function() {
      RAW.done = 0;
      RAW.waveSize = live;
      var wave = new Promise(function(r) { RAW.waveDone = r; });
      var ready = RAW.parked;
      RAW.parked = [];
      for (var j = 0; j < ready.length; ++j) ready[j](j);  // "spawn": a parked stack takes a job
      return wave;
    };
    await runWave();  // warm-up
    var start = now();
    for (var w = 0; w < waves; ++w) {
      while (RAW.parked.length < live) await Promise.resolve();  // every carrier parked again
      await runWave();
    }
    var elapsed = now() - start;
    while (RAW.parked.length < live) await Promise.resolve();
    RAW.parked.forEach(function(r) { r(-1); });
    await Promise.all(carriers);
    return elapsed / (waves * live);
  }

  async function spawn(live) {
    var ns = await warmMedian(function() { return spawnOnce(live); });
    result('spawn', 'ns_per_fiber', ns, 'ns', {live: live});
  }

  // A round trip is two hand-overs (main's part to the deep fiber and back).
  async function depth(d) {
    var rounds = quick ? 1000 : 100000;
    var ns = await warmMedian(function() {
      return runRing(2, rounds, function() { return [ringFiber(0, rounds), deepFiber(1, d, rounds)]; });
    });
    result('depth', 'ns_per_round_trip', 2 * ns, 'ns', {depth: d});
  }

  async function compute() {
    var rounds = quick ? 200 : 20000;
    var outside = await warmMedian(function() {
      var start = now();
      asm['kernel'](rounds);
      return (now() - start) / rounds;
    });
    var inside = await warmMedian(async function() {
      var start = now();
      await kernelInFiber(rounds);
      return (now() - start) / rounds;
    });
    result('compute', 'ns_per_kernel_round', inside, 'ns', {where: 'fiber'});
    result('compute', 'ns_per_kernel_round', outside, 'ns', {where: 'outside'});
  }

  (async function() {
    if (!isNaN(process.memoryUsage().rss)) {  // a browser page (bench/web/host.js) has no figure
      await memory(1000);
      await memory(20000);
    }
    for (var n of [2, 100, 1000, 4000, 10000]) await ring(n);
    await spawn(1000);
    for (var d of [1, 16, 64]) await depth(d);
    await compute();
    RAW.finished = true;  // for a host without Node's end of process (bench/web/host.js)
  })().catch(function(e) { console.error(e); process.exitCode = 1; });
};
