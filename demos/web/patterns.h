// The boss's attack patterns. Each runs as a fiber (a child of its phase's fiber, see stage.h)
// and fires bullets from wherever the boss is until it is cancelled; every bullet is a fiber of
// its own, bound to the phase's token. How many bullets a volley has scales with world.scale (K).
#pragma once

#include <memory>

#include "bullet_pool.h"
#include "world.h"

namespace web_demo {

// A spiral: every frame, arms_per_k * K arms, turning by `spin` radians a frame.
void spiral(World& world, const std::weak_ptr<void>& phase, int arms_per_k, float spin, BulletColor color);

// Aimed bursts: three quick fans of 3 + 2K fast bullets aimed at the player, then a pause.
void aimed_bursts(World& world, const std::weak_ptr<void>& phase);

// Rings of 24K bullets that brake, hang still, then all re-aim at the player at once.
void stop_and_aim_rings(World& world, const std::weak_ptr<void>& phase);

// Rings of 24K bullets that curve, alternately clockwise and anticlockwise.
void curving_rings(World& world, const std::weak_ptr<void>& phase);

// 2K slow bullets that each burst into a ring of ten after a second.
void splitters(World& world, const std::weak_ptr<void>& phase);

}  // namespace web_demo
