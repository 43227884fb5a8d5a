// WaitQueue's blocking side: the primitives' entry into the scheduler.
#include "spool/detail/wait_queue.h"

#include "../scheduler_core.h"

namespace spool::detail {

TimePoint deadline_after(Duration timeout) noexcept {
  SchedulerCore* core = SchedulerCore::current();
  const TimePoint now = core ? core->now() : std::chrono::steady_clock::now();
  if (timeout >= TimePoint::max() - now) return TimePoint::max();
  return now + timeout;
}

WaitQueue::~WaitQueue() { notify_all(Status::closed); }

Status WaitQueue::wait(const char* what, TimePoint deadline, bool cancellable) {
  SchedulerCore* core = SchedulerCore::current();
  if (!core) {
    report_no_scheduler(what);
    return Status::no_scheduler;
  }
  return core->wait(*this, deadline, what, cancellable);
}

bool WaitQueue::notify_one(Status status) noexcept {
  FiberRecord* f = front();
  if (!f) return false;
  f->core->wake(f, status);
  return true;
}

std::size_t WaitQueue::notify_all(Status status) noexcept {
  std::size_t woken = 0;
  while (FiberRecord* f = front()) {
    f->core->wake(f, status);
    ++woken;
  }
  return woken;
}

}  // namespace spool::detail
