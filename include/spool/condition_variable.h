// spool::ConditionVariable: wait for a condition under a spool::Mutex. A handle: see event.h.
#pragma once

#include <memory>
#include <utility>

#include "clock.h"
#include "mutex.h"
#include "status.h"

namespace spool {

class ConditionVariable {
 public:
  ConditionVariable();

  // Unlocks `mutex` (which the calling fiber holds), waits for a notify, and locks it again before
  // returning, whatever the status (ok, timeout, cancelled).
  Status wait(Mutex& mutex);
  Status wait_until(Mutex& mutex, TimePoint deadline);

  // Waits until `predicate()` is true (checked under the lock). Returns ok, or the status that
  // ended the wait early (timeout, cancelled).
  template <class Predicate>
  Status wait(Mutex& mutex, Predicate predicate) {
    while (!predicate()) {
      Status status = wait(mutex);
      if (status != Status::ok) return status;
    }
    return Status::ok;
  }

  void notify_one() noexcept;
  void notify_all() noexcept;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace spool
