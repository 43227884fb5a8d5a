#include "player.h"

#include <cmath>
#include <utility>

#include <spool/spool.h>

namespace web_demo {

namespace {

namespace this_fiber = spool::this_fiber;

constexpr float kShotSpeed = 14;
constexpr float kShotRadius = 4;
constexpr int kFramesBetweenVolleys = 4;

// A shot flies up until it leaves the field or hits the boss (who loses one point of health).
void fly_shot(World& world, BulletPool::Slot slot, Vec2 position) {
  while (this_fiber::wait_frames(1) == spool::Status::ok) {
    position.y -= kShotSpeed;
    slot.move_to(position);
    if (outside_field(position, kShotRadius)) return;
    if (world.boss.health > 0 && circles_touch(position, kShotRadius, world.boss.position, Boss::kRadius)) {
      --world.boss.health;
      return;
    }
  }
}

void fire_shot(World& world, Vec2 position) {
  BulletPool::Slot slot = world.bullets.acquire();
  if (!slot) return;
  slot.show(position, kShotRadius, BulletColor::player_shot);
  spool::FiberOptions options;
  options.name = "shot";
  options.stack_size = 4096;
  // A child: were the player's fiber to end, its shots would be cancelled with it.
  this_fiber::spawn_child([&world, slot = std::move(slot), position]() mutable {
    fly_shot(world, std::move(slot), position);
  }, options);
}

// Where the autopilot flies on frame `t`: a slow figure of eight across the bottom of the field.
Vec2 autopilot(float t) {
  return {kFieldWidth / 2 + 210 * std::sin(t * 0.0125f), kFieldHeight - 110 + 45 * std::sin(t * 0.031f)};
}

}  // namespace

void run_player(World& world) {
  for (int frame = 0; this_fiber::wait_frames(1) == spool::Status::ok; ++frame) {
    world.player.position = autopilot(static_cast<float>(frame));
    if (frame % kFramesBetweenVolleys == 0) {
      fire_shot(world, world.player.position + Vec2{-8, -12});
      fire_shot(world, world.player.position + Vec2{8, -12});
    }
  }
}

}  // namespace web_demo
