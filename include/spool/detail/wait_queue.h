// The building block of spool's synchronisation primitives: a FIFO of fibers blocked on one
// thing. Internal to spool's headers (the primitives are templates or need it inline); use the
// primitives instead.
#pragma once

#include <cstddef>

#include "../clock.h"
#include "../status.h"

namespace spool::detail {

struct FiberRecord;

// now() + timeout on the clock of the calling thread's Scheduler (steady_clock without one),
// saturating at TimePoint::max() (which means "no deadline") instead of overflowing.
TimePoint deadline_after(Duration timeout) noexcept;

// Belongs to the Scheduler of the thread that uses it; not thread-safe.
class WaitQueue {
 public:
  // Called when a fiber that was handed something (hand_one) ends before its wait returned, with
  // the `owner` given at construction: the primitive passes it on to the next waiter.
  using PassOn = void (*)(void* owner);

  WaitQueue() noexcept = default;
  WaitQueue(PassOn pass_on, void* owner) noexcept : pass_on_(pass_on), owner_(owner) {}
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;
  // Fibers still waiting when a queue is destroyed are woken with Status::closed.
  ~WaitQueue();

  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }

  // Blocks the running fiber until notified (returns the status given to notify), until
  // `deadline` (Status::timeout; TimePoint::max(): none), or, if `cancellable`, until the fiber
  // is cancelled (Status::cancelled). `what` names the call in reports. Must be called from a
  // fiber of the thread's Scheduler.
  Status wait(const char* what, TimePoint deadline = TimePoint::max(), bool cancellable = true);

  // Wakes the longest waiter (false if none) / every waiter; their wait returns `status`.
  bool notify_one(Status status = Status::ok) noexcept;
  std::size_t notify_all(Status status = Status::ok) noexcept;
  // Wakes the longest waiter, handing it something it must not lose (the lock, a unit, the
  // signal): if it ends (killed) before its wait returns, the queue's PassOn runs.
  bool hand_one(Status status = Status::ok) noexcept;

  // Internal: the list operations the scheduler uses (scheduler/sync/wait_queue.cpp).
  void push_back(FiberRecord* f) noexcept;
  void remove(FiberRecord* f) noexcept;
  FiberRecord* front() const noexcept { return head_; }
  // `f`, handed something by this queue, returned from its wait: it has it.
  void take_handed(FiberRecord* f) noexcept;
  // `f`, handed something by this queue, ended before its wait returned: pass it on.
  void pass_on_from(FiberRecord* f) noexcept;

 private:
  FiberRecord* head_ = nullptr;
  FiberRecord* tail_ = nullptr;
  std::size_t size_ = 0;
  FiberRecord* handed_ = nullptr;  // woken by hand_one, wait not returned yet
  PassOn pass_on_ = nullptr;
  void* owner_ = nullptr;
};

}  // namespace spool::detail
