// The building block of spool's cross-thread primitives (include/spool/cross_thread/): a FIFO of
// waiters guarded by the primitive's own std::mutex, where each waiter is a fiber of any thread's
// Scheduler or a plain thread that has no Scheduler. Internal to spool's headers (Channel is a
// template); use the primitives instead.
//
// A notified fiber is woken through its Scheduler's inbox (at once if the notifier runs on the
// fiber's own thread), which also wakes that scheduler if it is idle; a notified thread through a
// condition variable. A woken waiter checks its primitive's state again: it is a hint, except
// when something was handed to it (hand_one), which it then has even if its wait timed out
// meanwhile. A fiber that ends while waiting (killed, or abandoned by ~Scheduler) leaves the list;
// what it was handed or notified of passes on to the next waiter.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>

#include "../clock.h"
#include "../status.h"

namespace spool::detail {

struct CrossWaiter;

class CrossWaitList {
 public:
  CrossWaitList() noexcept = default;
  CrossWaitList(const CrossWaitList&) = delete;
  CrossWaitList& operator=(const CrossWaitList&) = delete;
  // No waiter is left when the primitive's state is freed: each one keeps the state alive.
  ~CrossWaitList() = default;

  // Called with `lock` (on the primitive's mutex) held; returns with it held again. Blocks the
  // calling fiber (or, on a thread without a Scheduler, the thread) until notified, until
  // `deadline` (Status::timeout), or until the fiber is cancelled (Status::cancelled). Returns ok
  // when notified; *handed tells whether hand_one() chose it (it then has what was handed, whatever
  // the status). `keep_alive` owns the primitive's state (this list included): a waiter killed
  // mid-wait still needs it. `what` names the call in reports. The caller checks its state again
  // after every return.
  // A template, so that no converted shared_ptr<void> temporary lives on the waiting fiber's
  // stack: a killed fiber's stack is never unwound, and that temporary would keep the state alive
  // for ever. The copy is made straight into the heap waiter.
  template <class State>
  Status wait(std::unique_lock<std::mutex>& lock, const std::shared_ptr<State>& keep_alive,
              TimePoint deadline, const char* what, bool* handed = nullptr) {
    return wait_keeping(lock, &copy_keep_alive<State>, &keep_alive, deadline, what, handed);
  }

  // With the lock held: wakes the longest waiter / every waiter. False / 0 if none waits.
  bool notify_one() noexcept;
  std::size_t notify_all() noexcept;
  // With the lock held: wakes the longest waiter and hands it something it must not lose (an
  // auto-reset signal): if it ends before it returns from wait(), `pass_on` runs with the lock
  // held, to give it to the next.
  using PassOn = void (*)(void* owner);
  bool hand_one(PassOn pass_on, void* owner) noexcept;

  bool empty() const noexcept { return head_ == nullptr; }

  // Internal (scheduler/sync/cross_wait_list.cpp): the list's links.
  void push_back(CrossWaiter* w) noexcept;
  void remove(CrossWaiter* w) noexcept;
  CrossWaiter* pop_front() noexcept;
  void wake(CrossWaiter* w) noexcept;

 private:
  using CopyKeepAlive = void (*)(const void* from, std::shared_ptr<void>& to);
  template <class State>
  static void copy_keep_alive(const void* from, std::shared_ptr<void>& to) {
    to = *static_cast<const std::shared_ptr<State>*>(from);
  }
  Status wait_keeping(std::unique_lock<std::mutex>& lock, CopyKeepAlive copy, const void* keep_alive,
                      TimePoint deadline, const char* what, bool* handed);

  CrossWaiter* head_ = nullptr;
  CrossWaiter* tail_ = nullptr;
};

}  // namespace spool::detail
