// Calls about the running fiber. Each may be called from any fiber of the thread's Scheduler,
// including the thread's main context. Where the caller cannot switch (wasm: a plain call of an
// export from JavaScript) they change nothing and return Status::not_suspendable, reported with
// the fix; without a Scheduler on the thread they return Status::no_scheduler.
#pragma once

#include <cstdint>
#include <utility>

#include "clock.h"
#include "detail/unique_function.h"
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

// Frames (Scheduler::tick()): blocks until `frames` more ticks have happened. Waiting fibers are
// counted down by the scheduler without switching into them. wait_frames(0) is a yield.
Status wait_frames(std::uint64_t frames);

// Blocks until `predicate()` is true; the scheduler checks it once per tick, without switching
// into the fiber. The predicate runs on the ticking context: keep it short and non-blocking.
Status wait_until_true(detail::UniqueFunction<bool()> predicate);
// The former name, which read like the wait_until(TimePoint) of every other primitive.
template <class Predicate>
[[deprecated("use this_fiber::wait_until_true(predicate)")]] Status wait_until(Predicate&& predicate) {
  return wait_until_true(detail::UniqueFunction<bool()>(std::forward<Predicate>(predicate)));
}

// Whether the running fiber was asked to stop (see Fiber::cancel()).
bool cancel_requested() noexcept;

// Spawns a child of the running fiber: cancelled when its parent ends (or is cancelled).
Fiber spawn_child_task(detail::UniqueFunction<void()> fn, const FiberOptions& options);
template <class F>
Fiber spawn_child(F&& fn, const FiberOptions& options = {}) {
  return spawn_child_task(detail::UniqueFunction<void()>(std::forward<F>(fn)), options);
}

// Blocks until every child of the running fiber has finished: ok, cancelled, or (with a
// deadline) timeout.
Status join_children();
Status join_children_until(TimePoint deadline);
Status join_children_for(Duration timeout);

// Registers cleanup to run if the running fiber is killed (Fiber::kill()), most recent first.
// Not run when the fiber ends any other way.
void on_kill(detail::UniqueFunction<void()> cleanup);

}  // namespace spool::this_fiber
