// Which spool::Coroutine runs on the current fiber. A coroutine's body may block on the
// Scheduler, which switches to another fiber while the coroutine stays mid-body; the coroutines
// that fiber then resumes must not see the first one as their resumer. So the scheduler takes the
// value with it on every switch: it hands the fiber it switches to a clean slate and gives the
// value back when the fiber resumes.
#pragma once

namespace spool::detail {

// Sets the coroutine running on this fiber (null outside any) and returns the previous one.
void* exchange_running_coroutine(void* coroutine) noexcept;

// A fiber suspended inside `innermost` (the value exchange_running_coroutine() returned when it
// switched away) will never resume: it was killed, or abandoned by its Scheduler. Every coroutine
// on that chain becomes dead (their frames never run again, as with a fiber's), and the runs that
// resumed them are let go: the fiber's own, and each outer coroutine's. The innermost one's run
// is in the fiber's saved context, which its caller releases. Each coroutine's stack goes back
// when the coroutine is destroyed.
void abandon_coroutine_chain(void* innermost) noexcept;

}  // namespace spool::detail
