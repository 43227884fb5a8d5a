// spool::Mutex (include/spool/mutex.h). The lock goes straight to the longest waiter (no
// barging); a waiter handed the lock that is killed before it runs passes it on; a fiber that
// ends holding the lock gives it up (reported: what it guarded may be half-changed). A killed
// fiber's on_kill cleanups act as that fiber, so one of them may unlock what it held.
#include "spool/mutex.h"

#include "../scheduler_core.h"

namespace spool {

using detail::FiberRecord;
using detail::HeldLock;
using detail::SchedulerCore;

struct Mutex::State {
  FiberRecord* owner = nullptr;
  HeldLock held;  // in the owner's list of held locks
  detail::WaitQueue waiters{&State::pass_on, this};

  State() {
    held.give_up = &State::give_up;
    held.object = this;
  }

  void take(FiberRecord* fiber) noexcept {
    owner = fiber;
    held.prev = nullptr;
    held.next = fiber->held_locks;
    if (fiber->held_locks) fiber->held_locks->prev = &held;
    fiber->held_locks = &held;
  }

  void drop() noexcept {
    if (held.prev) held.prev->next = held.next; else if (owner && owner->held_locks == &held) owner->held_locks = held.next;
    if (held.next) held.next->prev = held.prev;
    held.prev = held.next = nullptr;
    owner = nullptr;
  }

  // The lock goes to the longest waiter, or is free.
  void hand_over() noexcept {
    drop();
    if (FiberRecord* next = waiters.front()) {
      take(next);
      waiters.hand_one();
    }
  }

  // The fiber handed the lock ended before it took it.
  static void pass_on(void* self) { static_cast<State*>(self)->hand_over(); }

  // `fiber` ended holding the lock (the scheduler took it off the fiber's list already).
  static void give_up(void* self, FiberRecord* fiber) {
    State& s = *static_cast<State*>(self);
    detail::report(Status::owner_died,
                   "fiber '%s' ended holding a spool::Mutex (killed with no on_kill cleanup "
                   "unlocking it, or returned without unlocking it); it is unlocked and handed to "
                   "the next waiter, and what it guarded may be half-changed. Unlock it in an "
                   "on_kill cleanup, or hold it with std::lock_guard.",
                   detail::display_name(fiber));
    s.owner = nullptr;
    if (FiberRecord* next = s.waiters.front()) {
      s.take(next);
      s.waiters.hand_one();
    }
  }
};

namespace {
// The fiber acting now, or nullptr (reported) without a scheduler.
FiberRecord* acting_fiber(const char* what) noexcept {
  SchedulerCore* core = SchedulerCore::current();
  if (!core) {
    detail::report_no_scheduler(what);
    return nullptr;
  }
  return core->acting();
}
}  // namespace

Mutex::Mutex() : state_(std::make_shared<State>()) {}

Status Mutex::lock() { return lock_until(TimePoint::max()); }
Status Mutex::lock_for(Duration timeout) { return lock_until(detail::deadline_after(timeout)); }

Status Mutex::lock_until(TimePoint deadline) {
  State& s = *state_;
  FiberRecord* self = acting_fiber("spool::Mutex::lock()");
  if (!self) return Status::no_scheduler;
  if (!s.owner) {
    s.take(self);
    return Status::ok;
  }
  if (s.owner == self) {
    detail::report(Status::deadlock,
                   "Mutex::lock() by the fiber that already holds it would wait forever; spool's "
                   "Mutex is not recursive. Unlock it first, or restructure the locking.");
    return Status::deadlock;
  }
  // unlock() hands the mutex straight to the first waiter: when this wait returns ok, we own it.
  return s.waiters.wait("spool::Mutex::lock()", deadline);
}

void Mutex::lock_uncancellable() {
  State& s = *state_;
  FiberRecord* self = acting_fiber("spool::ConditionVariable::wait()");
  if (!self) return;
  if (!s.owner) {
    s.take(self);
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
  if (s.owner) return false;
  FiberRecord* self = acting_fiber("spool::Mutex::try_lock()");
  if (!self) return false;
  s.take(self);
  return true;
}

void Mutex::unlock() noexcept {
  State& s = *state_;
  SchedulerCore* core = SchedulerCore::current();
  if (!core || s.owner != core->acting()) {
    detail::report(Status::not_owner,
                   "Mutex::unlock() by a fiber that does not hold the mutex; only the fiber that "
                   "locked it (or an on_kill cleanup of that fiber) may unlock it. Ignored.");
    return;
  }
  s.hand_over();
}

}  // namespace spool
