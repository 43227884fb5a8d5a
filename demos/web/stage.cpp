#include "stage.h"

#include <cstdint>
#include <memory>
#include <utility>

#include <spool/spool.h>

#include "patterns.h"

namespace web_demo {

namespace {

namespace this_fiber = spool::this_fiber;
using PhaseToken = std::weak_ptr<void>;

struct Phase {
  const char* name;
  int max_frames;
  int health;
  // Spawns the phase's patterns as children of the calling fiber.
  void (*start_patterns)(World& world, const PhaseToken& bullets_of_phase);
};

// Spawns a pattern as a child of the running fiber (the phase's): cancelled when the phase ends.
template <class Pattern>
void spawn_pattern(const char* name, Pattern pattern) {
  this_fiber::spawn_child(std::move(pattern), {.name = name});
}

void spiral_and_aimed_bursts(World& world, const PhaseToken& token) {
  spawn_pattern("spiral", [&world, token] { spiral(world, token, 5, 0.071f, BulletColor::red); });
  spawn_pattern("counter-spiral", [&world, token] { spiral(world, token, 3, -0.047f, BulletColor::blue); });
  spawn_pattern("aimed bursts", [&world, token] { aimed_bursts(world, token); });
}

void rings_that_reaim(World& world, const PhaseToken& token) {
  spawn_pattern("stop-and-aim rings", [&world, token] { stop_and_aim_rings(world, token); });
  spawn_pattern("curving rings", [&world, token] { curving_rings(world, token); });
}

void splitting_flowers(World& world, const PhaseToken& token) {
  spawn_pattern("splitters", [&world, token] { splitters(world, token); });
  spawn_pattern("spiral", [&world, token] { spiral(world, token, 4, -0.043f, BulletColor::blue); });
  spawn_pattern("aimed bursts", [&world, token] { aimed_bursts(world, token); });
}

constexpr Phase kPhases[] = {
    {"Spiral and aimed bursts", 1500, 260, spiral_and_aimed_bursts},
    {"Rings that re-aim", 1200, 220, rings_that_reaim},
    {"Splitting flowers", 1500, 260, splitting_flowers},
};

// Frames between two phases: the bullet clear, and a breather.
constexpr int kFramesBetweenPhases = 90;

void run_phase(World& world, const Phase& phase) {
  world.phase_name = phase.name;
  world.boss.health = world.boss.max_health = phase.health;
  // Every bullet of the phase is bound to this token; dropping it cancels them all.
  auto token = std::make_shared<int>(0);
  const PhaseToken bullets_of_phase = token;

  spool::Fiber attacks = spool::spawn([&world, &phase, bullets_of_phase] {
    phase.start_patterns(world, bullets_of_phase);
    // Returns cancelled when the phase is over; the patterns, its children, are cancelled as
    // this fiber ends.
    this_fiber::join_children();
  }, {.name = phase.name});

  // Checked by the scheduler at each tick without switching into this fiber.
  const std::uint64_t last_frame = spool::Scheduler::current()->frame() + static_cast<std::uint64_t>(phase.max_frames);
  this_fiber::wait_until_true([&world, last_frame] {
    return world.boss.health <= 0 || spool::Scheduler::current()->frame() >= last_frame;
  });
  attacks.cancel();
  attacks.join();
  token.reset();  // the bullet clear: the phase's bullets are cancelled at the next tick
}

}  // namespace

void run_stage(World& world) {
  for (;;) {
    for (const Phase& phase : kPhases) {
      run_phase(world, phase);
      world.phase_name = "";
      if (this_fiber::wait_frames(kFramesBetweenPhases) != spool::Status::ok) return;
    }
  }
}

}  // namespace web_demo
