// Which ready fiber runs next: a small interface (after Boost.Fiber's algorithm) so that a game
// can swap FIFO round-robin for priorities without touching the scheduler.
#pragma once

#include <cstddef>

#include "fiber_record.h"

namespace spool::detail {

class SchedulingPolicy {
 public:
  virtual ~SchedulingPolicy() = default;
  // `fiber` became ready to run.
  virtual void awakened(FiberRecord* fiber) noexcept = 0;
  // `fiber` became ready and runs before every other ready fiber (a spawner that let a new fiber
  // start at once goes on as soon as that one blocks).
  virtual void awakened_first(FiberRecord* fiber) noexcept = 0;
  // The fiber to run next, removed from the policy's set; nullptr if none is ready.
  virtual FiberRecord* pick_next() noexcept = 0;
  virtual std::size_t ready_count() const noexcept = 0;
};

// Round-robin in the order fibers became ready: yield() lets every other ready fiber run once.
class FifoPolicy final : public SchedulingPolicy {
 public:
  void awakened(FiberRecord* fiber) noexcept override { ready_.push_back(fiber); }
  void awakened_first(FiberRecord* fiber) noexcept override { ready_.push_front(fiber); }
  FiberRecord* pick_next() noexcept override { return ready_.pop_front(); }
  std::size_t ready_count() const noexcept override { return ready_.size(); }

 private:
  FiberQueue ready_;
};

}  // namespace spool::detail
