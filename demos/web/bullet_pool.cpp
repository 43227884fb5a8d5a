#include "bullet_pool.h"

#include <algorithm>
#include <utility>

namespace web_demo {

BulletPool::BulletPool(std::size_t capacity) : records_(capacity * kFloatsPerSlot, 0.0f) {
  free_.reserve(capacity);
  for (std::size_t i = capacity; i > 0; --i) free_.push_back(static_cast<std::uint32_t>(i - 1));
}

BulletPool::Slot BulletPool::acquire() {
  if (free_.empty()) return {};
  const std::uint32_t index = free_.back();
  free_.pop_back();
  high_water_ = std::max<std::size_t>(high_water_, index + 1);
  return Slot(this, index);
}

void BulletPool::release(std::uint32_t index) {
  records_[index * kFloatsPerSlot + 2] = 0.0f;  // radius 0: the page no longer draws it
  free_.push_back(index);
}

BulletPool::Slot::Slot(Slot&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), index_(other.index_) {}

BulletPool::Slot& BulletPool::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    if (pool_) pool_->release(index_);
    pool_ = std::exchange(other.pool_, nullptr);
    index_ = other.index_;
  }
  return *this;
}

BulletPool::Slot::~Slot() {
  if (pool_) pool_->release(index_);
}

void BulletPool::Slot::show(Vec2 position, float radius, BulletColor color) {
  float* r = record();
  r[0] = position.x;
  r[1] = position.y;
  r[2] = radius;
  r[3] = static_cast<float>(color);
}

void BulletPool::Slot::move_to(Vec2 position) {
  float* r = record();
  r[0] = position.x;
  r[1] = position.y;
}

}  // namespace web_demo
