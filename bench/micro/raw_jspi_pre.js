// Driver of the raw JSPI baseline (bench/raw_jspi.c): wraps the imports in WebAssembly.Suspending
// and the exports in WebAssembly.promising, runs the workloads, prints RESULT lines like the other
// benchmark programs. `node raw_jspi.js [quick]`.
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
  var carrier = WebAssembly.promising(asm['carrier']);
  var pinger = WebAssembly.promising(asm['pinger']);
  var kernelInFiber = WebAssembly.promising(asm['kernel']);

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

  async function ring(n) {
    var rounds = quick ? 20 : (n <= 100 ? Math.floor(200000 / n) : 50);
    RAW.resolvers = [];
    RAW.ringSize = n;
    var first = null;
    var fibers = [];
    for (var i = 0; i < n; ++i) {
      var p = ringFiber(i, rounds);
      fibers.push(p.catch(function() {}));
      if (i === 0) first = p;
    }
    var start = now();
    var go = RAW.resolvers[0];
    RAW.resolvers[0] = null;
    go(0);
    await first;  // fiber 0 ends after n * rounds hand-overs
    result('switch', 'ns_per_switch', (now() - start) / (n * rounds), 'ns', {fibers: n});
    RAW.release();  // the other fibers stay parked in their last hand-over
    await Promise.all(fibers);
  }

  async function spawn(live) {
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
    result('spawn', 'ns_per_fiber', (now() - start) / (waves * live), 'ns', {live: live});
    while (RAW.parked.length < live) await Promise.resolve();
    RAW.parked.forEach(function(r) { r(-1); });
    await Promise.all(carriers);
  }

  async function depth(d) {
    var rounds = quick ? 1000 : 100000;
    var start = now();
    await pinger(d, rounds);
    result('depth', 'ns_per_round_trip', (now() - start) / rounds, 'ns', {depth: d});
  }

  async function compute() {
    var rounds = quick ? 200 : 20000;
    var start = now();
    asm['kernel'](rounds);
    var outside = now() - start;
    start = now();
    await kernelInFiber(rounds);
    var inside = now() - start;
    result('compute', 'ns_per_kernel_round', inside / rounds, 'ns', {where: 'fiber'});
    result('compute', 'ns_per_kernel_round', outside / rounds, 'ns', {where: 'outside'});
  }

  (async function() {
    if (!isNaN(process.memoryUsage().rss)) {  // a browser page (bench/web/host.js) has no figure
      await memory(1000);
      await memory(20000);
    }
    for (var n of [2, 100, 1000, 10000]) await ring(n);
    await spawn(1000);
    for (var d of [1, 16, 64]) await depth(d);
    await compute();
    RAW.finished = true;  // for a host without Node's end of process (bench/web/host.js)
  })().catch(function(e) { console.error(e); process.exitCode = 1; });
};
