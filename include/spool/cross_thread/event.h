// spool::cross_thread::Event: an event that fibers of different threads' Schedulers (Pool workers
// included) and plain threads may signal and wait on. Auto or manual reset, like spool::Event,
// without its fiber-only parts (cancel(), subscriptions, select()).
//
// A handle: copies refer to the same event, so capture it by value. Every call is thread-safe.
// A wait parks the calling fiber (other fibers of its thread run meanwhile); on a thread without
// a Scheduler it blocks the thread. A fiber woken from another thread resumes as soon as its
// scheduler polls: at once if it is idle (natively it sleeps on a condition variable that the
// wake notifies). In wasm, where spool has no threads yet (no -pthread build), these serve the
// fibers of the one thread like the plain primitives.
#pragma once

#include <memory>

#include "../clock.h"
#include "../status.h"

namespace spool::cross_thread {

class Event {
 public:
  enum class Mode { auto_reset, manual_reset };

  explicit Event(Mode mode = Mode::auto_reset);

  // Auto-reset: hands the signal to one waiter (the longest), or, if none waits, lets the next
  // wait through once; signals while it is set do not add up. Manual-reset: stays set, waking
  // every waiter, until reset(). Never blocks; any thread, any context (a JS callback too).
  void signal() noexcept;
  void reset() noexcept;
  bool is_set() const noexcept;

  // Blocks the calling fiber (or thread) until signalled: ok or timeout; cancelled if the fiber is
  // cancelled. A signal handed to a waiter that times out at the same moment is its: ok.
  Status wait();
  Status wait_until(TimePoint deadline);
  Status wait_for(Duration timeout);
  // Never blocks: ok if it was set (an auto-reset event is reset by it), timeout if not.
  Status try_wait() noexcept;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace spool::cross_thread
