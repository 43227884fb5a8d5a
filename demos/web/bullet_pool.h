// Where bullets live for the renderer: one record of floats per slot in linear memory, which the
// page reads straight out of the wasm heap every frame (no copy, no call per bullet). Each bullet
// fiber owns one slot for its whole life and writes its own position there as it moves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "playfield.h"

namespace web_demo {

// Palette indices; demos/web/renderer.js has the colours in this order.
enum class BulletColor : std::uint8_t { red, orange, yellow, green, cyan, blue, violet, player_shot };

class BulletPool {
 public:
  // A slot record: x, y, radius, colour. A radius of 0 marks a free slot, which the page skips.
  static constexpr std::size_t kFloatsPerSlot = 4;

  // One bullet's slot, returned to the pool when the handle goes (the fiber ends, however it
  // ends: off-screen, hit, or cancelled). Move-only, so it can be moved into a fiber's lambda.
  class Slot {
   public:
    Slot() noexcept = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

    explicit operator bool() const noexcept { return pool_ != nullptr; }
    void show(Vec2 position, float radius, BulletColor color);
    void move_to(Vec2 position);

   private:
    friend class BulletPool;
    Slot(BulletPool* pool, std::uint32_t index) noexcept : pool_(pool), index_(index) {}
    float* record() const { return pool_->records_.data() + index_ * kFloatsPerSlot; }
    BulletPool* pool_ = nullptr;
    std::uint32_t index_ = 0;
  };

  explicit BulletPool(std::size_t capacity);
  BulletPool(const BulletPool&) = delete;
  BulletPool& operator=(const BulletPool&) = delete;

  // An empty Slot when every slot is taken: like a game's bullet cap, the bullet is not fired.
  // That cap is also what keeps the live fibers below the Scheduler's max_live_fibers.
  Slot acquire();

  const float* records() const noexcept { return records_.data(); }
  // Slots [0, slots_to_scan()) hold every bullet there is; the page scans no further.
  std::size_t slots_to_scan() const noexcept { return high_water_; }
  std::size_t in_use() const noexcept { return records_.size() / kFloatsPerSlot - free_.size(); }
  std::size_t capacity() const noexcept { return records_.size() / kFloatsPerSlot; }

 private:
  void release(std::uint32_t index);

  std::vector<float> records_;
  // Free indices, a stack: a freed slot is reused first, which keeps slots_to_scan() short.
  std::vector<std::uint32_t> free_;
  std::size_t high_water_ = 0;
};

}  // namespace web_demo
