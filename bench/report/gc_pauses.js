// GC pauses of a wasm benchmark program under Node, as RESULT lines (bench_report.h's format):
// linked as a --pre-js into every wasm program of the Taisei-like stage. The program opens a window
// (bench_gc_window_begin) and, once its frames are done, names what it measured
// (bench_gc_window_report); the pauses that began inside the window are reported per frame.
//
// Figures come from perf_hooks' 'gc' performance entries (start and duration of each pause on the
// main thread). Node hands them over only in turns of the event loop, and these programs run their
// frames without giving it one, so the lines are printed when the program is done: at
// 'beforeExit', one more turn later (that turn delivers the last entries), from the entries'
// own timestamps.
//   scavenge: young-generation collections (kind MINOR), where JSPI's per-suspension Promises die;
//   major:    everything else (mark-sweep-compact, incremental marking steps, weak callbacks).
Module['benchGcPauses'] = (function() {
  var entries = [];
  var windows = [];  // {workload, impl, params, frames, begin, end}: reported in order
  var begin = 0;
  var perfHooks = typeof process == 'object' && typeof require == 'function' ? require('perf_hooks') : null;
  if (!perfHooks) {
    return {begin: function() {}, report: function() {}};  // not Node: nothing to observe
  }
  var observer = new perfHooks.PerformanceObserver(function(list) {
    Array.prototype.push.apply(entries, list.getEntries());
  });
  observer.observe({entryTypes: ['gc']});
  var minor = perfHooks.constants.NODE_PERFORMANCE_GC_MINOR;

  function summary(window, isScavenge) {
    var count = 0, total = 0, max = 0;
    entries.forEach(function(e) {
      if (e.startTime < window.begin || e.startTime >= window.end) return;
      if (((e.detail ? e.detail.kind : e.kind) === minor) !== isScavenge) return;
      ++count;
      total += e.duration;
      max = Math.max(max, e.duration);
    });
    return {count: count, total: total, max: max};
  }

  function printAll() {
    Array.prototype.push.apply(entries, observer.takeRecords());
    windows.forEach(function(w) {
      var params = JSON.parse('{' + w.params + '}');
      var result = function(metric, value, unit) {
        console.log('RESULT ' + JSON.stringify({workload: w.workload, impl: w.impl, metric: metric,
                                                value: Number(value.toPrecision(6)), unit: unit, params: params}));
      };
      [['scavenge', true], ['major', false]].forEach(function(kind) {
        var s = summary(w, kind[1]);
        result('gc_' + kind[0] + 's_per_1000_frames', 1000 * s.count / w.frames, 'per 1000 frames');
        result('gc_' + kind[0] + '_ms_per_frame', s.total / w.frames, 'ms');
        result('gc_' + kind[0] + '_max_ms', s.max, 'ms');
      });
    });
  }

  var printed = false;
  process.on('beforeExit', function() {
    if (printed || windows.length == 0) return;
    printed = true;
    setImmediate(printAll);
  });
  return {
    begin: function() { begin = performance.now(); },
    report: function(workload, impl, params, frames) {
      windows.push({workload: workload, impl: impl, params: params, frames: frames, begin: begin,
                    end: performance.now()});
    },
  };
})();
