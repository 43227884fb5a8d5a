// spool::ConditionVariable (include/spool/condition_variable.h). A notify_one() handed to a
// waiter that is killed before it runs passes on to the next waiter.
#include "spool/condition_variable.h"

#include "spool/detail/wait_queue.h"

namespace spool {

struct ConditionVariable::State {
  detail::WaitQueue waiters{&State::pass_on, this};
  static void pass_on(void* self) { static_cast<State*>(self)->waiters.hand_one(); }
};

ConditionVariable::ConditionVariable() : state_(std::make_shared<State>()) {}

Status ConditionVariable::wait(Mutex& mutex) { return wait_until(mutex, TimePoint::max()); }
Status ConditionVariable::wait_for(Mutex& mutex, Duration timeout) {
  return wait_until(mutex, detail::deadline_after(timeout));
}

Status ConditionVariable::wait_until(Mutex& mutex, TimePoint deadline) {
  // Single-threaded scheduling: nothing can notify between unlock() and the wait starting.
  mutex.unlock();
  Status status = state_->waiters.wait("spool::ConditionVariable::wait()", deadline);
  mutex.lock_uncancellable();  // the caller expects the lock back, cancelled or not
  return status;
}

void ConditionVariable::notify_one() noexcept { state_->waiters.hand_one(); }
void ConditionVariable::notify_all() noexcept { state_->waiters.notify_all(); }

}  // namespace spool
