// A small deterministic game (a seeded stage of waves, bullets, events, channels, cancellations)
// whose schedule hash is printed tick by tick. The same program built natively and for wasm must
// print the same lines (tests/programs/CMakeLists.txt compares them), and two runs in one process
// must agree: a replay check finds the first tick where two runs diverge.
//   spool_program_replay_hash [seed (default 1)] [ticks (default 240)]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <spool/spool.h>

namespace {

struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
};

namespace this_fiber = spool::this_fiber;

// Runs the stage; returns the per-tick hashes.
std::vector<std::uint64_t> run(std::uint64_t seed, int ticks) {
  std::vector<std::uint64_t> hashes;
  spool::ManualClock clock;
  spool::Scheduler::Config config;
  config.clock = &clock;
  config.hash_schedule = true;
  spool::Scheduler scheduler(config);
  Rng rng{seed};
  spool::Event wave_cleared(spool::Event::Mode::manual_reset);
  spool::Channel<int> hits(8);
  std::vector<spool::FiberRef> bullets;
  scheduler.spawn([hits]() mutable {  // the player: takes hits
    int hit = 0;
    while (hits.receive(hit) == spool::Status::ok) {
    }
  });
  for (int tick = 0; tick < ticks; ++tick) {
    const int spawns = rng.below(4);
    for (int i = 0; i < spawns; ++i) {
      const int life = 1 + rng.below(30);
      const bool now = rng.below(3) == 0;
      spool::FiberOptions options;
      options.start_now = now;
      bullets.push_back(scheduler.spawn([life, hits, wave_cleared]() mutable {
        for (int f = 0; f < life; ++f) {
          if (this_fiber::wait_frames(1) != spool::Status::ok) return;
          if (f % 7 == 3) hits.try_send(f);
        }
        if (life > 25) wave_cleared.wait_for(std::chrono::milliseconds(5));
      }, options).ref());
    }
    if (rng.below(10) == 0 && !bullets.empty()) bullets[static_cast<std::size_t>(rng.below(static_cast<int>(bullets.size())))].cancel();
    if (tick % 60 == 59) {
      wave_cleared.signal();
      wave_cleared.reset();
    }
    scheduler.tick();
    hashes.push_back(scheduler.tick_hash());
  }
  hits.close();
  for (auto& b : bullets) b.cancel();
  return hashes;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1;
  const int ticks = argc > 2 ? std::atoi(argv[2]) : 240;
  const auto first = run(seed, ticks);
  const auto again = run(seed, ticks);
  const auto other = run(seed + 1, ticks);
  int diverged = -1;
  for (int i = 0; i < ticks && diverged < 0; ++i) {
    if (first[static_cast<std::size_t>(i)] != again[static_cast<std::size_t>(i)]) diverged = i;
  }
  for (int i = 0; i < ticks; ++i) std::printf("tick %d %016llx\n", i + 1, static_cast<unsigned long long>(first[static_cast<std::size_t>(i)]));
  std::printf("replayed: %s\n", diverged < 0 ? "identical" : "DIVERGED");
  if (diverged >= 0) std::printf("first divergence at tick %d\n", diverged + 1);
  std::printf("another seed: %s\n", other == first ? "SAME (the hash sees nothing)" : "differs");
  return diverged < 0 && other != first ? 0 : 1;
}
