// CrossWaitList (include/spool/detail/cross_wait_list.h): waiters of the cross-thread primitives,
// fibers of any thread's Scheduler or plain threads.
#include "spool/detail/cross_wait_list.h"

#include <exception>

#include "../cross_waiter.h"
#include "../scheduler_core.h"

namespace spool::detail {

void unref(CrossWaiter* w) noexcept {
  if (w->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete w;
}

void CrossWaitList::push_back(CrossWaiter* w) noexcept {
  w->queued = true;
  w->next = nullptr;
  w->prev = tail_;
  if (tail_) tail_->next = w; else head_ = w;
  tail_ = w;
}

void CrossWaitList::remove(CrossWaiter* w) noexcept {
  if (w->prev) w->prev->next = w->next; else head_ = w->next;
  if (w->next) w->next->prev = w->prev; else tail_ = w->prev;
  w->prev = w->next = nullptr;
  w->queued = false;
}

CrossWaiter* CrossWaitList::pop_front() noexcept {
  CrossWaiter* w = head_;
  if (w) remove(w);
  return w;
}

// With the primitive's mutex held, which keeps the waiter's scheduler alive: its fiber cannot end
// (and so the scheduler cannot finish) without taking the same mutex in cross_waiter_gone().
void CrossWaitList::wake(CrossWaiter* w) noexcept {
  w->notified = true;
  if (!w->core) {
    w->thread_wake.notify_one();
  } else if (w->core->on_owner_thread()) {
    // The notifier runs on the fiber's thread, which is therefore not inside the fiber's wait
    // between its unlock and its block: the fiber is in `local` (or already woke by itself).
    if (FiberRecord* f = w->local.front()) w->core->wake(f, Status::ok);
  } else {
    w->refs.fetch_add(1, std::memory_order_relaxed);
    w->core->post_wake(w);
  }
}

bool CrossWaitList::notify_one() noexcept {
  CrossWaiter* w = pop_front();
  if (!w) return false;
  wake(w);
  return true;
}

std::size_t CrossWaitList::notify_all() noexcept {
  std::size_t woken = 0;
  while (CrossWaiter* w = pop_front()) {
    wake(w);
    ++woken;
  }
  return woken;
}

bool CrossWaitList::hand_one(PassOn pass_on, void* owner) noexcept {
  CrossWaiter* w = pop_front();
  if (!w) return false;
  w->handed = true;
  w->pass_on = pass_on;
  w->pass_on_owner = owner;
  wake(w);
  return true;
}

namespace {

// What a waiter that leaves without taking what it was woken for leaves to the next one. Lock held.
void pass_on_from(CrossWaiter* w) noexcept {
  if (w->queued) {
    w->list->remove(w);
  } else if (w->handed) {
    w->handed = false;
    if (w->pass_on) w->pass_on(w->pass_on_owner);
  } else if (w->notified) {
    w->list->notify_one();  // it may have been the one meant to take a value: let the next look
  }
}

Status wait_as_thread(CrossWaitList& list, std::unique_lock<std::mutex>& lock, TimePoint deadline,
                      bool* handed) {
  CrossWaiter w;
  w.list = &list;
  w.mutex = lock.mutex();
  list.push_back(&w);
  while (!w.notified) {
    if (deadline == TimePoint::max()) {
      w.thread_wake.wait(lock);
    } else if (w.thread_wake.wait_until(lock, deadline) == std::cv_status::timeout) {
      break;
    }
  }
  if (w.queued) list.remove(&w);
  if (handed) *handed = w.handed;
  return w.notified ? Status::ok : Status::timeout;
}

}  // namespace

Status CrossWaitList::wait_keeping(std::unique_lock<std::mutex>& lock, CopyKeepAlive copy,
                                   const void* keep_alive, TimePoint deadline, const char* what,
                                   bool* handed) {
  if (handed) *handed = false;
  SchedulerCore* core = SchedulerCore::current();
  // A thread without a Scheduler blocks; one with a Scheduler parks the calling fiber.
  if (!core) return wait_as_thread(*this, lock, deadline, handed);
  if (!core->can_block(what)) return Status::not_suspendable;
  FiberRecord* self = core->running();
  auto* w = new CrossWaiter;
  w->list = this;
  w->mutex = lock.mutex();
  copy(keep_alive, w->keep_alive);
  w->core = core;
  push_back(w);
  self->cross_waiter = w;
  lock.unlock();
  // Only another thread may end this wait: an idle scheduler waits for it, however long.
  core->begin_external_wait();
  Status status = Status::ok;
#if defined(__cpp_exceptions)
  try {
    status = core->wait(w->local, deadline, what);
  } catch (...) {  // FiberCancelled: what it was woken for goes to the next waiter
    core->end_external_wait();
    self->cross_waiter = nullptr;
    lock.lock();
    pass_on_from(w);
    unref(w);
    throw;
  }
#else
  status = core->wait(w->local, deadline, what);
#endif
  core->end_external_wait();
  self->cross_waiter = nullptr;
  lock.lock();
  if (w->queued) remove(w);
  // Woken by a notification (maybe delivered after a timeout): the caller checks again.
  if (w->notified) status = Status::ok;
  if (handed) *handed = w->handed;
  unref(w);
  return status;
}

void cross_waiter_gone(CrossWaiter* w) noexcept {
  w->core->end_external_wait();
  {
    std::lock_guard<std::mutex> lock(*w->mutex);
    pass_on_from(w);
  }
  unref(w);
}

void deliver_cross_wake(CrossWaiter* w) noexcept {
  if (FiberRecord* f = w->local.front()) f->core->wake(f, Status::ok);
  unref(w);
}

}  // namespace spool::detail
