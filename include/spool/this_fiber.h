// Calls about the running fiber. Each may be called from any fiber of the thread's Scheduler,
// including the thread's main context. Where the caller cannot switch (wasm: a plain call of an
// export from JavaScript) they change nothing and return Status::not_suspendable, reported with
// the fix; without a Scheduler on the thread they return Status::no_scheduler.
#pragma once

#include "clock.h"
#include "fiber.h"
#include "status.h"

namespace spool::this_fiber {

// Lets every other ready fiber run once, then continues. Fair: ready fibers run in FIFO order.
Status yield();

// Blocks the calling fiber for at least `duration` of the Scheduler's clock, without a JS timer
// per fiber: all sleepers share one timer heap.
Status sleep_for(Duration duration);
Status sleep_until(TimePoint deadline);

// The running fiber's id and name; 0 and "" without a Scheduler. The main context is "main".
FiberId id() noexcept;
const char* name() noexcept;

}  // namespace spool::this_fiber
