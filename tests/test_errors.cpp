// Misuse: each gives its documented Status and a message naming the cause and the fix, and the
// other fibers keep running.
#include <string>

#include "support.h"

#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
#endif

using spool::Scheduler;
using spool::Status;
namespace this_fiber = spool::this_fiber;

TEST_CASE("join() on yourself is refused with join_self", "[errors]") {
  spool_test::LeakCheck leaks;
  spool_test::ErrorCapture errors;
  Status seen = Status::ok;
  bool continued = false;
  {
    spool::Fiber self;  // declared first: it must outlive the scheduler's drain, which runs the fiber
    Scheduler scheduler;
    self = scheduler.spawn([&] {
      seen = self.join();
      continued = true;
    });
  }
  CHECK(seen == Status::join_self);
  CHECK(continued);
  std::string message;
  REQUIRE(errors.count(Status::join_self, &message) == 1);
  CHECK_THAT(message, Catch::Contains("itself") && Catch::Contains("detach()"));
}

TEST_CASE("join() on an empty, detached or joined handle is invalid_handle", "[errors]") {
  spool_test::LeakCheck leaks;
  spool_test::ErrorCapture errors;
  Scheduler scheduler;
  spool::Fiber empty;
  CHECK(empty.join() == Status::invalid_handle);
  auto f = scheduler.spawn([] {});
  REQUIRE(f.join() == Status::ok);
  CHECK(f.join() == Status::invalid_handle);
  auto g = scheduler.spawn([] {});
  g.detach();
  CHECK(g.join() == Status::invalid_handle);
  CHECK(errors.count(Status::invalid_handle) == 3);
}

TEST_CASE("calls that need a scheduler report no_scheduler without one", "[errors]") {
  spool_test::LeakCheck leaks;
  spool_test::ErrorCapture errors;
  CHECK(this_fiber::yield() == Status::no_scheduler);
  CHECK(this_fiber::sleep_for(std::chrono::milliseconds(1)) == Status::no_scheduler);
  auto f = spool::spawn([] {});
  CHECK_FALSE(f.joinable());
  CHECK(this_fiber::id() == 0);
  std::string message;
  REQUIRE(errors.count(Status::no_scheduler, &message) == 3);
  CHECK_THAT(message, Catch::Contains("spool::Scheduler"));
}

#if defined(__EMSCRIPTEN__)
// Called by JavaScript as a plain export call: the stack cannot be suspended here.
extern "C" EMSCRIPTEN_KEEPALIVE int spool_test_yield_from_plain_call() {
  return static_cast<int>(this_fiber::yield());
}

TEST_CASE("a switch from a plain JS->wasm call is refused with not_suspendable", "[errors][wasm]") {
  spool_test::LeakCheck leaks;
  spool_test::ErrorCapture errors;
  Scheduler scheduler;
  bool other_ran = false;
  scheduler.spawn([&] { other_ran = true; });
  const int result = EM_ASM_INT({ return Module._spool_test_yield_from_plain_call(); });
  CHECK(result == static_cast<int>(Status::not_suspendable));
  CHECK_FALSE(other_ran);  // nothing switched
  std::string message;
  REQUIRE(errors.count(Status::not_suspendable, &message) == 1);
  CHECK_THAT(message, Catch::Contains("plain call") && Catch::Contains("post()"));
  REQUIRE(this_fiber::yield() == Status::ok);  // from main, a JSPI call, it works
  CHECK(other_ran);
}
#endif

TEST_CASE("a stale handle to a fiber whose stack was reused stays safe", "[errors]") {
  spool_test::LeakCheck leaks;
  Scheduler scheduler;
  spool::FiberOptions options;
  options.name = "first";
  auto stale = scheduler.spawn([] { this_fiber::yield(); }, options);
  const spool::FiberId id = stale.id();
  this_fiber::yield();
  this_fiber::yield();
  REQUIRE(stale.state() == spool::FiberState::finished);
  // Its stack (and engine stack) now go to other fibers.
  int ran = 0;
  for (int i = 0; i < 100; ++i) scheduler.spawn([&] { ++ran; this_fiber::yield(); });
  this_fiber::yield();
  CHECK(stale.id() == id);
  CHECK(std::string(stale.name()) == "first");
  CHECK(stale.state() == spool::FiberState::finished);
  stale.cancel();                          // no effect on a finished fiber
  CHECK(stale.kill() == Status::ok);       // nothing to kill
  CHECK(stale.join() == Status::ok);
  while (ran < 100) this_fiber::yield();
}
