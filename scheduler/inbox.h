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
    // A store-buffering (Dekker) handshake with sleep_until(): we write pending_, then read
    // sleeping_; the sleeper writes sleeping_, then reads pending_. All four accesses are seq_cst,
    // so they fall in one total order: either the sleeper's read comes after our increment (it
    // sees the work and does not sleep), or our read comes after its store (we see it sleeping and
    // notify under the mutex, which it holds until it waits). With a weaker read on either side
    // both could miss the other, and the sleeper would sleep through the post.
    pending_.fetch_add(1, std::memory_order_seq_cst);
    if (sleeping_.load(std::memory_order_seq_cst)) {
      std::lock_guard<std::mutex> lock(mutex_);
      wake_.notify_one();
    }
  }

  bool has_pending() const noexcept { return pending_.load(std::memory_order_acquire) != 0; }

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

  // Native idle: blocks the thread until a push or `deadline` (steady clock). Returns true if
  // work is pending.
  bool sleep_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    sleeping_.store(true, std::memory_order_seq_cst);
    // seq_cst, not acquire: this read is the sleeper's half of the handshake in push().
    while (pending_.load(std::memory_order_seq_cst) == 0) {
      if (wake_.wait_until(lock, deadline) == std::cv_status::timeout) break;
    }
    sleeping_.store(false, std::memory_order_seq_cst);
    return pending_.load(std::memory_order_seq_cst) != 0;
  }

 private:
  moodycamel::ConcurrentQueue<Task> queue_;
  std::atomic<std::size_t> pending_{0};
  std::atomic<bool> sleeping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace spool::detail
