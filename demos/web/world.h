// Everything the fibers of the game share: the bullets, the two entities bullets can hit, and the
// scale K the page sets. One World per page; every fiber gets it by reference.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bullet_pool.h"
#include "playfield.h"
#include "rng.h"

namespace web_demo {

inline constexpr int kMinScale = 1;
inline constexpr int kMaxScale = 8;
inline constexpr int kDefaultScale = 2;  // about 2,800 live fibers in the first phase
// Bullets at most (player shots included). K = 8 stays under it in every phase; past it, patterns
// skip bullets rather than queue fibers (see BulletPool::acquire).
inline constexpr std::size_t kBulletCapacity = 14000;

// The player's ship: steered by a fiber on a fixed path (the demo plays itself). Enemy bullets
// that touch its hitbox die and count as hits.
struct Player {
  Vec2 position{kFieldWidth / 2, kFieldHeight - 90};
  static constexpr float kHitboxRadius = 4;
  std::uint64_t hits_taken = 0;
};

// The boss: moves about the top of the field, fires every pattern, and is hit by the player's
// shots. A phase ends early when its health runs out.
struct Boss {
  Vec2 position{kFieldWidth / 2, 150};
  static constexpr float kRadius = 28;
  int health = 0;
  int max_health = 1;
};

struct World {
  explicit World(std::uint64_t seed) : rng(seed) {}

  BulletPool bullets{kBulletCapacity};
  Player player;
  Boss boss;
  Rng rng;
  int scale = kDefaultScale;        // K: patterns fire K times as many bullets
  const char* phase_name = "";      // shown by the HUD
};

}  // namespace web_demo
