// The raw JSPI baseline: the least code that does the benchmark workloads with
// WebAssembly.Suspending and WebAssembly.promising alone, no scheduler, no spool. The driver is
// raw_jspi_pre.js. Each export below runs as its own promising call (its own engine stack).
#include <emscripten.h>

extern int raw_wait(int fiber);     // suspending: park until another fiber hands over
extern int raw_handoff(int fiber);  // suspending: resume the next fiber in the ring, park
extern int raw_park(int carrier);   // suspending: park until given a job (< 0: stop)
extern int raw_yield(void);         // suspending: resume in the next microtask (a short fiber's yield)
extern void raw_job_done(int carrier);

// An engine stack reused for job after job ("fiber after fiber"): each job yields once.
EMSCRIPTEN_KEEPALIVE int carrier(int id) {
  for (;;) {
    int job = raw_park(id);
    if (job < 0) return 0;
    raw_yield();
    raw_job_done(id);
  }
}

// A fiber's part in a ring: wait for the first turn, then hand over to the next fiber `rounds`
// times. No C stack frame: every engine stack shares __stack_pointer.
static void take_turns(int fiber, int rounds) {
  raw_wait(fiber);
  for (int r = 0; r < rounds; ++r) raw_handoff(fiber);
}

EMSCRIPTEN_KEEPALIVE int ring_fiber(int fiber, int rounds) {
  take_turns(fiber, rounds);
  return 0;
}

static int __attribute__((noinline)) at_depth(int depth, volatile int* sink, int fiber, int rounds) {
  volatile int local = depth;
  if (depth > 1) return at_depth(depth - 1, sink, fiber, rounds) + local;
  take_turns(fiber, rounds);
  *sink = local;
  return local;
}

// The depth workload is a ring of two: a ring_fiber (main's part) and this one, which takes its
// turns `depth` calls deep, with a live local in each frame. Each round trip is two suspensions,
// as main <-> fiber is in spool and Asyncify. Its frames lie on the shared C stack, below its
// partner's: safe because the partner has no C frames.
EMSCRIPTEN_KEEPALIVE int deep_fiber(int fiber, int depth, int rounds) {
  volatile int sink = 0;
  return at_depth(depth, &sink, fiber, rounds);
}

// The compute kernel, as a plain call and inside a promising call.
#include "bench_report.h"
EMSCRIPTEN_KEEPALIVE unsigned kernel(int rounds) { return bench_kernel(1, rounds); }
