// The playfield's geometry, and the 2-D vector every entity moves with. World units are canvas
// pixels: the page draws the field 1:1.
#pragma once

#include <cmath>

namespace web_demo {

inline constexpr float kFieldWidth = 600;
inline constexpr float kFieldHeight = 720;
inline constexpr float kPi = 3.14159265358979f;

struct Vec2 {
  float x = 0;
  float y = 0;

  Vec2 operator+(Vec2 other) const { return {x + other.x, y + other.y}; }
  Vec2 operator-(Vec2 other) const { return {x - other.x, y - other.y}; }
  Vec2 operator*(float factor) const { return {x * factor, y * factor}; }
  Vec2& operator+=(Vec2 other) {
    x += other.x;
    y += other.y;
    return *this;
  }
  float length() const { return std::sqrt(x * x + y * y); }
  float angle() const { return std::atan2(y, x); }
};

inline Vec2 from_angle(float radians, float length) {
  return {std::cos(radians) * length, std::sin(radians) * length};
}

inline bool circles_touch(Vec2 a, float radius_a, Vec2 b, float radius_b) {
  const Vec2 d = a - b;
  const float reach = radius_a + radius_b;
  return d.x * d.x + d.y * d.y < reach * reach;
}

// Whether a circle at `p` is wholly past the field's edges by more than `margin`.
inline bool outside_field(Vec2 p, float margin) {
  return p.x < -margin || p.y < -margin || p.x > kFieldWidth + margin || p.y > kFieldHeight + margin;
}

}  // namespace web_demo
