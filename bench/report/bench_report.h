// Shared by the benchmark programs (spool, Asyncify baseline; native and wasm): timing and the
// one output format the runner (scripts/bench.sh) reads. Each figure is printed as
//   RESULT {"workload":...,"impl":...,"metric":...,"value":...,"unit":...,"params":{...}}
#pragma once

#include <stdio.h>
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

// params: a JSON object body such as "\"fibers\":100" (may be empty).
static inline void bench_result(const char* workload, const char* impl, const char* metric,
                                double value, const char* unit, const char* params) {
  printf("RESULT {\"workload\":\"%s\",\"impl\":\"%s\",\"metric\":\"%s\",\"value\":%.10g,"
         "\"unit\":\"%s\",\"params\":{%s}}\n",
         workload, impl, metric, value, unit, params ? params : "");
  fflush(stdout);
}

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
