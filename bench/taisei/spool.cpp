// The Taisei-like stage on spool: thousands of short-lived tasks per stage,
// most of them waiting a frame at a time, driven by one Scheduler::tick() per frame. The stage
// itself is bench/taisei/stage.h, shared with the baselines (taisei/emscripten_fiber.cpp,
// taisei/raw_jspi.cpp); its per-frame state hash must be the same natively and in wasm.
//
//   spool_taisei [frames (default 3600)] [K (default 1)] [seed (default 1)]
//   spool_taisei --soak SECONDS [K]   stage after stage for that long (at least 10 s), printing
//                                      live fibers, memory and p99 tick time every 5 s; fails
//                                      (exit 1) if a stage ends with anything of spool's still
//                                      held, if the C heap grows by a leaked fiber's stack per
//                                      stage, or if a stage never reached its mass cancel.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <memory>
#include <utility>
#include <vector>

#include <spool/spool.h>

#include "bench_report.h"
#include "stage.h"

namespace {

#if defined(SPOOL_CONTEXT_ASYNCIFY)
const char* kImpl = "spool_asyncify";  // spool's Asyncify fallback (-DSPOOL_CONTEXT=asyncify)
#elif defined(__EMSCRIPTEN__)
const char* kImpl = "spool";
#else
const char* kImpl = "native";
#endif

// Every task of the stage is small: 4 KiB of C stack (also the Scheduler's default, for the
// stage task).
constexpr std::size_t kTaskStackBytes = 4096;

// The stage's host on spool: tasks are fibers, frames are Scheduler::tick()s, an entity binding
// is FiberOptions::bound_to, a mass cancel is Fiber::cancel().
class SpoolHost {
 public:
  using Handle = spool::Fiber;

  explicit SpoolHost(spool::Scheduler& scheduler) : scheduler_(scheduler) {}

  template <class F>
  Handle spawn(F&& body, std::weak_ptr<void> bound_to) {
    spool::FiberOptions options;
    options.stack_size = kTaskStackBytes;
    options.bound_to = std::move(bound_to);
    return scheduler_.spawn(std::forward<F>(body), options);
  }
  template <class F>
  void spawn_detached(F&& body) {
    scheduler_.spawn(std::forward<F>(body), small()).detach();
  }
  template <class F>
  void spawn_child(F&& body) {
    spool::this_fiber::spawn_child(std::forward<F>(body), small());  // the dropped handle detaches
  }
  bool wait_frames(int frames) {
    return spool::this_fiber::wait_frames(static_cast<std::uint64_t>(frames)) == spool::Status::ok;
  }
  bool finished(const Handle& task) const { return task.state() == spool::FiberState::finished; }
  void cancel(Handle& task) { task.cancel(); }

 private:
  static spool::FiberOptions small() {
    spool::FiberOptions options;
    options.stack_size = kTaskStackBytes;
    return options;
  }
  spool::Scheduler& scheduler_;
};

using Stage = taisei::Stage<SpoolHost>;

spool::Scheduler::Config scheduler_config() {
  spool::Scheduler::Config config;
  config.default_stack_size = kTaskStackBytes;
  return config;
}

// Runs one stage on `scheduler` until every task it started has finished.
void run_stage(spool::Scheduler& scheduler, Stage& stage, int frames, taisei::FrameRecorder& run) {
  taisei::run_stage(stage, frames, run, [&] { scheduler.tick(); }, [&] { return scheduler.stats().live_fibers; });
}

// Bytes of the C heap in use (malloc'd and not freed). In wasm that heap holds the fibers' C stacks
// (StackPool allocates them there) as well as spool's records and queues.
double heap_bytes_in_use() {
#if defined(__EMSCRIPTEN__)
  return static_cast<double>(mallinfo().uordblks);
#else
  return static_cast<double>(mallinfo2().uordblks);
#endif
}

// Stage after stage for `seconds`. A stage is 1,200 frames, so that it reaches the mass cancel at
// frame 600 (the stage ticks on until its last task has ended). After every stage:
//  - exact: no fiber live, no C stack in use, every engine stack parked; after trim_caches(),
//    no C stack cached or reserved and no engine stack left at all;
//  - the C heap, after the first kWarmStages stages (spool's queues reach their high-water marks),
//    must grow by less than half a task's C stack per stage on average: a leak of one fiber's
//    stacks per stage breaks it (and fails the exact checks first if spool still counts them);
//  - the stage must have cancelled tasks in its mass cancel.
// Resident memory is printed for a person to read; it moves by megabytes with V8's heap sizing,
// far more than a leak of this size, so it is not what fails the soak.
int soak(double seconds, int k) {
  constexpr int kStageFrames = 1200;
  constexpr int kWarmStages = 3;
  if (seconds < 10) seconds = 10;
  spool::Scheduler scheduler(scheduler_config());
  SpoolHost host(scheduler);
  const double start = bench_now_ns();
  double last_print = start;
  double warm_heap = 0, last_heap = 0, last_rss = 0;
  std::vector<double> window;
  window.reserve(1 << 18);  // allocated once: its growth must not show as heap growth
  std::size_t peak_live = 0;
  int stages = 0, failures = 0;
  const auto fail = [&](const char* what, double a, double b) {
    std::printf("FAIL: stage %d: %s (%.0f, %.0f)\n", stages, what, a, b);
    ++failures;
  };
  while ((bench_now_ns() - start) / 1e9 < seconds || stages < kWarmStages + 5) {
    std::uint64_t cancelled = 0;
    {
      Stage stage(host, k, static_cast<std::uint64_t>(stages) + 1);
      taisei::FrameRecorder run(kStageFrames, false, 0);
      run_stage(scheduler, stage, kStageFrames, run);
      if (window.size() + run.tick_ns().size() <= window.capacity()) {
        window.insert(window.end(), run.tick_ns().begin(), run.tick_ns().end());
      }
      peak_live = run.peak_live();
      cancelled = stage.mass_cancelled();
    }
    ++stages;
    bench_collect_garbage();
    const auto stats = scheduler.stats();
    if (cancelled == 0) fail("the stage never reached its mass cancel", 0, 0);
    if (stats.live_fibers != 0) fail("fibers still live after the stage", stats.live_fibers, 0);
    if (stats.stacks_in_use != 0) fail("C stacks still in use after the stage", stats.stacks_in_use, 0);
    if (stats.engine_stacks_live != stats.engine_stacks_parked) {
      fail("engine stacks not parked after the stage (live, parked)", stats.engine_stacks_live,
           stats.engine_stacks_parked);
    }
    scheduler.trim_caches();
    const auto trimmed = scheduler.stats();
    if (trimmed.stacks_cached != 0 || trimmed.stack_bytes != 0) {
      fail("C stacks left after trim_caches() (cached, bytes)", trimmed.stacks_cached, trimmed.stack_bytes);
    }
    // In wasm an engine stack let go ends in a promise callback (until then it counts as live),
    // and frees its C frame there: let the event loop run those before counting engine stacks and
    // reading the heap (a short sleep parks main on the event loop).
    spool::this_fiber::sleep_for(std::chrono::milliseconds(1));
    const auto settled = scheduler.stats();
    if (settled.engine_stacks_live != 0) {
      fail("engine stacks left after trim_caches()", settled.engine_stacks_live, 0);
    }
    last_heap = heap_bytes_in_use();
    last_rss = bench_resident_bytes();
    if (stages == kWarmStages) warm_heap = last_heap;
    const double now = bench_now_ns();
    if (now - last_print >= 5e9) {
      std::printf("soak %5.1f s: stage %d, peak live %zu, mass-cancelled %llu, C heap %.1f KB, %.1f MB resident, "
                  "tick p99 %.2f ms\n",
                  (now - start) / 1e9, stages, peak_live, static_cast<unsigned long long>(cancelled),
                  last_heap / 1024.0, last_rss / 1048576.0, taisei::percentile(window, 0.99) / 1e6);
      window.clear();
      last_print = now;
    }
  }
  // Less than half a task's C stack per stage since warm-up: one leaked stack per stage is twice that.
  const int measured = stages - kWarmStages;
  const double allowed = measured * static_cast<double>(kTaskStackBytes) / 2;
  std::printf("C heap: %.0f bytes after stage %d, %.0f after stage %d (%+.0f; at most %+.0f allowed)\n",
              warm_heap, kWarmStages, last_heap, stages, last_heap - warm_heap, allowed);
  if (last_heap - warm_heap >= allowed) {
    std::printf("FAIL: the C heap grew by %.0f bytes over %d stages\n", last_heap - warm_heap, measured);
    ++failures;
  }
  std::printf("%s after %d stages: %d failures\n", failures ? "soak FAILED" : "soak passed", stages, failures);
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::strcmp(argv[1], "--soak") == 0) {
    return soak(std::atof(argv[2]), argc > 3 ? std::atoi(argv[3]) : 1);
  }
  const int frames = argc > 1 ? std::atoi(argv[1]) : 3600;
  const int k = argc > 2 ? std::atoi(argv[2]) : 1;
  const unsigned long long seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;

  spool::Scheduler scheduler(scheduler_config());
  SpoolHost host(scheduler);
  Stage stage(host, k, seed);
  taisei::FrameRecorder run(frames, true, bench_resident_bytes());
  run_stage(scheduler, stage, frames, run);
  const auto stats = scheduler.stats();
  taisei::report(kImpl, k, frames, seed, run, {static_cast<double>(stats.switches), stats.spawns},
                 stage.state_updates(), stage.hash());
  return 0;
}
