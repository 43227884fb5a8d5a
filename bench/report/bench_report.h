// Shared by the benchmark programs (spool, Asyncify baseline; native and wasm): timing and the
// one output format the runner (scripts/bench.sh) reads. Each figure is printed as
//   RESULT {"workload":...,"impl":...,"metric":...,"value":...,"unit":...,"params":{...}}
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
#endif

static inline double bench_now_ns(void) {
#if defined(__EMSCRIPTEN__)
  return emscripten_get_now() * 1e6;
#else
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
#endif
}

// Resident memory of the process in bytes (in wasm: of the JS engine's process, engine stacks
// included), and the wasm linear memory size (0 natively).
static inline double bench_resident_bytes(void) {
#if defined(__EMSCRIPTEN__)
  return EM_ASM_DOUBLE({ return typeof process == 'object' ? process.memoryUsage().rss : 0; });
#else
  long pages = 0, resident = 0;
  FILE* f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
  }
  return (double)resident * 4096.0;
#endif
}

// Whether the host can tell resident memory: Node can, a browser page cannot (bench/web/host.js),
// and there the memory workload, which also holds 20,000 engine stacks at once, is left out.
static inline int bench_host_measures_resident_memory(void) {
#if defined(__EMSCRIPTEN__)
  return EM_ASM_INT({ return typeof process == 'object' && !isNaN(process.memoryUsage().rss); });
#else
  return 1;
#endif
}

// Lets the JS engine collect what is unreachable first (node --expose-gc), so that memory figures
// are not blurred by garbage from earlier work. Natively nothing to do.
static inline void bench_collect_garbage(void) {
#if defined(__EMSCRIPTEN__)
  EM_ASM({ if (typeof gc == 'function') gc(); });
#endif
}

static inline double bench_linear_memory_bytes(void) {
#if defined(__EMSCRIPTEN__)
  return EM_ASM_DOUBLE({ return HEAP8.length; });
#else
  return 0;
#endif
}

// GC pauses (wasm under Node): between a window's begin and its report, the JS engine's collector
// pauses are counted by bench/report/gc_pauses.js, which every program that calls these must link
// as a --pre-js (without it the call throws: a missing figure would go unnoticed). It prints
// their RESULT lines, per frame, when the program is done. Natively there is no collector.
static inline void bench_gc_window_begin(void) {
#if defined(__EMSCRIPTEN__)
  EM_ASM({ Module['benchGcPauses'].begin(); });
#endif
}

static inline void bench_gc_window_report(const char* workload, const char* impl, const char* params,
                                          double frames) {
#if defined(__EMSCRIPTEN__)
  EM_ASM({ Module['benchGcPauses'].report(UTF8ToString($0), UTF8ToString($1), UTF8ToString($2), $3); },
         workload, impl, params, frames);
#else
  (void)workload, (void)impl, (void)params, (void)frames;
#endif
}

// params: a JSON object body such as "\"fibers\":100" (may be empty).
static inline void bench_result(const char* workload, const char* impl, const char* metric,
                                double value, const char* unit, const char* params) {
  printf("RESULT {\"workload\":\"%s\",\"impl\":\"%s\",\"metric\":\"%s\",\"value\":%.10g,"
         "\"unit\":\"%s\",\"params\":{%s}}\n",
         workload, impl, metric, value, unit, params ? params : "");
  fflush(stdout);
}

static inline int bench_compare_doubles(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

// Sorts `samples` in place.
static inline double bench_median(double* samples, int count) {
  qsort(samples, (size_t)count, sizeof *samples, bench_compare_doubles);
  return count % 2 ? samples[count / 2] : (samples[count / 2 - 1] + samples[count / 2]) / 2;
}

// How every timed micro-benchmark runs (the same in every implementation, so that none is
// measured cold while another is measured warm): one warm-up repeat, whose figure is dropped (it
// pays for first touches: pools and caches filling, JIT tiers, page faults), then the median of
// BENCH_REPEATS repeats (BENCH_QUICK_REPEATS in quick mode, which only checks that it all runs).
enum { BENCH_REPEATS = 5, BENCH_QUICK_REPEATS = 3 };

static inline int bench_repeats(int quick) { return quick ? BENCH_QUICK_REPEATS : BENCH_REPEATS; }

// measure(context) runs the workload once and returns its figure.
typedef double (*bench_measure_fn)(void* context);

static inline double bench_warm_median(bench_measure_fn measure, void* context, int quick) {
  double samples[BENCH_REPEATS];
  const int repeats = bench_repeats(quick);
  (void)measure(context);
  for (int r = 0; r < repeats; ++r) samples[r] = measure(context);
  return bench_median(samples, repeats);
}

#ifdef __cplusplus
// The same for a C++ callable returning the figure.
template <class Measure>
double bench_warm_median(Measure&& measure, bool quick) {
  return bench_warm_median([](void* context) -> double { return (*static_cast<Measure*>(context))(); },
                           static_cast<void*>(&measure), quick ? 1 : 0);
}
#endif

// A CPU-bound kernel for the "compute" workload: an integer hash over a buffer, with calls that
// an instrumenting transform (Asyncify) must consider. Returns a checksum so it is not elided.
static inline unsigned bench_kernel(unsigned seed, int rounds) {
  unsigned h = seed * 2654435761u;
  for (int r = 0; r < rounds; ++r) {
    for (int i = 0; i < 1024; ++i) {
      h ^= (unsigned)i + (h << 6) + (h >> 2);
      h *= 0x9E3779B1u;
    }
  }
  return h;
}
