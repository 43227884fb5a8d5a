// spool's web demo: a bullet-hell in which every bullet is a fiber. The boss's attack patterns
// spawn thousands of them; each moves itself a step per frame, hangs still, re-aims, splits, and
// dies off the field, on hitting the player, or in a bullet clear when its phase ends. A
// requestAnimationFrame loop drives it: one Scheduler::tick() per frame, then the page draws.
//
//   spool_web_demo [--scale=K]   K in 1..8 (default 2): how many bullets each volley has
//
// Built for the browser (demos/web/index.html); scripts/web_demo.sh builds and serves it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <spool/spool.h>

#include "boss.h"
#include "controls.h"
#include "frame_stats.h"
#include "page_bridge.h"
#include "player.h"
#include "stage.h"
#include "world.h"

namespace {

using namespace web_demo;

// The same stage on every run.
constexpr std::uint64_t kSeed = 0x5EED;
// Fibers that are not bullets: the player, the boss, the stage, a phase and its patterns.
constexpr std::size_t kFibersBesideBullets = 16;
static_assert(kBulletCapacity + kFibersBesideBullets < spool::kDefaultMaxLiveFibers,
              "the bullet pool must run out before the scheduler's live-fiber cap is reached");

int scale_from_arguments(int argc, char** argv) {
  constexpr const char* kFlag = "--scale=";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], kFlag, std::strlen(kFlag)) == 0) return std::atoi(argv[i] + std::strlen(kFlag));
  }
  return kDefaultScale;
}

}  // namespace

int main(int argc, char** argv) {
  Controls& controls = page_controls();
  controls.set_scale(scale_from_arguments(argc, argv));

  spool::Scheduler::Config config;
  // The bullet pool's capacity keeps live fibers below this cap (see the static_assert above),
  // so no spawn ever waits in the scheduler's queue and every bullet starts the frame it is fired.
  config.max_live_fibers = spool::kDefaultMaxLiveFibers;
  // A bullet clear ends thousands of fibers in one tick. Parked engine stacks are reused by the
  // next phase's bullets instead of being created again (~10 us each); 4,096 covers the default
  // K, at about 5 KB of engine memory each.
  config.max_parked_engine_stacks = 4096;
  spool::Scheduler scheduler(config);

  World world(kSeed);
  scheduler.spawn([&world] { run_player(world); }, {.name = "player"});
  scheduler.spawn([&world] { run_boss_movement(world); }, {.name = "boss"});
  scheduler.spawn([&world] { run_stage(world); }, {.name = "stage"});

  FrameStats frame_stats;
  // In a browser this waits on requestAnimationFrame: the loop runs at the display's rate, and
  // not at all while the tab is hidden.
  while (spool::js::next_animation_frame() == spool::Status::ok) {
    frame_stats.begin_frame(now_ms());
    world.scale = controls.scale;
    if (controls.take_tick()) {
      const spool::Scheduler::Stats before = scheduler.stats();
      const double start = now_ms();
      scheduler.tick();  // every bullet that waits for this frame moves once
      const double tick_ms = now_ms() - start;
      frame_stats.record_tick(before, scheduler.stats(), tick_ms);
    }
    present_frame(world, controls, frame_stats, scheduler.stats());
    if (controls.inspector) present_inspector(scheduler);
  }
  // next_animation_frame() fails only where main could not switch, which cannot happen here.
  std::fprintf(stderr, "spool web demo: the frame loop stopped\n");
  return 1;
}
