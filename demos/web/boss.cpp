#include "boss.h"

#include <spool/spool.h>

namespace web_demo {

namespace {
constexpr int kGlideFrames = 60;
constexpr int kHoldFrames = 90;
}  // namespace

void run_boss_movement(World& world) {
  for (;;) {
    const Vec2 from = world.boss.position;
    const Vec2 to{world.rng.between(140.0f, kFieldWidth - 140), world.rng.between(110.0f, 190.0f)};
    for (int frame = 1; frame <= kGlideFrames; ++frame) {
      if (spool::this_fiber::wait_frames(1) != spool::Status::ok) return;
      const float t = static_cast<float>(frame) / kGlideFrames;
      const float eased = t * t * (3 - 2 * t);  // smoothstep: starts and stops gently
      world.boss.position = from + (to - from) * eased;
    }
    // Holding still is one wait, not a wake-up per frame.
    if (spool::this_fiber::wait_frames(kHoldFrames) != spool::Status::ok) return;
  }
}

}  // namespace web_demo
