#include "patterns.h"

#include <cstdint>

#include <spool/spool.h>

#include "bullet.h"

namespace web_demo {

namespace {

namespace this_fiber = spool::this_fiber;

bool wait(int frames) { return this_fiber::wait_frames(static_cast<std::uint64_t>(frames)) == spool::Status::ok; }

float angle_to_player(const World& world) { return (world.player.position - world.boss.position).angle(); }

// A ring of `count` bullets around the boss, the first at `offset` radians.
void fire_ring(World& world, const std::weak_ptr<void>& phase, int count, float offset, BulletSpec spec) {
  spec.position = world.boss.position;
  for (int i = 0; i < count; ++i) {
    spec.angle = offset + 2 * kPi * static_cast<float>(i) / static_cast<float>(count);
    fire_bullet(world, spec, phase);
  }
}

}  // namespace

void spiral(World& world, const std::weak_ptr<void>& phase, int arms_per_k, float spin, BulletColor color) {
  BulletSpec spec;
  spec.speed = 2.0f;
  spec.radius = 5;
  spec.color = color;
  for (float angle = 0; wait(1); angle += spin) {
    fire_ring(world, phase, arms_per_k * world.scale, angle, spec);
  }
}

void aimed_bursts(World& world, const std::weak_ptr<void>& phase) {
  constexpr int kVolleys = 3;
  constexpr float kSpread = 0.11f;  // radians between neighbours in a fan
  BulletSpec spec;
  spec.speed = 4.2f;
  spec.radius = 6;
  spec.color = BulletColor::yellow;
  while (wait(50)) {
    // Aimed once per burst: the player can dodge the three fans by moving.
    const float aim = angle_to_player(world);
    for (int volley = 0; volley < kVolleys; ++volley) {
      const int fan = 3 + 2 * world.scale;
      spec.position = world.boss.position;
      for (int i = 0; i < fan; ++i) {
        spec.angle = aim + kSpread * (static_cast<float>(i) - static_cast<float>(fan - 1) / 2);
        fire_bullet(world, spec, phase);
      }
      if (!wait(7)) return;
    }
  }
}

void stop_and_aim_rings(World& world, const std::weak_ptr<void>& phase) {
  BulletSpec spec;
  spec.speed = 4.5f;
  spec.radius = 5;
  spec.color = BulletColor::violet;
  spec.flight = Flight::stop_and_aim;
  for (float offset = 0; wait(12); offset += 0.13f) {
    fire_ring(world, phase, 24 * world.scale, offset, spec);
  }
}

void curving_rings(World& world, const std::weak_ptr<void>& phase) {
  BulletSpec spec;
  spec.speed = 1.9f;
  spec.radius = 4.5f;
  spec.flight = Flight::curving;
  for (int ring = 0; wait(10); ++ring) {
    const bool clockwise = ring % 2 == 0;
    spec.turn = clockwise ? 0.006f : -0.006f;
    spec.color = clockwise ? BulletColor::cyan : BulletColor::green;
    fire_ring(world, phase, 24 * world.scale, world.rng.between(0.0f, 2 * kPi), spec);
  }
}

void splitters(World& world, const std::weak_ptr<void>& phase) {
  BulletSpec spec;
  spec.speed = 1.6f;
  spec.radius = 8;
  spec.color = BulletColor::orange;
  spec.flight = Flight::splitting;
  while (wait(20)) {
    spec.position = world.boss.position;
    for (int i = 0; i < 2 * world.scale; ++i) {
      spec.angle = world.rng.between(0.2f * kPi, 0.8f * kPi);  // downwards, fanned out
      fire_bullet(world, spec, phase);
    }
  }
}

}  // namespace web_demo
