// spool::Future<T> and spool::Promise<T>: a value that one fiber produces and others wait for.
// Scheduler::spawn_future() runs a function in a fiber and returns the Future of its result.
//
//   spool::Future<int> damage = scheduler.spawn_future([] { return roll(); });
//   if (damage.wait() == spool::Status::ok) apply(damage.get());
//
// A Future is a handle to shared state (copies wait for the same value; see event.h for the
// capture rule). Its outcome, once ready, is one of:
//   ok            a value: get() returns it
//   fiber_failed  the function threw (get() rethrows it; error() holds it), or ended without one
//   cancelled     its fiber was cancelled, killed or never started (no stack) before it produced
//                 one; a Promise dropped unset
// wait() / get() block the calling fiber only; select() and when_any() wait on several.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "clock.h"
#include "detail/wait_queue.h"
#include "event.h"
#include "fiber.h"
#include "status.h"

namespace spool {

template <class T>
class Promise;

namespace detail {
template <class T>
struct FutureState {
  Event done{Event::Mode::manual_reset};
  Status outcome = Status::timeout;  // timeout: not ready yet
  std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> value;
  std::exception_ptr error;
};
}  // namespace detail

template <class T>
class Future {
 public:
  Future() : state_(std::make_shared<detail::FutureState<T>>()) {}

  bool ready() const noexcept { return state_->outcome != Status::timeout; }
  // Blocks the calling fiber until ready: the outcome (above), or why it stopped waiting
  // (timeout, cancelled, not_suspendable).
  Status wait() { return wait_until(TimePoint::max()); }
  Status wait_for(Duration timeout) { return wait_until(detail::deadline_after(timeout)); }
  Status wait_until(TimePoint deadline) {
    if (!ready()) {
      Status status = state_->done.wait_until(deadline);
      if (status != Status::ok) return status;
    }
    return state_->outcome;
  }
  // The outcome if ready, timeout if not (never blocks).
  Status try_get() const noexcept { return state_->outcome; }

  // Waits, then the value. Builds with exceptions: rethrows what the function threw, and throws
  // spool::NoValue if there is none (cancelled, failed without an exception). Without
  // exceptions, call it only once wait() returned ok.
  decltype(auto) get() {
    wait();
#if defined(__cpp_exceptions)
    if (state_->error) std::rethrow_exception(state_->error);
    if (!state_->value) throw NoValue{};
#endif
    if constexpr (std::is_void_v<T>) {
      return;
    } else {
      return static_cast<T&>(*state_->value);
    }
  }
  const std::exception_ptr& error() const noexcept { return state_->error; }
  // A manual-reset event set once it is ready (to wait on among other things).
  const Event& done() const noexcept { return state_->done; }

  // Thrown by get() when there is no value to return.
  struct NoValue {};

 private:
  friend class Promise<T>;
  std::shared_ptr<detail::FutureState<T>> state_;
};

// The producing side: set once; a Promise dropped unset makes its Future `cancelled`.
template <class T>
class Promise {
 public:
  Promise() = default;
  Promise(Promise&&) noexcept = default;
  Promise& operator=(Promise&&) noexcept = default;
  Promise(const Promise&) = delete;
  Promise& operator=(const Promise&) = delete;
  ~Promise() {
    if (state_ && state_->outcome == Status::timeout) finish(Status::cancelled);
  }

  Future<T> future() const {
    Future<T> f;
    f.state_ = state_;
    return f;
  }
  template <class... Args>
  void set_value(Args&&... args) {
    if (state_->outcome != Status::timeout) return;
    if constexpr (std::is_void_v<T>) {
      state_->value.emplace(true);
    } else {
      state_->value.emplace(std::forward<Args>(args)...);
    }
    finish(Status::ok);
  }
  void set_error(std::exception_ptr error) {
    if (state_->outcome != Status::timeout) return;
    state_->error = std::move(error);
    finish(Status::fiber_failed);
  }
  void set_cancelled() {
    if (state_->outcome == Status::timeout) finish(Status::cancelled);
  }

 private:
  void finish(Status outcome) {
    state_->outcome = outcome;
    state_->done.signal();
  }
  std::shared_ptr<detail::FutureState<T>> state_ = std::make_shared<detail::FutureState<T>>();
};

namespace detail {
// The body of Scheduler::spawn_future: runs `fn` and settles `promise` with its outcome.
template <class R, class F>
void run_into(Promise<R>& promise, F& fn) {
#if defined(__cpp_exceptions)
  try {
    if constexpr (std::is_void_v<R>) {
      fn();
      promise.set_value();
    } else {
      promise.set_value(fn());
    }
  } catch (const FiberCancelled&) {
    promise.set_cancelled();  // cancel_by_exception: the fiber unwound
  } catch (...) {
    promise.set_error(std::current_exception());
  }
#else
  if constexpr (std::is_void_v<R>) {
    fn();
    promise.set_value();
  } else {
    promise.set_value(fn());
  }
#endif
}
}  // namespace detail

}  // namespace spool
