// Work posted to a scheduler from any thread (or, in wasm, from a JS callback): a moodycamel
// ConcurrentQueue drained by the scheduler's thread, plus the means to wake that thread when it is
// idle. Natively an idle scheduler sleeps on a condition variable here; in wasm it is parked on
// the JS event loop and the core wakes it (the inbox only reports that work arrived).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

#include <concurrentqueue/concurrentqueue.h>

#include "spool/scheduler.h"

namespace spool::detail {

class Inbox {
 public:
  using Task = Scheduler::Task;

  // Any thread. Returns after the task is visible to drain().
  void push(Task task) {
    queue_.enqueue(std::move(task));
    pending_.fetch_add(1, std::memory_order_seq_cst);
    // Pairs with sleep_until(): either the sleeper sees pending_ > 0 before sleeping, or we see
    // sleeping_ and notify under the mutex.
    if (sleeping_.load(std::memory_order_seq_cst)) {
      std::lock_guard<std::mutex> lock(mutex_);
      wake_.notify_one();
    }
  }

  // seq_cst: the other half of the store-then-load pair with push() (sleeping_, then pending_).
  bool has_pending() const noexcept { return pending_.load(std::memory_order_seq_cst) != 0; }
  // Any thread: whether the scheduler's thread sleeps in sleep_until() now. A hint (it may wake
  // or fall asleep right after); tests use it to post only once the scheduler sleeps.
  bool idle() const noexcept { return sleeping_.load(std::memory_order_seq_cst); }

  // The scheduler's thread: hands every queued task to `sink`, in order per producer.
  template <class Sink>
  std::size_t drain(Sink&& sink) {
    std::size_t count = 0;
    Task task;
    while (queue_.try_dequeue(task)) {
      pending_.fetch_sub(1, std::memory_order_acq_rel);
      sink(std::move(task));
      ++count;
    }
    return count;
  }

  // The scheduler's thread: how many sleep_until() calls ended at their deadline rather than by
  // a push (a post that arrived while the scheduler slept must never show up here).
  std::size_t timed_out_sleeps() const noexcept { return timed_out_sleeps_; }

  // Native idle: blocks the thread until a push or `deadline` (steady clock). Returns true if
  // work is pending.
  bool sleep_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    sleeping_.store(true, std::memory_order_seq_cst);
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
  moodycamel::ConcurrentQueue<Task> queue_;
  std::atomic<std::size_t> pending_{0};
  std::atomic<bool> sleeping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::size_t timed_out_sleeps_ = 0;  // the scheduler's thread only
};

}  // namespace spool::detail
