// The frame loop of the raw JSPI Taisei baseline (raw_jspi.cpp), with WebAssembly.Suspending and
// WebAssembly.promising and nothing else: tasks run on carriers, promising calls of
// taisei_carrier that park (taisei_carrier_park) when their task ends and are handed the next task
// to start; a new carrier is made only when none is parked. wait_frames suspends on a Promise
// whose resolver waits in the list of the frame it wants.
//
// A frame: cancel the tasks whose entity died (taisei_frame_begin), move the frame's waiters to the
// run list, then run the list in order: resolving a Promise or queueing a start puts a job in the
// one microtask queue (so does handing a task to a parked carrier, or queueing a new carrier's
// start), so the tasks run one after another in list order, each until it suspends again or ends.
// A counter of those not yet done says when the frame's work is over. Tasks spawned or cancelled
// meanwhile go to the next frame's list (spool's order). The tick time is taken from the start of
// the frame to that moment.
//   node raw_jspi_taisei.js [frames (default 3600)] [K (default 1)] [seed (default 1)]
var TAISEI = {
  frame: 0,
  waitLists: [],   // a ring: the ids of the tasks waiting for frame f are in waitLists[f % ring]
  waitList: [],    // per task id: the list it waits in (null: not waiting)
  waitSlot: [],    // per task id: its index there (the slot becomes -1 when it wakes early)
  resolvers: [],   // per task id: resumes its wait
  next: [],        // what runs at the next frame, in order: pairs (task id, how)
  starts: [],      // the tasks to start this frame on new carriers, in order (one microtask each)
  startsDone: 0,
  parked: [],      // resolvers of the parked carriers: each takes a task id (< 0: stop)
  carriers: 0,     // carriers made so far
  pending: 0,      // tasks of this frame that have not yet suspended again or ended
  frameDone: null, // resolves the loop's wait once pending is 0
  releasing: false,
  finished: false,
};
TAISEI.RING = 64;  // longer than the stage's longest wait (taisei::kLongestWait)
TAISEI.START = 2;  // how: start it; 1: resume, woken by its frame; 0: resume, cancelled
for (var ring = 0; ring < TAISEI.RING; ++ring) TAISEI.waitLists.push([]);

TAISEI.oneDone = function() {
  if (--TAISEI.pending === 0) TAISEI.frameDone();
};

// Suspended engine stacks are never garbage collected (and V8 aborts near ~32,000 of them): the
// parked carriers are told to stop, and if the loop ever stops with tasks still waiting, their
// waits are rejected with an error wasm cannot catch, which unwinds each stack without running
// its code.
TAISEI.release = function() {
  TAISEI.releasing = true;
  TAISEI.parked.forEach(function(resume) { resume(-1); });
  TAISEI.parked = [];
  TAISEI.resolvers.forEach(function(resume) {
    if (resume) resume(Promise.reject(new WebAssembly.RuntimeError('released')));
  });
  TAISEI.resolvers = [];
};

Module['noInitialRun'] = true;
Module['instantiateWasm'] = function(imports, receiveInstance) {
  var env = imports['env'];
  env['taisei_wait_frames'] = new WebAssembly.Suspending(function(task, frames) {
    var list = TAISEI.waitLists[(TAISEI.frame + frames) % TAISEI.RING];
    TAISEI.waitList[task] = list;
    TAISEI.waitSlot[task] = list.length;
    list.push(task);
    var wait = new Promise(function(resolve) { TAISEI.resolvers[task] = resolve; });
    TAISEI.oneDone();  // runs its continuation after this task has suspended
    return wait;
  });
  env['taisei_wake_cancelled'] = function(task) {  // plain imports: they never suspend
    var list = TAISEI.waitList[task];
    if (!list) return;  // already woken by its frame: it sees the cancellation at its next wait
    list[TAISEI.waitSlot[task]] = -1;
    TAISEI.waitList[task] = null;
    TAISEI.next.push(task, 0);
  };
  env['taisei_queue_start'] = function(task) { TAISEI.next.push(task, TAISEI.START); };
  env['taisei_carrier_park'] = new WebAssembly.Suspending(function(finishedTask) {
    var next = new Promise(function(resolve) { TAISEI.parked.push(resolve); });
    TAISEI.oneDone();
    return next;
  });
  WebAssembly.instantiate(getBinary(wasmBinaryFile), imports).then(function(result) {
    receiveInstance(result['instance'], result['module']);
  });
  return {};
};

Module['onRuntimeInitialized'] = function() {
  var asm = Module['asm'];
  var arg = function(i, fallback) { return process.argv.length > i ? Number(process.argv[i]) : fallback; };
  var carrier = WebAssembly.promising(asm['taisei_carrier']);
  var failed = function(error) {
    if (TAISEI.releasing) return;
    console.error('raw_jspi_taisei: a task failed:', error);
    process.exit(1);
  };
  // One microtask per start on a new carrier, queued in the frame's order; each starts the next
  // such task in line.
  var startNext = function() {
    ++TAISEI.carriers;
    carrier(TAISEI.starts[TAISEI.startsDone++]).catch(failed);
  };

  async function frameLoop() {
    for (;;) {
      var begin = performance.now();
      ++TAISEI.frame;
      asm['taisei_frame_begin']();
      var due = TAISEI.waitLists[TAISEI.frame % TAISEI.RING];
      for (var i = 0; i < due.length; ++i) {
        if (due[i] < 0) continue;  // woken early by a cancellation
        TAISEI.waitList[due[i]] = null;
        TAISEI.next.push(due[i], 1);
      }
      due.length = 0;
      var run = TAISEI.next;
      TAISEI.next = [];
      if (run.length > 0) {
        TAISEI.pending = run.length / 2;
        var frameDone = new Promise(function(resolve) { TAISEI.frameDone = resolve; });
        TAISEI.starts.length = 0;
        TAISEI.startsDone = 0;
        for (var j = 0; j < run.length; j += 2) {
          var task = run[j], how = run[j + 1];
          if (how === TAISEI.START && TAISEI.parked.length > 0) {
            TAISEI.parked.pop()(task);  // the most recently parked: its stack is the warmest
          } else if (how === TAISEI.START) {
            TAISEI.starts.push(task);
            queueMicrotask(startNext);
          } else {
            var resume = TAISEI.resolvers[task];
            TAISEI.resolvers[task] = null;
            resume(how);
          }
        }
        await frameDone;
      }
      if (!asm['taisei_frame_end']((performance.now() - begin) * 1e6)) break;
    }
    TAISEI.release();  // nothing should be left waiting; if something is, do not leak its stack
    asm['taisei_finish']();
    console.log('engine stacks made (carriers): ' + TAISEI.carriers);
    TAISEI.finished = true;
  }

  process.on('exit', function(code) {
    if (code === 0 && !TAISEI.finished) {
      console.error('raw_jspi_taisei: the frame loop stopped before the stage ended');
      process.exitCode = 1;
    }
  });
  asm['taisei_init'](arg(2, 3600), arg(3, 1), arg(4, 1));
  frameLoop().catch(function(error) { console.error(error); process.exit(1); });
};
