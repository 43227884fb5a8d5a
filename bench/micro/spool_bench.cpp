// spool's side of the benchmarks, built natively (impl "native") and for wasm (impl
// "spool"): switch rings, short-lived spawns, call depth, memory per suspended fiber, compute
// inside and outside a fiber. Prints RESULT lines (bench_report.h); scripts/bench.sh runs it.
// Every timed figure is the median of repeats after a warm-up one (bench_warm_median).
//   spool_bench [quick]
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <spool/spool.h>

#include "bench_report.h"

namespace {

#if defined(SPOOL_CONTEXT_ASYNCIFY)
const char* kImpl = "spool_asyncify";  // spool's Asyncify fallback (-DSPOOL_CONTEXT=asyncify)
#elif defined(__EMSCRIPTEN__)
const char* kImpl = "spool";
#else
const char* kImpl = "native";
#endif
namespace this_fiber = spool::this_fiber;
bool g_quick = false;

// Appended piece by piece: g++ 12 warns falsely (-Wrestrict) on the same chain of operator+.
std::string param(const char* name, long long value) {
  std::string text = "\"";
  text.append(name).append("\":").append(std::to_string(value));
  return text;
}

// N fibers, each yielding `rounds` times: every switch goes fiber to fiber. ns per switch.
double switch_ring_once(int fibers) {
  const int rounds = g_quick ? 20 : (fibers <= 100 ? 200000 / fibers : 50);
  spool::Scheduler::Config config;
  config.default_stack_size = 16 * 1024;
  spool::Scheduler scheduler(config);
  for (int i = 0; i < fibers; ++i) {
    scheduler.spawn([rounds] {
      for (int r = 0; r < rounds; ++r) this_fiber::yield();
    });
  }
  this_fiber::yield();  // every fiber has started: engine stack creation stays out of the timing
  const auto before = scheduler.stats().switches;
  const double start = bench_now_ns();
  while (scheduler.stats().live_fibers > 0) this_fiber::yield();
  const double elapsed = bench_now_ns() - start;
  return elapsed / static_cast<double>(scheduler.stats().switches - before);
}

void switch_ring(int fibers) {
  bench_result("switch", kImpl, "ns_per_switch", bench_warm_median([fibers] { return switch_ring_once(fibers); }, g_quick),
               "ns", param("fibers", fibers).c_str());
}

// Short-lived fibers (spawn, yield once, finish), `live` at a time, after one warm-up wave: ns
// per fiber.
double spawn_waves_once(int live) {
  const int waves = g_quick ? 3 : 40;
  spool::Scheduler scheduler;
  long long finished = 0;
  std::vector<spool::Fiber> wave;
  wave.reserve(live);
  auto run_wave = [&] {
    for (int i = 0; i < live; ++i) {
      wave.push_back(scheduler.spawn([&finished] {
        this_fiber::yield();
        ++finished;
      }));
    }
    for (auto& f : wave) f.join();
    wave.clear();
  };
  run_wave();  // warm-up: the pools fill once
  const double start = bench_now_ns();
  for (int w = 0; w < waves; ++w) run_wave();
  return (bench_now_ns() - start) / (static_cast<double>(waves) * live);
}

void spawn_waves(int live) {
  bench_result("spawn", kImpl, "ns_per_fiber", bench_warm_median([live] { return spawn_waves_once(live); }, g_quick),
               "ns", param("live", live).c_str());
}

// A call chain `depth` frames deep with a live local in each frame, that switches at the bottom.
int __attribute__((noinline)) at_depth(int depth, volatile int* sink, int rounds) {
  volatile int local = depth;
  if (depth > 1) return at_depth(depth - 1, sink, rounds) + local;
  for (int r = 0; r < rounds; ++r) this_fiber::yield();
  *sink = local;
  return local;
}

// Main <-> one fiber whose switch happens `depth` calls deep: ns per round trip (2 switches).
double depth_round_trip_once(int depth) {
  const int rounds = g_quick ? 1000 : 100000;
  spool::Scheduler scheduler;
  volatile int sink = 0;
  auto f = scheduler.spawn([&] { at_depth(depth, &sink, rounds); });
  this_fiber::yield();  // started, at depth
  const double start = bench_now_ns();
  for (int r = 0; r < rounds; ++r) this_fiber::yield();
  const double elapsed = bench_now_ns() - start;
  f.join();
  return elapsed / rounds;
}

void depth_round_trip(int depth) {
  bench_result("depth", kImpl, "ns_per_round_trip",
               bench_warm_median([depth] { return depth_round_trip_once(depth); }, g_quick), "ns",
               param("depth", depth).c_str());
}

// `count` fibers suspended at once: memory per fiber.
void memory_per_fiber(int count) {
  spool::Scheduler::Config config;
  config.max_live_fibers = static_cast<std::size_t>(count);
  config.max_parked_engine_stacks = 0;
  spool::Scheduler scheduler(config);
  scheduler.trim_caches();  // what earlier workloads cached is not this one's
  bench_collect_garbage();
  const double rss_before = bench_resident_bytes();
  const double linear_before = bench_linear_memory_bytes();
  const double stacks_before = static_cast<double>(scheduler.stats().stack_bytes);
  bool release = false;
  for (int i = 0; i < count; ++i) {
    scheduler.spawn([&release] {
      while (!release) this_fiber::yield();
    });
  }
  this_fiber::yield();
  bench_collect_garbage();
  const auto stats = scheduler.stats();
  const std::string p = param("fibers", count);
  bench_result("memory", kImpl, "resident_bytes_per_fiber", (bench_resident_bytes() - rss_before) / count,
               "bytes", p.c_str());
#if defined(__EMSCRIPTEN__)
  bench_result("memory", kImpl, "linear_memory_bytes_per_fiber",
               (bench_linear_memory_bytes() - linear_before) / count, "bytes", p.c_str());
#else
  (void)linear_before;
#endif
  bench_result("memory", kImpl, "c_stack_bytes_reserved_per_fiber",
               (static_cast<double>(stats.stack_bytes) - stacks_before) / count, "bytes", p.c_str());
  release = true;
}

// The same kernel outside any fiber (main) and inside one: ns per kernel round.
void compute() {
  const int rounds = g_quick ? 200 : 20000;
  volatile unsigned sink = 0;
  const double outside = bench_warm_median([&] {
    const double start = bench_now_ns();
    sink = bench_kernel(1, rounds);
    return (bench_now_ns() - start) / rounds;
  }, g_quick);
  spool::Scheduler scheduler;
  const double inside = bench_warm_median([&] {
    double elapsed = 0;
    scheduler.spawn([&] {
      const double start = bench_now_ns();
      sink = bench_kernel(1, rounds);
      elapsed = bench_now_ns() - start;
    }).join();
    return elapsed / rounds;
  }, g_quick);
  (void)sink;
  bench_result("compute", kImpl, "ns_per_kernel_round", inside, "ns", "\"where\":\"fiber\"");
  bench_result("compute", kImpl, "ns_per_kernel_round", outside, "ns", "\"where\":\"outside\"");
}

}  // namespace

int main(int argc, char** argv) {
  g_quick = argc > 1 && std::strcmp(argv[1], "quick") == 0;
  if (bench_host_measures_resident_memory())
    for (int n : {1000, 20000}) memory_per_fiber(n);  // first: on a process with nothing cached
  for (int n : {2, 100, 1000, 4000, 10000}) switch_ring(n);
  spawn_waves(1000);
  for (int d : {1, 16, 64}) depth_round_trip(d);
  compute();
  return 0;
}
