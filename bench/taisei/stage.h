// The Taisei-like stage, written once for every implementation that runs
// it: spool natively and in wasm (spool.cpp), and the baselines: <emscripten/fiber.h> alone
// (emscripten_fiber.cpp: on Emscripten's Asyncify fibers, and with koishi's recycling on Asyncify
// and on spool's emscripten_fiber layer) and bare JSPI (raw_jspi.cpp). Only the host differs: how
// a task is spawned, waits for frames and is cancelled.
//
// Deterministic (a fixed seed, our own PRNG: std distributions differ between standard
// libraries): the per-frame state hash is the same natively and in wasm. Every task mixes what it
// does into the hash in the order it runs, so the hash also shows whether two hosts run tasks in
// the same order; the counts (spawns, state updates) show whether they did the same work.
//
// What a stage does, per the issue (K scales it; K = 1 is already a heavy stage):
//  - a stage task that yields every frame and spawns everything below;
//  - bursts: every 200 frames, for 30 frames, 4K bullets per frame; each moves 42 frames, waits
//    42, then moves for 100-400 frames;
//  - a stream: every 2 frames, 3K bullets, each with a child that waits 5 frames in a loop (the
//    child dies with its bullet);
//  - every 4 frames, 8K-14K tasks that live 200-300 frames;
//  - recursive spawners 4 tiers deep whose children die with their parent;
//  - each frame 1-2% of the bullets lose their entity (bound to it: cancelled at the next tick);
//  - every 600 frames, a mass cancel of 1,000-3,000 tasks in one tick.
//
// A host provides (see SpoolHost in taisei.cpp for the reference):
//   typename Host::Handle                            what a mass cancel keeps of a task
//   Handle spawn(F body, std::weak_ptr<void> bound)  a task; bound: cancelled at the first frame
//                                                    after that object is gone (empty: unbound)
//   void spawn_detached(F body)                      a task nobody keeps
//   void spawn_child(F body)                         a child of the running task: cancelled when
//                                                    its parent ends
//   bool wait_frames(int frames)                     frames >= 1; false (at once, or when woken)
//                                                    once the running task is cancelled
//   bool finished(const Handle&) const, void cancel(Handle&)
// New tasks first run at the next frame's tick, in spawn order, before the tasks that frame wakes
// (spool's order); a task woken by a cancellation also runs at the next tick.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <utility>
#include <vector>

#include "bench_report.h"

namespace taisei {

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

// The longest wait_frames() the stage asks for: hosts that keep one wake list per frame size their
// ring of lists from it.
inline constexpr int kLongestWait = 42;

template <class Host>
class Stage {
 public:
  using Handle = typename Host::Handle;

  Stage(Host& host, int k, std::uint64_t seed) : host_(host), k_(k), rng_{seed} {}
  Stage(const Stage&) = delete;
  Stage& operator=(const Stage&) = delete;

  // Spawns the stage task; the host's frame loop does the rest.
  void start(int frames) {
    host_.spawn_detached([this, frames] { stage_task(frames); });
  }

  std::uint64_t hash() const { return hash_; }
  // Tasks cancelled by the mass cancels (every 600 frames) so far: the soak checks that its
  // stages are long enough to reach one.
  std::uint64_t mass_cancelled() const { return mass_cancelled_; }
  // Order-independent: how many times a task did its frame's work (each mixes into the hash once).
  std::uint64_t state_updates() const { return state_updates_; }

  // Once every task has ended: drops the entities and the handles.
  void clear() {
    entities_.clear();
    cancellable_.clear();
  }

 private:
  // Every task mixes what it does into the hash, in the order the host runs it.
  void mix(std::uint64_t task, std::uint64_t value) {
    hash_ ^= task * 0x100000001B3ull + value;
    hash_ *= 0x100000001B3ull;
    ++state_updates_;
  }

  // Moves for `frames` frames (one wait each); false once cancelled.
  bool move_for(std::uint64_t id, int frames) {
    for (int f = 0; f < frames; ++f) {
      if (!host_.wait_frames(1)) return false;
      mix(id, static_cast<std::uint64_t>(f));
    }
    return true;
  }

  // What a bullet is bound to: dies at random, which cancels the bullet.
  std::weak_ptr<void> new_entity() {
    auto entity = std::make_shared<int>(0);
    entities_.push_back(entity);
    return entity;
  }

  void burst_bullet(int lifetime) {
    const std::uint64_t id = ++next_task_;
    if (!move_for(id, 42)) return;
    if (!host_.wait_frames(42)) return;
    move_for(id, lifetime);
  }

  void stream_bullet(int lifetime) {
    const std::uint64_t id = ++next_task_;
    host_.spawn_child([this, id] {
      for (std::uint64_t n = 0; host_.wait_frames(5); ++n) mix(id, n);
    });
    move_for(id, lifetime);
  }

  void spawner(int tier, int lifetime) {
    const std::uint64_t id = ++next_task_;
    if (tier < 4) {
      const int children = rng_.between(2, 3);
      for (int c = 0; c < children; ++c) {
        const int child_life = rng_.between(30, 90);
        host_.spawn_child([this, tier, child_life] { spawner(tier + 1, child_life); });
      }
    }
    move_for(id, lifetime);  // its children are cancelled when it ends
  }

  void stage_task(int frames) {
    for (int frame = 0; frame < frames; ++frame) {
      if (frame % 200 < 30) {
        for (int i = 0; i < 4 * k_; ++i) {
          const int lifetime = rng_.between(100, 400);
          cancellable_.push_back(host_.spawn([this, lifetime] { burst_bullet(lifetime); }, new_entity()));
        }
      }
      if (frame % 2 == 0) {
        for (int i = 0; i < 3 * k_; ++i) {
          const int lifetime = rng_.between(120, 240);
          cancellable_.push_back(host_.spawn([this, lifetime] { stream_bullet(lifetime); }, new_entity()));
        }
      }
      if (frame % 4 == 0) {
        const int count = rng_.between(8, 14) * k_;
        for (int i = 0; i < count; ++i) {
          const int lifetime = rng_.between(200, 300);
          cancellable_.push_back(
              host_.spawn([this, lifetime] { move_for(++next_task_, lifetime); }, std::weak_ptr<void>()));
        }
      }
      if (frame % 60 == 0) {
        for (int i = 0; i < k_; ++i) {
          const int lifetime = rng_.between(120, 240);
          host_.spawn_detached([this, lifetime] { spawner(1, lifetime); });
        }
      }
      // 1-2% of the entities die: their bullets are cancelled at the next tick.
      const std::size_t dying = entities_.size() * static_cast<std::size_t>(rng_.between(10, 20)) / 1000;
      for (std::size_t i = 0; i < dying && !entities_.empty(); ++i) {
        const std::size_t victim = rng_.next() % entities_.size();
        entities_[victim] = entities_.back();
        entities_.pop_back();
      }
      if (frame > 0 && frame % 600 == 0) {
        // A mass cancel (a boss phase ends): 1,000-3,000 tasks in one tick.
        int budget = rng_.between(1000, 3000);
        for (auto& task : cancellable_) {
          if (budget == 0) break;
          if (host_.finished(task)) continue;
          host_.cancel(task);
          ++mass_cancelled_;
          --budget;
        }
      }
      // Forget finished handles now and then.
      if (frame % 64 == 0) {
        cancellable_.erase(std::remove_if(cancellable_.begin(), cancellable_.end(),
                                          [this](const Handle& task) { return host_.finished(task); }),
                           cancellable_.end());
      }
      mix(0, static_cast<std::uint64_t>(frame));
      if (!host_.wait_frames(1)) return;
    }
  }

  Host& host_;
  int k_;
  Rng rng_;
  std::uint64_t hash_ = 1469598103934665603ull;  // FNV offset
  std::uint64_t state_updates_ = 0;
  std::uint64_t next_task_ = 0;
  std::uint64_t mass_cancelled_ = 0;
  std::vector<std::shared_ptr<int>> entities_;  // what bullets are bound to
  std::vector<Handle> cancellable_;             // tasks a mass cancel may hit
};

inline double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

// What every implementation measures per frame, and when its frame loop stops: once the stage's
// frames are done and every task it started has finished (at most ~400 frames more; a stage still
// running 1,000 frames after its end is a bug, not a hang).
class FrameRecorder {
 public:
  // The run starts: so does the window of its GC pauses (reported with its figures, by report()).
  FrameRecorder(int frames, bool verbose, double initial_peak_rss)
      : frames_(frames), verbose_(verbose), peak_rss_(initial_peak_rss) {
    tick_ns_.reserve(static_cast<std::size_t>(frames) + 400);
    bench_gc_window_begin();
  }

  // After each tick: how long it took and how many tasks are live. Returns whether to tick again.
  bool record(double tick_ns, std::size_t live_tasks, std::uint64_t hash) {
    tick_ns_.push_back(tick_ns);
    peak_live_ = std::max(peak_live_, live_tasks);
    if (frame_ % 60 == 0) peak_rss_ = std::max(peak_rss_, bench_resident_bytes());
    if (verbose_ && frame_ % 600 == 0) {
      std::printf("frame %d: %zu live tasks, state hash %016llx\n", frame_, live_tasks,
                  static_cast<unsigned long long>(hash));
    }
    ++frame_;
    return frame_ <= frames_ + 1000 && (frame_ < frames_ || live_tasks > 0);
  }

  const std::vector<double>& tick_ns() const { return tick_ns_; }
  std::size_t peak_live() const { return peak_live_; }
  double peak_rss() const { return peak_rss_; }

 private:
  int frames_;
  bool verbose_;
  int frame_ = 0;
  std::vector<double> tick_ns_;
  std::size_t peak_live_ = 0;
  double peak_rss_;
};

// What the host counted over the run.
struct HostCounts {
  double task_switches;  // spool: its context switches; baselines: task resumptions (starts too)
  std::uint64_t spawns;  // tasks spawned, the stage task included
};

// Starts `stage` and ticks until `run` says stop (the frames are done and every task the stage
// started has finished), timing each tick; then drops what the stage still holds.
template <class Host, class Tick, class LiveTasks>
void run_stage(Stage<Host>& stage, int frames, FrameRecorder& run, Tick tick, LiveTasks live_tasks) {
  stage.start(frames);
  for (bool again = true; again;) {
    const double start = bench_now_ns();
    tick();
    again = run.record(bench_now_ns() - start, live_tasks(), stage.hash());
  }
  stage.clear();
}

// The RESULT lines (bench_report.h) of one run, and the final hash line.
inline void report(const char* impl, int k, int frames, unsigned long long seed, const FrameRecorder& run,
                   const HostCounts& counts, std::uint64_t state_updates, std::uint64_t hash) {
  const std::vector<double>& tick_ns = run.tick_ns();
  const double frame_count = static_cast<double>(tick_ns.size());
  char params[96];
  std::snprintf(params, sizeof params, "\"K\":%d,\"frames\":%d,\"seed\":%llu", k, frames, seed);
  bench_result("taisei", impl, "tick_p50", percentile(tick_ns, 0.5) / 1e6, "ms", params);
  bench_result("taisei", impl, "tick_p99", percentile(tick_ns, 0.99) / 1e6, "ms", params);
  double total_ns = 0;
  for (double ns : tick_ns) total_ns += ns;
  bench_result("taisei", impl, "tick_total", total_ns / 1e6, "ms", params);
  bench_result("taisei", impl, "switches_per_frame", counts.task_switches / frame_count, "switches", params);
  bench_result("taisei", impl, "spawns", static_cast<double>(counts.spawns), "tasks", params);
  bench_result("taisei", impl, "state_updates", static_cast<double>(state_updates), "updates", params);
  bench_result("taisei", impl, "frames_run", frame_count, "frames", params);
  bench_result("taisei", impl, "peak_live_tasks", static_cast<double>(run.peak_live()), "tasks", params);
  bench_result("taisei", impl, "peak_resident_memory", run.peak_rss() / (1024.0 * 1024.0), "MiB", params);
  // The hash as two exact halves (a double holds 53 bits).
  bench_result("taisei", impl, "state_hash_high", static_cast<double>(hash >> 32), "hash", params);
  bench_result("taisei", impl, "state_hash_low", static_cast<double>(hash & 0xffffffffu), "hash", params);
  bench_gc_window_report("taisei", impl, params, frame_count);
  std::printf("final state hash %016llx after %.0f frames\n", static_cast<unsigned long long>(hash), frame_count);
}

}  // namespace taisei
