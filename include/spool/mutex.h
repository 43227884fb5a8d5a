// spool::Mutex: a fiber mutex. lock() parks the fiber, not the thread; unlock() hands the lock to
// the longest waiter (FIFO, no barging). A handle: see event.h for the capture rule.
// Satisfies Lockable and TimedLockable, so std::lock_guard / std::unique_lock work. A fiber that
// ends holding it gives it up (reported as Status::owner_died); a killed fiber's on_kill
// cleanups act as that fiber, so one of them may unlock it.
#pragma once

#include <memory>

#include "clock.h"
#include "status.h"

namespace spool {

class Mutex {
 public:
  Mutex();

  // Blocks the calling fiber until it holds the lock: ok, or cancelled / timeout (then it does not
  // hold it). Locking a mutex the fiber already holds is reported (Status::deadlock) and returns
  // at once.
  Status lock();
  Status lock_until(TimePoint deadline);
  Status lock_for(Duration timeout);
  bool try_lock() noexcept;
  bool try_lock_until(TimePoint deadline) { return lock_until(deadline) == Status::ok; }
  bool try_lock_for(Duration timeout) { return lock_for(timeout) == Status::ok; }
  [[deprecated("lock() returns the Status")]] Status lock_status() { return lock(); }
  // Unlocking a mutex the calling fiber does not hold is reported (Status::not_owner), ignored.
  void unlock() noexcept;

 private:
  friend class ConditionVariable;
  // Locks whatever happens (even in a cancelled fiber): a condition variable's relock.
  void lock_uncancellable();
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace spool
