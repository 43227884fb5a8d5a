// Who drives an idle scheduler. The scheduler picks the next fiber (scheduler_core.h); when there
// is none, the driver decides how to wait (after folly's LoopController): natively it blocks the
// thread until a timer is due or work is posted from another thread (driver_native.cpp); in wasm
// it parks the idle context on the JavaScript event loop, which drives from then on
// (driver_jspi.cpp). One driver per platform is built; nothing else in scheduler/ knows which.
#pragma once

#include <memory>

#include "spool/clock.h"

namespace spool::detail {

class SchedulerCore;
struct FiberRecord;

class Driver {
 public:
  enum class Idle {
    woken,      // wake() was called, or work was posted
    timed_out,  // the timeout passed
    drained,    // nothing can ever wake us (Node's event loop ran out of work)
  };

  virtual ~Driver() = default;

  // The running context `self` has nothing to run: waits up to `timeout` (Duration::max():
  // without a limit) for wake() or posted work. Called by the scheduler's thread only.
  virtual Idle wait(FiberRecord* self, Duration timeout) = 0;

  // Ends a wait() in progress, from the scheduler's own thread (a JS callback, or a fiber that
  // made work while the scheduler was parked). Posts from other threads wake through the inbox.
  virtual void wake() noexcept = 0;

  // wasm: the engine stack of the running fiber stopped with an error. Called from a plain call;
  // the driver ends that fiber (SchedulerCore::finish_lost_fiber) from a context of its own.
  virtual void on_context_lost() = 0;

  // `fiber` (named `name`) runs from now on (Config::performance_marks): in wasm the previous
  // run ends as a span in the browser's performance tools. Natively nothing.
  virtual void mark_run(const char* name) noexcept = 0;
};

// The platform's driver for `core` (defined in driver_native.cpp or driver_jspi.cpp).
std::unique_ptr<Driver> make_platform_driver(SchedulerCore& core);

}  // namespace spool::detail
