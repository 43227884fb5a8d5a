// spool::Semaphore: a counting semaphore for fibers. A handle: see event.h for the capture rule.
#pragma once

#include <cstddef>
#include <memory>

#include "clock.h"
#include "status.h"

namespace spool {

class Semaphore {
 public:
  explicit Semaphore(std::size_t initial = 0);

  // Takes one unit, blocking the calling fiber while there is none: ok, timeout or cancelled.
  Status acquire();
  Status acquire_until(TimePoint deadline);
  Status acquire_for(Duration timeout);
  bool try_acquire() noexcept;
  // Returns `count` units, waking waiters in FIFO order. Never blocks.
  void release(std::size_t count = 1) noexcept;
  std::size_t available() const noexcept;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace spool
