// Which spool::Coroutine runs on the current fiber. A coroutine's body may block on the
// Scheduler, which switches to another fiber while the coroutine stays mid-body; the coroutines
// that fiber then resumes must not see the first one as their resumer. So the scheduler takes the
// value with it on every switch: it hands the fiber it switches to a clean slate and gives the
// value back when the fiber resumes.
#pragma once

namespace spool::detail {

// Sets the coroutine running on this fiber (null outside any) and returns the previous one.
void* exchange_running_coroutine(void* coroutine) noexcept;

}  // namespace spool::detail
