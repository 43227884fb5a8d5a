// spool::ConditionVariable: wait for a condition under a spool::Mutex. A handle: see event.h.
#pragma once

#include <memory>
#include <utility>

#include "clock.h"
#include "detail/wait_queue.h"
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
  Status wait_for(Mutex& mutex, Duration timeout);

  // Waits until `predicate()` is true (checked under the lock). Returns ok, or the status that
  // ended the wait early (timeout, cancelled) if the predicate is still false then.
  template <class Predicate>
  Status wait(Mutex& mutex, Predicate predicate) {
    return wait_until(mutex, TimePoint::max(), std::move(predicate));
  }
  template <class Predicate>
  Status wait_until(Mutex& mutex, TimePoint deadline, Predicate predicate) {
    while (!predicate()) {
      Status status = wait_until(mutex, deadline);
      if (status != Status::ok) return predicate() ? Status::ok : status;
    }
    return Status::ok;
  }
  template <class Predicate>
  Status wait_for(Mutex& mutex, Duration timeout, Predicate predicate) {
    return wait_until(mutex, detail::deadline_after(timeout), std::move(predicate));
  }

  void notify_one() noexcept;
  void notify_all() noexcept;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace spool
