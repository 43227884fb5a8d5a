// One waiter of a cross-thread primitive (include/spool/detail/cross_wait_list.h). Internal.
//
// A fiber's waiter lives on the heap: the notifier may hand it to the fiber's scheduler (through
// its inbox) after the fiber stopped waiting, so it is freed by whichever lets go last, the fiber
// or the delivery (both on the fiber's thread). A thread's waiter lives on that thread's stack:
// everything about it happens under the primitive's mutex.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "spool/detail/cross_wait_list.h"
#include "spool/detail/wait_queue.h"

namespace spool::detail {

class SchedulerCore;

struct CrossWaiter {
  // Guarded by the primitive's mutex.
  CrossWaiter* prev = nullptr;
  CrossWaiter* next = nullptr;
  bool queued = false;    // in the list
  bool notified = false;  // taken off the list by notify_one/notify_all/hand_one
  bool handed = false;    // by hand_one: the waiter has what was handed
  CrossWaitList::PassOn pass_on = nullptr;
  void* pass_on_owner = nullptr;
  CrossWaitList* list = nullptr;
  std::mutex* mutex = nullptr;
  std::shared_ptr<void> keep_alive;  // the primitive's state, which holds the list and mutex

  // A fiber: its scheduler, and the queue it blocks in there (touched on that thread only).
  SchedulerCore* core = nullptr;
  WaitQueue local;
  // The fiber's reference, and one per delivery in flight.
  std::atomic<int> refs{1};

  // A thread without a Scheduler.
  std::condition_variable thread_wake;
};

// Drops a reference to a fiber's waiter, freeing it at zero.
void unref(CrossWaiter* waiter) noexcept;

// The fiber waiting in `waiter` ended without returning from its wait (killed, or abandoned by
// ~Scheduler): takes it off the list, passes on what it was notified of or handed, and lets go of
// it. Called by SchedulerCore::end() on the fiber's thread.
void cross_waiter_gone(CrossWaiter* waiter) noexcept;

// A notification for `waiter` reached its scheduler's thread: wake the fiber if it still waits
// there, then let go of the delivery's reference.
void deliver_cross_wake(CrossWaiter* waiter) noexcept;

}  // namespace spool::detail
