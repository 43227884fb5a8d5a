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
// saturating instead of overflowing.
TimePoint deadline_after(Duration timeout) noexcept;

// Belongs to the Scheduler of the thread that uses it; not thread-safe.
class WaitQueue {
 public:
  WaitQueue() noexcept = default;
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;
  // Fibers still waiting when a queue is destroyed are woken with Status::closed.
  ~WaitQueue();

  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }

  // Blocks the running fiber until notified (returns the status given to notify), until
  // `deadline` (Status::timeout), or, if `cancellable`, until the fiber is cancelled
  // (Status::cancelled). `what` names the call in reports. Must be called from a fiber of the
  // thread's Scheduler.
  Status wait(const char* what, TimePoint deadline = TimePoint::max(), bool cancellable = true);

  // Wakes the longest waiter (false if none) / every waiter; their wait returns `status`.
  bool notify_one(Status status = Status::ok) noexcept;
  std::size_t notify_all(Status status = Status::ok) noexcept;

  // Internal: the intrusive list operations the scheduler uses (scheduler/fiber_record.h).
  inline void push_back(FiberRecord* f) noexcept;
  inline FiberRecord* pop_front() noexcept;
  inline void remove(FiberRecord* f) noexcept;
  FiberRecord* front() const noexcept { return head_; }

 private:
  FiberRecord* head_ = nullptr;
  FiberRecord* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace spool::detail
