// Exception state belongs to the fiber, not the thread: an exception being handled or unwinding
// in one fiber is invisible to the others, and `throw;` rethrows the fiber's own. A cancelled
// fiber's unwind may block in a destructor without std::terminate.
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "support.h"

using spool::Coroutine;
using spool::Scheduler;
using spool::Status;
namespace this_fiber = spool::this_fiber;

SPOOL_TEST_CASE("two fibers switching inside catch blocks each rethrow their own exception",
          "[exceptions]") {
  Scheduler scheduler;
  std::vector<std::string> rethrown;
  auto handler = [&](std::string mine) {
    return [&rethrown, mine] {
      try {
        throw std::runtime_error(mine);
      } catch (...) {
        this_fiber::yield();  // the other fiber throws and catches meanwhile
        this_fiber::yield();
        try {
          throw;
        } catch (const std::runtime_error& e) {
          rethrown.push_back(mine + " rethrew " + e.what());
        }
      }
    };
  };
  auto a = scheduler.spawn(handler("a"));
  auto b = scheduler.spawn(handler("b"));
  REQUIRE(a.join() == Status::ok);
  REQUIRE(b.join() == Status::ok);
  CHECK(rethrown == std::vector<std::string>{"a rethrew a", "b rethrew b"});
}

SPOOL_TEST_CASE("std::current_exception and std::uncaught_exceptions are per fiber", "[exceptions]") {
  Scheduler scheduler;
  bool other_saw_current = true;
  int other_saw_uncaught = -1;
  int own_uncaught_after = -1;
  struct SwitchesWhileUnwinding {
    int* seen;
    ~SwitchesWhileUnwinding() {
      this_fiber::yield();  // the other fiber looks while this one unwinds
      *seen = std::uncaught_exceptions();
    }
  };
  auto unwinding = scheduler.spawn([&] {
    try {
      SwitchesWhileUnwinding guard{&own_uncaught_after};
      throw std::runtime_error("unwinding");
    } catch (const std::runtime_error&) {
      this_fiber::yield();  // handling: the other fiber looks again
    }
  });
  auto observer = scheduler.spawn([&] {
    other_saw_uncaught = std::uncaught_exceptions();
    this_fiber::yield();
    other_saw_current = std::current_exception() != nullptr;
  });
  REQUIRE(unwinding.join() == Status::ok);
  REQUIRE(observer.join() == Status::ok);
  CHECK(other_saw_uncaught == 0);
  CHECK_FALSE(other_saw_current);
  CHECK(own_uncaught_after == 1);
  CHECK(std::current_exception() == nullptr);
  CHECK(std::uncaught_exceptions() == 0);
}

SPOOL_TEST_CASE("a coroutine yielding inside a catch block keeps its exception", "[exceptions][coroutine]") {
  std::string rethrown;
  Coroutine co([&](Coroutine& self, void*) -> void* {
    try {
      throw std::runtime_error("coroutine's");
    } catch (...) {
      self.yield();
      try {
        throw;
      } catch (const std::runtime_error& e) {
        rethrown = e.what();
      }
    }
    return nullptr;
  });
  co.resume();
  // The resumer handles an exception of its own while the coroutine is suspended in its catch.
  try {
    throw std::logic_error("resumer's");
  } catch (...) {
    co.resume();
    CHECK(std::current_exception() != nullptr);
    try {
      throw;
    } catch (const std::logic_error& e) {
      CHECK(std::string(e.what()) == "resumer's");
    }
  }
  CHECK(rethrown == "coroutine's");
}

SPOOL_TEST_CASE("a cancelled fiber's unwind may block in a destructor without terminating",
          "[exceptions][cancel]") {
  Scheduler scheduler;
  Status guard_join = Status::ok;
  bool guard_ran = false;
  // A join guard: waits for a child in its destructor, as RAII task code does.
  struct JoinGuard {
    spool::Fiber* child;
    Status* status;
    bool* ran;
    ~JoinGuard() {
      *ran = true;
      *status = child->join();  // during the cancellation unwind: returns, never throws
    }
  };
  spool::FiberOptions options;
  options.cancel_by_exception = true;
  spool::Fiber child = scheduler.spawn([] { this_fiber::wait_frames(1'000'000); });
  auto parent = scheduler.spawn(
      [&] {
        JoinGuard guard{&child, &guard_join, &guard_ran};
        this_fiber::wait_frames(1'000'000);  // throws FiberCancelled once cancelled
      },
      options);
  scheduler.tick();
  parent.cancel();
  REQUIRE(parent.join() == Status::ok);  // a cancelled cancel_by_exception fiber ends normally
  CHECK(guard_ran);
  CHECK(guard_join == Status::cancelled);
  child.cancel();
  CHECK(child.join() == Status::ok);
}
