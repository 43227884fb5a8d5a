// Cross-thread wake-ups: a scheduler idle on another thread's post. Native only: spool's wasm
// builds have no threads yet.
// No test sleeps to synchronise: threads meet on the primitives under test, and the bounds are
// deadlock reports far beyond any real delay. Catch2's assertions are not thread-safe: threads
// other than the test's record what they saw, and the test checks it after joining them.
#include <atomic>
#include <thread>

#include "support.h"
#include "../scheduler/scheduler_core.h"

#if !defined(__EMSCRIPTEN__)

using spool::Scheduler;
using spool::Status;
namespace this_fiber = spool::this_fiber;
using namespace std::chrono_literals;

namespace {

// A scheduler whose idle waits end in a deadlock report after `bound` unless something wakes it:
// a wake that waited for a timer instead of coming at once would fail the test, not slow it.
Scheduler::Config bounded_idle(spool::Duration bound = 20s) {
  Scheduler::Config config;
  config.deadlock_after = bound;
  return config;
}

// Spins (yielding the thread) until `condition` holds; false after `bound` (a failure, reported
// by the caller, instead of a hang).
template <class Condition>
bool eventually(Condition condition, std::chrono::seconds bound = std::chrono::seconds(20)) {
  const auto give_up = std::chrono::steady_clock::now() + bound;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace

TEST_CASE("a post from another thread wakes a scheduler idle with no timer", "[cross_thread][wake]") {
  spool_test::LeakCheck leaks;
  Scheduler scheduler(bounded_idle());
  spool::Event ran;  // a plain event: only the posted fiber on this thread signals it
  bool saw_idle = false;
  std::thread poster([&] {
    // Post only once the scheduler sleeps: what is tested is the wake, not a poll that happens
    // to come by.
    saw_idle = eventually([&] { return spool::detail::core_of(scheduler)->inbox().idle(); });
    scheduler.post([&] { ran.signal(); });
  });
  // Nothing else can happen here: no timer, nothing ready, so the scheduler sleeps until the
  // post wakes it, or else until deadlock_after runs out (the sleep times out).
  CHECK(ran.wait() == Status::ok);
  poster.join();
  CHECK(saw_idle);
  // Woken by the post itself: no sleep of this scheduler ran to its deadline.
  CHECK(spool::detail::core_of(scheduler)->inbox().timed_out_sleeps() == 0);
}

#endif
