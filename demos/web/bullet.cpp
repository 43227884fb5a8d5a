#include "bullet.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <spool/spool.h>

namespace web_demo {

namespace {

namespace this_fiber = spool::this_fiber;

// A bullet leaves once it is wholly this far past an edge.
constexpr float kLeaveMargin = 8;
// Bullets are drawn with a glow; only their core hurts, as in most bullet-hell games.
constexpr float kCoreFraction = 0.6f;
// Frames a curving bullet turns before it flies straight (so that no bullet circles forever).
constexpr int kCurvingFrames = 150;

// A bullet in flight: its slot in the pool, where it is and how fast it goes.
struct Flying {
  World& world;
  BulletPool::Slot slot;
  Vec2 position;
  Vec2 velocity;
  float radius;

  // Waits for the next frame, then moves one step (turning by `turn` radians first). False when
  // the bullet is done: cancelled (its phase ended), off the field, or it hit the player.
  bool next_frame(float turn = 0) {
    if (this_fiber::wait_frames(1) != spool::Status::ok) return false;
    if (turn != 0) {
      const float c = std::cos(turn), s = std::sin(turn);
      velocity = {velocity.x * c - velocity.y * s, velocity.x * s + velocity.y * c};
    }
    position += velocity;
    slot.move_to(position);
    if (outside_field(position, radius + kLeaveMargin)) return false;
    if (circles_touch(position, radius * kCoreFraction, world.player.position, Player::kHitboxRadius)) {
      ++world.player.hits_taken;
      return false;
    }
    return true;
  }
};

void fly_straight(Flying& bullet) {
  while (bullet.next_frame()) {
  }
}

void fly_curving(Flying& bullet, float turn) {
  for (int frame = 0; frame < kCurvingFrames; ++frame) {
    if (!bullet.next_frame(turn)) return;
  }
  fly_straight(bullet);
}

void fly_stop_and_aim(Flying& bullet) {
  constexpr int kBrakingFrames = 40;
  constexpr int kHangingFrames = 30;
  constexpr float kTopSpeed = 4.5f;
  for (int frame = 0; frame < kBrakingFrames; ++frame) {
    bullet.velocity = bullet.velocity * 0.93f;
    if (!bullet.next_frame()) return;
  }
  // Hanging still costs nothing per frame: the scheduler counts the 30 frames down without
  // switching into this fiber.
  if (this_fiber::wait_frames(kHangingFrames) != spool::Status::ok) return;
  const float aim = (bullet.world.player.position - bullet.position).angle();
  for (float speed = 0.5f;; speed = std::min(speed + 0.12f, kTopSpeed)) {
    bullet.velocity = from_angle(aim, speed);
    if (!bullet.next_frame()) return;
  }
}

void fly_splitting(Flying& bullet, BulletColor color, const std::weak_ptr<void>& phase) {
  constexpr int kFramesBeforeSplit = 60;
  constexpr int kFragments = 10;
  for (int frame = 0; frame < kFramesBeforeSplit; ++frame) {
    if (!bullet.next_frame()) return;
  }
  // The fragments are bullets of the same phase, not children of this one: they outlive it.
  const float offset = bullet.velocity.angle();
  for (int i = 0; i < kFragments; ++i) {
    BulletSpec fragment;
    fragment.position = bullet.position;
    fragment.angle = offset + 2 * kPi * static_cast<float>(i) / kFragments;
    fragment.speed = 1.8f;
    fragment.radius = 3.5f;
    fragment.color = color;
    fire_bullet(bullet.world, fragment, phase);
  }
}

void fly(World& world, BulletPool::Slot slot, const BulletSpec& spec, const std::weak_ptr<void>& phase) {
  Flying bullet{world, std::move(slot), spec.position, from_angle(spec.angle, spec.speed), spec.radius};
  switch (spec.flight) {
    case Flight::straight: fly_straight(bullet); break;
    case Flight::curving: fly_curving(bullet, spec.turn); break;
    case Flight::stop_and_aim: fly_stop_and_aim(bullet); break;
    case Flight::splitting: fly_splitting(bullet, spec.color, phase); break;
  }
}  // the slot goes back to the pool here, whichever way the flight ended

}  // namespace

bool fire_bullet(World& world, const BulletSpec& spec, const std::weak_ptr<void>& phase) {
  BulletPool::Slot slot = world.bullets.acquire();
  if (!slot) return false;
  slot.show(spec.position, spec.radius, spec.color);
  spool::FiberOptions options;
  options.name = "bullet";
  options.stack_size = 4096;  // the smallest class: a bullet keeps almost nothing on the C stack
  options.bound_to = phase;
  // The handle is dropped: the bullet runs detached until its flight ends.
  spool::spawn([&world, slot = std::move(slot), spec, phase]() mutable {
    fly(world, std::move(slot), spec, phase);
  }, options);
  return true;
}

}  // namespace web_demo
