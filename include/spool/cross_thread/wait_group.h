// spool::cross_thread::WaitGroup: wait for tasks on any thread or Pool worker to call done().
// A handle: copies refer to the same group. Every call is thread-safe; waits park the calling
// fiber, or block a thread that has no Scheduler (see cross_thread/event.h).
#pragma once

#include <cstddef>
#include <memory>

#include "../clock.h"
#include "../status.h"

namespace spool::cross_thread {

class WaitGroup {
 public:
  explicit WaitGroup(std::size_t initial = 0);

  // Any thread. add() saturates; more done() than add() is reported (Status::invalid_argument)
  // and ignored. At zero every waiter wakes.
  void add(std::size_t count = 1) noexcept;
  void done() noexcept;
  std::size_t count() const noexcept;

  // Blocks the calling fiber (or thread) until the count is zero: ok, timeout, or cancelled.
  Status wait();
  Status wait_until(TimePoint deadline);
  Status wait_for(Duration timeout);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace spool::cross_thread
