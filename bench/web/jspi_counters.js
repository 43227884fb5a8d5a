// Diagnostic, only with host.html?...&profile=1: counts what a program asks of JSPI and times the
// JavaScript it runs for it, in window.jspiCounters. performance.now() is coarse (5 us in
// Chromium, 20 us in Firefox, cross-origin isolated) so each figure is a sum of many coarse
// readings: good for shares, not for single calls. The wrappers add a little time of their own.
//   suspendingCalls / suspensions: calls of Suspending imports / those that returned a Promise
//   importMs: time inside those imports' JavaScript (spool's runtime, or the raw driver's);
//     slowImports / slowImportMs: the calls that took 0.5 ms or more (a garbage collection inside
//     them, most likely), and their share of importMs
//   stacksStarted: calls of promising exports (each a new engine stack); stacksFailed: the ones
//     that ended in a rejection (a trap or exception: how discarded stacks end)
'use strict';
(function() {
  if (!new URLSearchParams(location.search).has('profile')) return;
  var counters = window.jspiCounters = {
    suspendingCalls: 0, suspensions: 0, importMs: 0, slowImports: 0, slowImportMs: 0, stacksStarted: 0, stacksFailed: 0,
  };
  var RealSuspending = WebAssembly.Suspending;
  var realPromising = WebAssembly.promising;
  WebAssembly.Suspending = function(importFunction) {
    return new RealSuspending(function() {
      var start = performance.now();
      var result = importFunction.apply(this, arguments);
      var took = performance.now() - start;
      counters.importMs += took;
      if (took >= 0.5) {
        counters.slowImports++;
        counters.slowImportMs += took;
      }
      counters.suspendingCalls++;
      if (result instanceof Promise) counters.suspensions++;
      return result;
    });
  };
  WebAssembly.promising = function(exported) {
    var wrapped = realPromising(exported);
    return function() {
      counters.stacksStarted++;
      var done = wrapped.apply(this, arguments);
      done.then(null, function() { counters.stacksFailed++; });
      return done;
    };
  };
})();
