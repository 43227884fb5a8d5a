// splitmix64: a fixed seed gives the same stage on every run and every platform (the standard
// library's distributions differ between implementations, so we do our own).
#pragma once

#include <cstdint>

namespace web_demo {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  // Uniform in [lo, hi).
  float between(float lo, float hi) {
    const float unit = static_cast<float>(next() >> 40) / static_cast<float>(1ull << 24);
    return lo + (hi - lo) * unit;
  }

  // Uniform in [lo, hi].
  int between(int lo, int hi) {
    return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }

 private:
  std::uint64_t state_;
};

}  // namespace web_demo
