// The raw JSPI baseline: the least code that does the benchmark workloads with
// WebAssembly.Suspending and WebAssembly.promising alone, no scheduler, no spool. The driver is
// raw_jspi_pre.js. Each export below runs as its own promising call (its own engine stack).
#include <emscripten.h>

extern int raw_wait(int fiber);     // suspending: park until another fiber hands over
extern int raw_handoff(int fiber);  // suspending: resume the next fiber in the ring, park
extern int raw_park(int carrier);   // suspending: park until given a job (< 0: stop)
extern int raw_yield(void);         // suspending: resume in the next microtask
extern void raw_job_done(int carrier);

// A fiber of the ring: waits for its first turn, then hands over `rounds` times.
EMSCRIPTEN_KEEPALIVE int ring_fiber(int fiber, int rounds) {
  raw_wait(fiber);
  for (int r = 0; r < rounds; ++r) raw_handoff(fiber);
  return 0;
}

// An engine stack reused for job after job ("fiber after fiber"): each job yields once.
EMSCRIPTEN_KEEPALIVE int carrier(int id) {
  for (;;) {
    int job = raw_park(id);
    if (job < 0) return 0;
    raw_yield();
    raw_job_done(id);
  }
}

static int __attribute__((noinline)) at_depth(int depth, volatile int* sink, int rounds) {
  volatile int local = depth;
  if (depth > 1) return at_depth(depth - 1, sink, rounds) + local;
  for (int r = 0; r < rounds; ++r) raw_yield();
  *sink = local;
  return local;
}

// `rounds` suspend/resume round trips, `depth` calls deep.
EMSCRIPTEN_KEEPALIVE int pinger(int depth, int rounds) {
  volatile int sink = 0;
  return at_depth(depth, &sink, rounds);
}

// The compute kernel, as a plain call and inside a promising call.
#include "bench_report.h"
EMSCRIPTEN_KEEPALIVE unsigned kernel(int rounds) { return bench_kernel(1, rounds); }
