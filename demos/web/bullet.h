// An enemy bullet is a fiber: from the frame it is fired to the frame it dies, its whole flight is
// straight-line code (move, wait a frame, brake, hang still, re-aim...) instead of a state machine
// that an update loop steps. It dies off the field, on hitting the player, or when its phase ends.
#pragma once

#include <cstdint>
#include <memory>

#include "bullet_pool.h"
#include "playfield.h"
#include "world.h"

namespace web_demo {

enum class Flight : std::uint8_t {
  straight,      // constant velocity
  curving,       // turns by `turn` each frame for a while, then flies straight
  stop_and_aim,  // brakes, hangs still for half a second, then re-aims at the player and speeds up
  splitting,     // flies for a second, then bursts into a ring of small straight bullets
};

struct BulletSpec {
  Vec2 position;
  float angle = 0;  // radians; 0 points right, pi/2 down
  float speed = 2;  // pixels per frame
  float radius = 5;
  BulletColor color = BulletColor::red;
  Flight flight = Flight::straight;
  float turn = 0;   // curving: radians per frame
};

// Fires a bullet: a new fiber bound to `phase`, so that it is cancelled at the tick after the
// phase's token expires (the phase's bullet clear). Fires nothing and returns false when the
// bullet pool is full.
bool fire_bullet(World& world, const BulletSpec& spec, const std::weak_ptr<void>& phase);

}  // namespace web_demo
