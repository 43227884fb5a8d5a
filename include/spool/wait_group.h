// spool::WaitGroup: wait for a number of tasks to call done(). A handle: see event.h for the
// capture rule.
#pragma once

#include <cstddef>
#include <memory>

#include "status.h"

namespace spool {

class WaitGroup {
 public:
  explicit WaitGroup(std::size_t initial = 0);

  void add(std::size_t count = 1) noexcept;
  // One task is done; at zero every waiter wakes. More done() than add() is reported and ignored.
  void done() noexcept;
  std::size_t count() const noexcept;

  // Blocks the calling fiber until the count is zero: ok or cancelled.
  Status wait();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace spool
