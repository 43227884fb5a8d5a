// spool::Mutex: a fiber mutex. lock() parks the fiber, not the thread; unlock() hands the lock to
// the longest waiter (FIFO, no barging). A handle: see event.h for the capture rule.
// Satisfies Lockable, so std::lock_guard / std::unique_lock work.
#pragma once

#include <memory>

#include "status.h"

namespace spool {

class Mutex {
 public:
  Mutex();

  // Blocks the calling fiber until it holds the lock: ok or cancelled (then it does not hold it).
  // Locking a mutex the fiber already holds is reported (Status::deadlock) and returns at once.
  Status lock_status();
  void lock() { (void)lock_status(); }
  bool try_lock() noexcept;
  // Unlocking a mutex the calling fiber does not hold is reported and ignored.
  void unlock() noexcept;

 private:
  friend class ConditionVariable;
  // Locks whatever happens (even in a cancelled fiber): a condition variable's relock.
  void lock_uncancellable();
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace spool
