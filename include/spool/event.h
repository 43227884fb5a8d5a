// spool::Event: a fiber-aware event, auto or manual reset.
//
// Capture rule (all of spool's primitives): an Event is a handle to shared state. Copies refer to
// the same event, so capturing one by value in a fiber's lambda is always safe; capturing by
// reference is safe while the referenced handle lives. Use it from fibers of one thread's
// Scheduler; from another thread, post() the signal to that thread.
#pragma once

#include <memory>

#include "clock.h"
#include "status.h"

namespace spool {

class Event {
 public:
  enum class Mode { auto_reset, manual_reset };

  explicit Event(Mode mode = Mode::auto_reset);

  // Auto-reset: wakes one waiter, or (if none waits) lets the next wait() through once.
  // Manual-reset: stays set, waking every waiter, until reset(). Never blocks; callable from
  // plain calls (JS callbacks) too.
  void signal() noexcept;
  void reset() noexcept;
  bool is_set() const noexcept;

  // Blocks the calling fiber until signalled: ok, timeout, or cancelled.
  Status wait();
  Status wait_until(TimePoint deadline);
  Status wait_for(Duration timeout);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace spool
