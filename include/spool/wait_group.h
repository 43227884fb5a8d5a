// spool::WaitGroup: wait for a number of tasks to call done(). A handle: see event.h for the
// capture rule.
#pragma once

#include <cstddef>
#include <memory>

#include "clock.h"
#include "status.h"

namespace spool {

class WaitGroup {
 public:
  explicit WaitGroup(std::size_t initial = 0);

  void add(std::size_t count = 1) noexcept;
  // One task is done; at zero every waiter wakes. More done() than add() is reported
  // (Status::invalid_argument) and ignored. add() saturates.
  void done() noexcept;
  std::size_t count() const noexcept;

  // Blocks the calling fiber until the count is zero: ok, cancelled, or timeout.
  Status wait();
  Status wait_until(TimePoint deadline);
  Status wait_for(Duration timeout);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace spool
