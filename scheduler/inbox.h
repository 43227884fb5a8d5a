// What reaches a scheduler from any thread (or, in wasm, from a JS callback): posted work, wakes
// of its fibers blocked on cross-thread primitives, and nudges (a Pool has work it may take).
// Each goes into a moodycamel ConcurrentQueue (or a flag) drained by the scheduler's thread, and
// then the idle scheduler is woken:
//  - natively it sleeps on a condition variable here (sleep_until), and every push from another
//    thread wakes it at once;
//  - in wasm it is parked on the JS event loop and the core wakes it (the inbox only reports that
//    work arrived); a push from another thread (a pthread) is seen at its next timer only, since
//    the park does not wait on the inbox yet (issue 17, the Atomics.waitAsync part).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

#include <concurrentqueue/concurrentqueue.h>

#include "spool/scheduler.h"

namespace spool::detail {

struct CrossWaiter;  // scheduler/cross_waiter.h

class Inbox {
 public:
  using Task = Scheduler::Task;

  // Any thread. Returns after the task is visible to drain().
  void push(Task task) {
    queue_.enqueue(std::move(task));
    // A store-buffering (Dekker) handshake with sleep_until(): we write pending_, then read
    // sleeping_ (in signal()); the sleeper writes sleeping_, then reads pending_. All four
    // accesses are seq_cst, so they fall in one total order: either the sleeper's read comes
    // after our increment (it sees the work and does not sleep), or our read comes after its
    // store (we see it sleeping and notify under the mutex, which it holds until it waits). With
    // a weaker read on either side both could miss the other, and the sleeper would sleep
    // through the post. push_wake() and nudge() do the same with their own counter or flag.
    pending_.fetch_add(1, std::memory_order_seq_cst);
    signal();
  }

  // Any thread: `waiter`, a fiber of this scheduler blocked on a cross-thread primitive, was
  // notified. Its scheduler wakes it at its next poll (drain_wakes).
  void push_wake(CrossWaiter* waiter) {
    wakes_.enqueue(waiter);
    pending_.fetch_add(1, std::memory_order_seq_cst);
    signal();
  }

  // Any thread: an idle scheduler wakes up and looks for work again (its Pool has some to take).
  // Cheap when it is not idle: a flag.
  void nudge() {
    nudged_.store(true, std::memory_order_seq_cst);
    signal();
  }

  // seq_cst: the other half of the store-then-load pairs with push()/nudge() (see signal()).
  bool has_pending() const noexcept {
    return pending_.load(std::memory_order_seq_cst) != 0 || nudged_.load(std::memory_order_seq_cst);
  }
  // Any thread: whether the scheduler's thread sleeps in sleep_until() now. A hint (it may wake
  // or fall asleep right after): a Pool uses it to pick a sibling to nudge, tests to post only
  // once the scheduler sleeps.
  bool idle() const noexcept { return sleeping_.load(std::memory_order_seq_cst); }

  // The scheduler's thread: hands every queued task to `sink`, in order per producer.
  template <class Sink>
  std::size_t drain(Sink&& sink) {
    // An exchange, not a store: reading a nudge synchronises with the nudger, so the work it
    // queued before nudging is visible to the work source's next take.
    nudged_.exchange(false, std::memory_order_seq_cst);
    std::size_t count = 0;
    Task task;
    while (queue_.try_dequeue(task)) {
      pending_.fetch_sub(1, std::memory_order_acq_rel);
      sink(std::move(task));
      ++count;
    }
    return count;
  }

  // The scheduler's thread: hands every waiter to wake to `sink`.
  template <class Sink>
  void drain_wakes(Sink&& sink) {
    CrossWaiter* waiter = nullptr;
    while (wakes_.try_dequeue(waiter)) {
      pending_.fetch_sub(1, std::memory_order_acq_rel);
      sink(waiter);
    }
  }

  // The scheduler's thread: how many sleep_until() calls ended at their deadline rather than by
  // a push (a post that arrived while the scheduler slept must never show up here).
  std::size_t timed_out_sleeps() const noexcept { return timed_out_sleeps_; }

  // Native idle: blocks the thread until a push or `deadline` (steady clock). Returns true if
  // work is pending.
  bool sleep_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    sleeping_.store(true, std::memory_order_seq_cst);
    // seq_cst reads (has_pending): the sleeper's half of the handshake in push().
    while (!has_pending()) {
      if (wake_.wait_until(lock, deadline) == std::cv_status::timeout) {
        ++timed_out_sleeps_;
        break;
      }
    }
    sleeping_.store(false, std::memory_order_seq_cst);
    return has_pending();
  }

 private:
  // Pairs with sleep_until(): either the sleeper sees the work (has_pending) before it sleeps, or
  // we see it sleeping and notify under the mutex, which it holds from its check until it waits.
  void signal() {
    if (!sleeping_.load(std::memory_order_seq_cst)) return;
    std::lock_guard<std::mutex> lock(mutex_);
    wake_.notify_one();
  }

  moodycamel::ConcurrentQueue<Task> queue_;
  moodycamel::ConcurrentQueue<CrossWaiter*> wakes_;
  std::atomic<std::size_t> pending_{0};
  std::atomic<bool> nudged_{false};
  std::atomic<bool> sleeping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::size_t timed_out_sleeps_ = 0;  // the scheduler's thread only
};

}  // namespace spool::detail
