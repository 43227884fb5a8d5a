// spool::Event: a fiber-aware event, auto or manual reset.
//
// Capture rule (all of spool's primitives): an Event is a handle to shared state. Copies refer to
// the same event, so capturing one by value in a fiber's lambda is always safe; capturing by
// reference is safe while the referenced handle lives. Use it from fibers of one thread's
// Scheduler; from another thread, post() the signal to that thread.
#pragma once

#include <memory>
#include <utility>

#include "clock.h"
#include "detail/unique_function.h"
#include "fiber_options.h"
#include "status.h"

namespace spool {

class Event;
namespace detail {
struct FiberRecord;
class Watchers;
// The selectors watching `event` (include/spool/select.h).
Watchers& watchers_of(const Event& event) noexcept;
}  // namespace detail

class Event {
 public:
  enum class Mode { auto_reset, manual_reset };

  explicit Event(Mode mode = Mode::auto_reset);

  // Auto-reset: wakes one waiter, or (if none waits) lets the next wait() through once.
  // Manual-reset: stays set, waking every waiter, until reset(). Never blocks; callable from
  // plain calls (JS callbacks) too. Either way it also fires what was subscribed (spawn_when,
  // Fiber::cancel_when), once. Ignored while the event is cancelled.
  void signal() noexcept;
  // Cancels the event (as Taisei cancels a CoEvent): every waiter wakes with Status::cancelled,
  // and so does every wait() until reset(); what was subscribed is dropped without firing.
  void cancel() noexcept;
  // Clears a signal and a cancellation.
  void reset() noexcept;
  bool is_set() const noexcept;
  bool is_cancelled() const noexcept;

  // Blocks the calling fiber until signalled: ok, timeout, or cancelled.
  Status wait();
  Status wait_until(TimePoint deadline);
  Status wait_for(Duration timeout);
  // Never blocks: ok if it was set (an auto-reset event is reset by it), cancelled if it is
  // cancelled, timeout if it is not set.
  Status try_wait() noexcept;

  // When the event is next signalled, spawns `fn` on this thread's Scheduler (as
  // Scheduler::spawn, never switching); dropped if the event is cancelled first. The event keeps
  // `fn` until then.
  template <class F>
  void spawn_when_signalled(F&& fn, const FiberOptions& options = {}) {
    subscribe_spawn(detail::UniqueFunction<void()>(std::forward<F>(fn)), options);
  }

 private:
  friend class Fiber;
  friend class FiberRef;
  friend detail::Watchers& detail::watchers_of(const Event& event) noexcept;
  void subscribe_spawn(detail::UniqueFunction<void()> fn, const FiberOptions& options);
  void subscribe_cancel(detail::FiberRecord* fiber) const;
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace spool
