#include "spool/mutex.h"

#include "../scheduler_core.h"

namespace spool {

namespace {
// Who holds a mutex: the running fiber's id (the main context has one too); 0 = nobody.
FiberId running_id() noexcept {
  detail::SchedulerCore* core = detail::SchedulerCore::current();
  return core && core->running() ? core->running()->id : 0;
}
}  // namespace

struct Mutex::State {
  FiberId owner = 0;
  detail::WaitQueue waiters;
};

Mutex::Mutex() : state_(std::make_shared<State>()) {}

Status Mutex::lock_status() {
  State& s = *state_;
  const FiberId self = running_id();
  if (s.owner == 0) {
    s.owner = self;
    return Status::ok;
  }
  if (s.owner == self) {
    detail::report(Status::deadlock,
                   "Mutex::lock() by the fiber that already holds it would wait forever; spool's "
                   "Mutex is not recursive. Unlock it first, or restructure the locking.");
    return Status::deadlock;
  }
  // unlock() hands the mutex straight to the first waiter: when this wait returns ok, we own it.
  Status status = s.waiters.wait("spool::Mutex::lock()");
  if (status != Status::ok && s.owner == self) {
    // Handed over just as the wait ended another way: pass it on.
    unlock();
  }
  return status;
}

void Mutex::lock_uncancellable() {
  State& s = *state_;
  const FiberId self = running_id();
  if (s.owner == 0) {
    s.owner = self;
    return;
  }
  while (s.owner != self) {
    if (s.waiters.wait("spool::ConditionVariable::wait() (relocking)", TimePoint::max(),
                       /*cancellable=*/false) != Status::ok) {
      return;  // not_suspendable or no scheduler: already reported
    }
  }
}

bool Mutex::try_lock() noexcept {
  State& s = *state_;
  if (s.owner != 0) return false;
  s.owner = running_id();
  return true;
}

void Mutex::unlock() noexcept {
  State& s = *state_;
  if (s.owner != running_id()) {
    detail::report(Status::invalid_handle,
                   "Mutex::unlock() by a fiber that does not hold the mutex; only the fiber that "
                   "locked it may unlock it. Ignored.");
    return;
  }
  detail::FiberRecord* next = s.waiters.front();
  s.owner = next ? next->id : 0;
  if (next) s.waiters.notify_one();
}

}  // namespace spool
