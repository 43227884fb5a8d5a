// WaitQueue (include/spool/detail/wait_queue.h): its intrusive lists, and its blocking side, the
// primitives' entry into the scheduler.
#include "spool/detail/wait_queue.h"

#include "../scheduler_core.h"

namespace spool::detail {

TimePoint deadline_after(Duration timeout) noexcept {
  SchedulerCore* core = SchedulerCore::current();
  const TimePoint now = core ? core->now() : std::chrono::steady_clock::now();
  return saturating_add(now, timeout);
}

WaitQueue::~WaitQueue() {
  notify_all(Status::closed);
  // Fibers handed something that no longer exists keep nothing to pass on.
  while (FiberRecord* f = handed_) {
    handed_ = f->wait_next;
    f->wait_prev = f->wait_next = nullptr;
    f->handed_by = nullptr;
  }
}

void WaitQueue::push_back(FiberRecord* f) noexcept {
  f->waiting_on = this;
  f->wait_next = nullptr;
  f->wait_prev = tail_;
  if (tail_) tail_->wait_next = f; else head_ = f;
  tail_ = f;
  ++size_;
}

void WaitQueue::remove(FiberRecord* f) noexcept {
  if (f->wait_prev) f->wait_prev->wait_next = f->wait_next; else head_ = f->wait_next;
  if (f->wait_next) f->wait_next->wait_prev = f->wait_prev; else tail_ = f->wait_prev;
  f->wait_prev = f->wait_next = nullptr;
  f->waiting_on = nullptr;
  --size_;
}

Status WaitQueue::wait(const char* what, TimePoint deadline, bool cancellable) {
  SchedulerCore* core = SchedulerCore::current();
  if (!core) {
    report_no_scheduler(what);
    return Status::no_scheduler;
  }
  return core->wait(*this, deadline, what, cancellable);
}

namespace {

// A primitive of one thread's fibers used from another thread: waking its fibers from here would
// race with their scheduler. Reported instead; the waiters stay blocked.
bool woken_from_wrong_thread(FiberRecord* f) noexcept {
  if (f->core->on_owner_thread()) return false;
  report(Status::wrong_thread,
         "a spool primitive (Event, WaitGroup, Mutex, ConditionVariable, Semaphore, Channel) whose "
         "waiting fiber '%s' belongs to another thread's Scheduler was signalled from this thread; "
         "these primitives serve the fibers of one thread. Use the cross-thread ones "
         "(spool::cross_thread::Event, WaitGroup, Channel) between threads or Pool workers, or "
         "Scheduler::post() the signal to the waiter's thread. Nothing was woken.",
         display_name(f));
  return true;
}

}  // namespace

bool WaitQueue::notify_one(Status status) noexcept {
  FiberRecord* f = front();
  if (!f) return false;
  if (woken_from_wrong_thread(f)) return false;
  f->core->wake(f, status);
  return true;
}

std::size_t WaitQueue::notify_all(Status status) noexcept {
  std::size_t woken = 0;
  while (FiberRecord* f = front()) {
    if (woken_from_wrong_thread(f)) break;
    f->core->wake(f, status);
    ++woken;
  }
  return woken;
}

bool WaitQueue::hand_one(Status status) noexcept {
  FiberRecord* f = front();
  if (!f) return false;
  if (woken_from_wrong_thread(f)) return false;
  f->core->wake(f, status);  // off the waiting list: its wait links are free for the handed list
  f->handed_by = this;
  f->wait_prev = nullptr;
  f->wait_next = handed_;
  if (handed_) handed_->wait_prev = f;
  handed_ = f;
  return true;
}

void WaitQueue::take_handed(FiberRecord* f) noexcept {
  if (f->wait_prev) f->wait_prev->wait_next = f->wait_next; else handed_ = f->wait_next;
  if (f->wait_next) f->wait_next->wait_prev = f->wait_prev;
  f->wait_prev = f->wait_next = nullptr;
  f->handed_by = nullptr;
}

void WaitQueue::pass_on_from(FiberRecord* f) noexcept {
  take_handed(f);
  if (pass_on_) pass_on_(owner_);
}

}  // namespace spool::detail
