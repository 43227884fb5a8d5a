// The Taisei-like stage on spool: thousands of short-lived tasks per stage,
// most of them waiting a frame at a time, driven by one Scheduler::tick() per frame. The stage
// itself is bench/taisei/stage.h, shared with the baselines (taisei/asyncify.cpp,
// taisei/raw_jspi.cpp); its per-frame state hash must be the same natively and in wasm.
//
//   spool_taisei [frames (default 3600)] [K (default 1)] [seed (default 1)]
//   spool_taisei --soak SECONDS [K]   stage after stage for that long (at least 10 s), printing
//                                      live fibers, memory and p99 tick time every 5 s; fails
//                                      (exit 1) if fibers stay live after a stage, or if memory
//                                      grows after the first 5 s.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

// Stage after stage for `seconds`: live fibers must return to zero after every stage, and memory
// must not keep growing once the first stages have warmed the pools.
int soak(double seconds, int k) {
  if (seconds < 10) seconds = 10;
  spool::Scheduler scheduler(scheduler_config());
  SpoolHost host(scheduler);
  const double start = bench_now_ns();
  double last_print = start;
  double warm_rss = 0, last_rss = 0;
  std::vector<double> window;
  std::size_t peak_live = 0;
  int stages = 0, failures = 0;
  while ((bench_now_ns() - start) / 1e9 < seconds) {
    Stage stage(host, k, static_cast<std::uint64_t>(stages) + 1);
    taisei::FrameRecorder run(600, false, 0);
    run_stage(scheduler, stage, 600, run);
    window.insert(window.end(), run.tick_ns().begin(), run.tick_ns().end());
    peak_live = run.peak_live();
    ++stages;
    bench_collect_garbage();
    const auto stats = scheduler.stats();
    last_rss = bench_resident_bytes();
    if (stats.live_fibers != 0) {
      std::printf("FAIL: %zu fibers still live after stage %d\n", stats.live_fibers, stages);
      ++failures;
    }
    const double now = bench_now_ns();
    if (now - last_print >= 5e9) {
      std::printf("soak %5.1f s: stage %d, peak live %zu, %.1f MB resident, C stacks %zu KB, engine stacks %u, "
                  "tick p99 %.2f ms\n",
                  (now - start) / 1e9, stages, peak_live, last_rss / 1048576.0, stats.stack_bytes / 1024,
                  stats.engine_stacks_live, taisei::percentile(window, 0.99) / 1e6);
      window.clear();
      last_print = now;
      // The pools, the C heap and the JIT warm up during the first seconds: measure from here.
      if (warm_rss == 0) warm_rss = last_rss;
    }
  }
  // Growth: the C heap and the engine's pools fill during the first stages, then stay.
  if (warm_rss > 0 && last_rss > warm_rss * 1.25 + 8 * 1048576.0) {
    std::printf("FAIL: resident memory grew from %.1f MB (after 5 s) to %.1f MB (stage %d)\n",
                warm_rss / 1048576.0, last_rss / 1048576.0, stages);
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
