// A Taisei-like stage (issue 5, workload 6): thousands of short-lived tasks per stage, most of
// them waiting a frame at a time, driven by one Scheduler::tick() per frame. Deterministic (a
// fixed seed, our own PRNG: std distributions differ between standard libraries), so the
// per-frame state hash must be the same natively and in wasm.
//
//   spool_taisei [frames (default 3600)] [K (default 1)] [seed (default 1)]
//   spool_taisei --soak SECONDS [K]   stage after stage for that long (at least 10 s), printing
//                                      live fibers, memory and p99 tick time every 5 s; fails
//                                      (exit 1) if fibers stay live after a stage, or if memory
//                                      grows after the first 5 s.
//
// What a stage does, per the issue (K scales it; K = 1 is a heavy stage, ~1,500 live tasks):
//  - a stage task that yields every frame and spawns everything below;
//  - bursts: every 200 frames, for 30 frames, 4K bullets per frame; each moves 42 frames, waits
//    42, then moves for 100-400 frames;
//  - a stream: every 2 frames, 3K bullets, each with a child that waits 5 frames in a loop (the
//    child dies with its bullet);
//  - every 4 frames, 8K-14K tasks that live 200-300 frames;
//  - recursive spawners 4 tiers deep whose children die with their parent;
//  - each frame 1-2% of the bullets lose their entity (bound_to expires: cancelled at the tick);
//  - every 600 frames, a mass cancel of 1,000-3,000 tasks in one tick.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include <spool/spool.h>

#include "bench_report.h"

namespace {

#if defined(__EMSCRIPTEN__)
const char* kImpl = "spool";
#else
const char* kImpl = "native";
#endif
using spool::Status;
namespace this_fiber = spool::this_fiber;

// splitmix64: the same numbers on every platform.
struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int between(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1)); }
};

struct Stage {
  int k = 1;
  Rng rng{1};
  std::uint64_t hash = 1469598103934665603ull;  // FNV offset
  std::uint64_t next_task = 0;
  std::vector<std::shared_ptr<int>> entities;   // what bullets are bound to
  std::vector<spool::Fiber> cancellable;         // tasks a mass cancel may hit

  // Every task mixes what it does into the hash, in the order the scheduler runs it.
  void mix(std::uint64_t task, std::uint64_t value) {
    hash ^= task * 0x100000001B3ull + value;
    hash *= 0x100000001B3ull;
  }
};

Stage* g_stage = nullptr;

// Moves for `frames` frames (one wait each); false once cancelled.
bool move_for(std::uint64_t id, int frames) {
  for (int f = 0; f < frames; ++f) {
    if (this_fiber::wait_frames(1) != Status::ok) return false;
    g_stage->mix(id, static_cast<std::uint64_t>(f));
  }
  return true;
}

spool::FiberOptions bound_to_new_entity() {
  auto entity = std::make_shared<int>(0);
  g_stage->entities.push_back(entity);
  spool::FiberOptions options;
  options.bound_to = entity;
  options.stack_size = 4096;
  return options;
}

void burst_bullet(int lifetime) {
  const std::uint64_t id = ++g_stage->next_task;
  if (!move_for(id, 42)) return;
  if (this_fiber::wait_frames(42) != Status::ok) return;
  move_for(id, lifetime);
}

void stream_bullet(int lifetime) {
  const std::uint64_t id = ++g_stage->next_task;
  spool::FiberOptions child;
  child.stack_size = 4096;
  this_fiber::spawn_child([id] {
    for (std::uint64_t n = 0; this_fiber::wait_frames(5) == Status::ok; ++n) g_stage->mix(id, n);
  }, child);
  move_for(id, lifetime);
}

void spawner(int tier, int lifetime) {
  const std::uint64_t id = ++g_stage->next_task;
  spool::FiberOptions child;
  child.stack_size = 4096;
  if (tier < 4) {
    const int children = g_stage->rng.between(2, 3);
    for (int c = 0; c < children; ++c) {
      const int child_life = g_stage->rng.between(30, 90);
      this_fiber::spawn_child([tier, child_life] { spawner(tier + 1, child_life); }, child);
    }
  }
  move_for(id, lifetime);  // its children are cancelled when it ends
}

void stage_task(int frames) {
  Stage& s = *g_stage;
  spool::FiberOptions small;
  small.stack_size = 4096;
  for (int frame = 0; frame < frames; ++frame) {
    if (frame % 200 < 30) {
      for (int i = 0; i < 4 * s.k; ++i) {
        const int lifetime = s.rng.between(100, 400);
        s.cancellable.push_back(spool::spawn([lifetime] { burst_bullet(lifetime); }, bound_to_new_entity()));
      }
    }
    if (frame % 2 == 0) {
      for (int i = 0; i < 3 * s.k; ++i) {
        const int lifetime = s.rng.between(120, 240);
        s.cancellable.push_back(spool::spawn([lifetime] { stream_bullet(lifetime); }, bound_to_new_entity()));
      }
    }
    if (frame % 4 == 0) {
      const int count = s.rng.between(8, 14) * s.k;
      for (int i = 0; i < count; ++i) {
        const int lifetime = s.rng.between(200, 300);
        s.cancellable.push_back(spool::spawn([lifetime] { move_for(++g_stage->next_task, lifetime); }, small));
      }
    }
    if (frame % 60 == 0) {
      for (int i = 0; i < s.k; ++i) {
        const int lifetime = s.rng.between(120, 240);
        spool::spawn([lifetime] { spawner(1, lifetime); }, small).detach();
      }
    }
    // 1-2% of the entities die: their bullets are cancelled at the next tick.
    const std::size_t dying = s.entities.size() * static_cast<std::size_t>(s.rng.between(10, 20)) / 1000;
    for (std::size_t i = 0; i < dying && !s.entities.empty(); ++i) {
      const std::size_t victim = s.rng.next() % s.entities.size();
      s.entities[victim] = s.entities.back();
      s.entities.pop_back();
    }
    if (frame > 0 && frame % 600 == 0) {
      // A mass cancel (a boss phase ends): 1,000-3,000 tasks in one tick.
      int budget = s.rng.between(1000, 3000);
      for (auto& task : s.cancellable) {
        if (budget == 0) break;
        if (task.state() == spool::FiberState::finished) continue;
        task.cancel();
        --budget;
      }
    }
    // Forget finished handles now and then.
    if (frame % 64 == 0) {
      auto& c = s.cancellable;
      c.erase(std::remove_if(c.begin(), c.end(), [](const spool::Fiber& f) {
                return f.state() == spool::FiberState::finished;
              }), c.end());
    }
    s.mix(0, static_cast<std::uint64_t>(frame));
    if (this_fiber::wait_frames(1) != Status::ok) return;
  }
}

// Runs one stage on `scheduler` until every task it started has finished. Returns the tick times.
std::vector<double> run_stage(spool::Scheduler& scheduler, Stage& stage, int frames, std::size_t* peak_live,
                              double* peak_rss, bool verbose) {
  g_stage = &stage;
  scheduler.spawn([frames] { stage_task(frames); }).detach();
  std::vector<double> tick_ns;
  tick_ns.reserve(static_cast<std::size_t>(frames) + 400);
  int frame = 0;
  // Until the stage ends and every task it left has finished (at most ~400 frames more).
  while (frame < frames || scheduler.stats().live_fibers > 0) {
    const double start = bench_now_ns();
    scheduler.tick();
    tick_ns.push_back(bench_now_ns() - start);
    const auto stats = scheduler.stats();
    *peak_live = std::max(*peak_live, stats.live_fibers);
    if (frame % 60 == 0) *peak_rss = std::max(*peak_rss, bench_resident_bytes());
    if (verbose && frame % 600 == 0) {
      std::printf("frame %d: %zu live tasks, state hash %016llx\n", frame, stats.live_fibers,
                  static_cast<unsigned long long>(stage.hash));
    }
    ++frame;
    if (frame > frames + 1000) break;  // a stage that never ends is a bug, not a hang
  }
  stage.entities.clear();
  stage.cancellable.clear();
  return tick_ns;
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

// Stage after stage for `seconds`: live fibers must return to zero after every stage, and memory
// must not keep growing once the first stages have warmed the pools.
int soak(double seconds, int k) {
  if (seconds < 10) seconds = 10;
  spool::Scheduler::Config config;
  config.default_stack_size = 4096;
  spool::Scheduler scheduler(config);
  const double start = bench_now_ns();
  double last_print = start;
  double warm_rss = 0, last_rss = 0;
  std::vector<double> window;
  int stages = 0, failures = 0;
  while ((bench_now_ns() - start) / 1e9 < seconds) {
    Stage stage;
    stage.k = k;
    stage.rng.state = static_cast<std::uint64_t>(stages) + 1;
    std::size_t peak_live = 0;
    double peak_rss = 0;
    std::vector<double> ticks = run_stage(scheduler, stage, 600, &peak_live, &peak_rss, false);
    window.insert(window.end(), ticks.begin(), ticks.end());
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
                  stats.engine_stacks_live, percentile(window, 0.99) / 1e6);
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
  Stage stage;
  stage.k = argc > 2 ? std::atoi(argv[2]) : 1;
  const unsigned long long seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  stage.rng.state = seed;

  spool::Scheduler::Config config;
  config.default_stack_size = 4096;
  spool::Scheduler scheduler(config);
  std::size_t peak_live = 0;
  double peak_rss = bench_resident_bytes();
  const std::vector<double> tick_ns = run_stage(scheduler, stage, frames, &peak_live, &peak_rss, true);
  const auto stats = scheduler.stats();
  const double frame_count = static_cast<double>(tick_ns.size());
  char params[96];
  std::snprintf(params, sizeof params, "\"K\":%d,\"frames\":%d,\"seed\":%llu", stage.k, frames, seed);
  bench_result("taisei", kImpl, "tick_p50", percentile(tick_ns, 0.5) / 1e6, "ms", params);
  bench_result("taisei", kImpl, "tick_p99", percentile(tick_ns, 0.99) / 1e6, "ms", params);
  bench_result("taisei", kImpl, "switches_per_frame", static_cast<double>(stats.switches) / frame_count, "switches", params);
  bench_result("taisei", kImpl, "spawns", static_cast<double>(stats.spawns), "tasks", params);
  bench_result("taisei", kImpl, "peak_live_tasks", static_cast<double>(peak_live), "tasks", params);
  bench_result("taisei", kImpl, "peak_resident_memory", peak_rss / (1024.0 * 1024.0), "MiB", params);
  // The hash as two exact halves (a double holds 53 bits).
  bench_result("taisei", kImpl, "state_hash_high", static_cast<double>(stage.hash >> 32), "hash", params);
  bench_result("taisei", kImpl, "state_hash_low", static_cast<double>(stage.hash & 0xffffffffu), "hash", params);
  std::printf("final state hash %016llx after %.0f frames\n", static_cast<unsigned long long>(stage.hash), frame_count);
  return 0;
}
