// The Asyncify baseline of the benchmarks: the same workloads as spool_bench.cpp, on
// Emscripten's own fibers (emscripten_fiber_*, built with -sASYNCIFY, without spool). Prints
// RESULT lines (bench_report.h) with impl "asyncify"; every timed figure is the median of repeats
// after a warm-up one (bench_warm_median).
//   asyncify_bench [quick]
#include <emscripten/fiber.h>
#include <stdlib.h>
#include <string.h>

#include "bench_report.h"

enum { kCStack = 16 * 1024, kAsyncifyStack = 4 * 1024 };

typedef struct Fiber {
  emscripten_fiber_t fiber;
  void* c_stack;
  void* asyncify_stack;
} Fiber;

static emscripten_fiber_t g_main;
static char g_main_asyncify_stack[kAsyncifyStack];
static int g_quick;

static void fibers_free(Fiber* fibers, int count) {
  for (int i = 0; i < count; ++i) {
    free(fibers[i].c_stack);
    free(fibers[i].asyncify_stack);
  }
  free(fibers);
}

// One figure of a workload: the median of its repeats, measure(&value) each, after a warm-up.
static void report_median(const char* workload, const char* metric, const char* param, int value,
                          bench_measure_fn measure) {
  char params[48];
  snprintf(params, sizeof params, "\"%s\":%d", param, value);
  bench_result(workload, "asyncify", metric, bench_warm_median(measure, &value, g_quick), "ns", params);
}

static void fiber_init(Fiber* f, em_arg_callback_func entry, void* arg) {
  if (!f->c_stack) f->c_stack = malloc(kCStack);
  if (!f->asyncify_stack) f->asyncify_stack = malloc(kAsyncifyStack);
  emscripten_fiber_init(&f->fiber, entry, arg, f->c_stack, kCStack, f->asyncify_stack, kAsyncifyStack);
}

// ---- switch: a ring of N fibers, each swapping to the next ------------------------------------
static Fiber* g_ring;
static int g_ring_size, g_ring_rounds;

static void ring_entry(void* arg) {
  int i = (int)(intptr_t)arg;
  for (int r = 0; r < g_ring_rounds; ++r) {
    int next = (i + 1) % g_ring_size;
    if (r == g_ring_rounds - 1 && i == g_ring_size - 1) break;
    emscripten_fiber_swap(&g_ring[i].fiber, &g_ring[next].fiber);
  }
  emscripten_fiber_swap(&g_ring[i].fiber, &g_main);  // the last one returns to main
}

static double switch_ring_once(void* context) {
  int n = *(const int*)context;
  g_ring_size = n;
  g_ring_rounds = g_quick ? 20 : (n <= 100 ? 200000 / n : 50);
  g_ring = calloc((size_t)n, sizeof(Fiber));
  for (int i = 0; i < n; ++i) fiber_init(&g_ring[i], ring_entry, (void*)(intptr_t)i);
  double start = bench_now_ns();
  emscripten_fiber_swap(&g_main, &g_ring[0].fiber);
  double elapsed = bench_now_ns() - start;
  fibers_free(g_ring, n);
  return elapsed / ((double)n * g_ring_rounds);
}

// ---- spawn: short-lived fibers (start, yield once to main, finish), `live` at a time -----------
static Fiber* g_wave;

static void short_entry(void* arg) {
  Fiber* self = (Fiber*)arg;
  emscripten_fiber_swap(&self->fiber, &g_main);  // yield once
  emscripten_fiber_swap(&self->fiber, &g_main);  // finish: never resumed; the struct is recycled
}

static double spawn_waves_once(void* context) {
  int live = *(const int*)context;
  int waves = g_quick ? 3 : 40;
  g_wave = calloc((size_t)live, sizeof(Fiber));
  double start = 0;
  for (int w = -1; w < waves; ++w) {  // wave -1 warms up (allocates the stacks once)
    if (w == 0) start = bench_now_ns();
    for (int i = 0; i < live; ++i) fiber_init(&g_wave[i], short_entry, &g_wave[i]);
    for (int i = 0; i < live; ++i) emscripten_fiber_swap(&g_main, &g_wave[i].fiber);
    for (int i = 0; i < live; ++i) emscripten_fiber_swap(&g_main, &g_wave[i].fiber);
  }
  double elapsed = bench_now_ns() - start;
  fibers_free(g_wave, live);
  return elapsed / ((double)waves * live);
}

// ---- depth: main <-> a fiber whose swap happens `depth` calls deep ------------------------------
static Fiber g_deep;
static int g_depth_rounds;

static int __attribute__((noinline)) at_depth(int depth, volatile int* sink) {
  volatile int local = depth;
  if (depth > 1) return at_depth(depth - 1, sink) + local;
  for (int r = 0; r < g_depth_rounds + 1; ++r) emscripten_fiber_swap(&g_deep.fiber, &g_main);
  *sink = local;
  return local;
}

static void deep_entry(void* arg) {
  volatile int sink = 0;
  at_depth((int)(intptr_t)arg, &sink);
  emscripten_fiber_swap(&g_deep.fiber, &g_main);
}

static double depth_round_trip_once(void* context) {
  int depth = *(const int*)context;
  g_depth_rounds = g_quick ? 1000 : 100000;
  fiber_init(&g_deep, deep_entry, (void*)(intptr_t)depth);
  emscripten_fiber_swap(&g_main, &g_deep.fiber);  // started, at depth
  double start = bench_now_ns();
  for (int r = 0; r < g_depth_rounds; ++r) emscripten_fiber_swap(&g_main, &g_deep.fiber);
  double elapsed = bench_now_ns() - start;
  return elapsed / g_depth_rounds;
}

// ---- memory: `count` fibers suspended at once -------------------------------------------------
static void parked_entry(void* arg) {
  Fiber* self = (Fiber*)arg;
  for (;;) emscripten_fiber_swap(&self->fiber, &g_main);
}

static void memory_per_fiber(int count) {
  bench_collect_garbage();
  double rss_before = bench_resident_bytes();
  double linear_before = bench_linear_memory_bytes();
  Fiber* fibers = calloc((size_t)count, sizeof(Fiber));
  for (int i = 0; i < count; ++i) {
    fiber_init(&fibers[i], parked_entry, &fibers[i]);
    emscripten_fiber_swap(&g_main, &fibers[i].fiber);
  }
  bench_collect_garbage();
  char params[32];
  snprintf(params, sizeof params, "\"fibers\":%d", count);
  bench_result("memory", "asyncify", "resident_bytes_per_fiber", (bench_resident_bytes() - rss_before) / count,
               "bytes", params);
  bench_result("memory", "asyncify", "linear_memory_bytes_per_fiber",
               (bench_linear_memory_bytes() - linear_before) / count, "bytes", params);
  bench_result("memory", "asyncify", "c_stack_bytes_reserved_per_fiber", kCStack + kAsyncifyStack, "bytes",
               params);
  fibers_free(fibers, count);
}

// ---- compute: the kernel outside and inside a fiber --------------------------------------------
static Fiber g_worker;
static double g_inside_ns;
static int g_kernel_rounds;
static volatile unsigned g_sink;

static void compute_entry(void* arg) {
  (void)arg;
  double t = bench_now_ns();
  g_sink = bench_kernel(1, g_kernel_rounds);
  g_inside_ns = bench_now_ns() - t;
  emscripten_fiber_swap(&g_worker.fiber, &g_main);
}

static double kernel_outside_once(void* context) {
  (void)context;
  double start = bench_now_ns();
  g_sink = bench_kernel(1, g_kernel_rounds);
  return (bench_now_ns() - start) / g_kernel_rounds;
}

static double kernel_inside_once(void* context) {
  (void)context;
  fiber_init(&g_worker, compute_entry, NULL);
  emscripten_fiber_swap(&g_main, &g_worker.fiber);
  return g_inside_ns / g_kernel_rounds;
}

static void compute(void) {
  g_kernel_rounds = g_quick ? 200 : 20000;
  double outside = bench_warm_median(kernel_outside_once, NULL, g_quick);
  double inside = bench_warm_median(kernel_inside_once, NULL, g_quick);
  bench_result("compute", "asyncify", "ns_per_kernel_round", inside, "ns", "\"where\":\"fiber\"");
  bench_result("compute", "asyncify", "ns_per_kernel_round", outside, "ns", "\"where\":\"outside\"");
}

int main(int argc, char** argv) {
  g_quick = argc > 1 && strcmp(argv[1], "quick") == 0;
  emscripten_fiber_init_from_current_context(&g_main, g_main_asyncify_stack, sizeof g_main_asyncify_stack);
  memory_per_fiber(1000);
  memory_per_fiber(20000);
  int rings[] = {2, 100, 1000, 4000, 10000};
  for (int i = 0; i < 5; ++i) report_median("switch", "ns_per_switch", "fibers", rings[i], switch_ring_once);
  report_median("spawn", "ns_per_fiber", "live", 1000, spawn_waves_once);
  int depths[] = {1, 16, 64};
  for (int i = 0; i < 3; ++i) report_median("depth", "ns_per_round_trip", "depth", depths[i], depth_round_trip_once);
  compute();
  return 0;
}
