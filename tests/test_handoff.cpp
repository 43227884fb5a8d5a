// What a primitive hands to a waiter (a Mutex, a Semaphore unit, an auto-reset Event's signal, a
// Channel's value or free slot) is never lost when that waiter is killed or cancelled before it
// runs: it passes on to the next waiter. A Mutex held by a killed fiber is given up too.
#include <memory>
#include <string>
#include <vector>

#include "support.h"

using spool::FiberState;
using spool::Scheduler;
using spool::Status;
namespace this_fiber = spool::this_fiber;

namespace {
enum class Ending { kill, cancel };
}

SPOOL_TEST_CASE("a Mutex handed to a waiter that dies passes to the next waiter", "[handoff][sync]") {
  const Ending ending = GENERATE(Ending::kill, Ending::cancel);
  Scheduler scheduler;
  spool::Mutex mutex;
  std::vector<std::string> got;
  mutex.lock();  // main holds it
  auto first = scheduler.spawn([&] {
    if (mutex.lock() != Status::ok) return;
    got.push_back("first");
    mutex.unlock();
  });
  auto second = scheduler.spawn([&] {
    if (mutex.lock() != Status::ok) return;
    got.push_back("second");
    mutex.unlock();
  });
  this_fiber::yield();  // both wait, first in line
  mutex.unlock();       // handed to `first`, which has not run yet
  if (ending == Ending::kill) {
    REQUIRE(first.kill() == Status::ok);
  } else {
    first.cancel();  // it was handed the lock already: it takes it (cancel is cooperative)
  }
  REQUIRE(second.join() == Status::ok);
  if (ending == Ending::kill) {
    CHECK(got == std::vector<std::string>{"second"});
  } else {
    CHECK(got == std::vector<std::string>{"first", "second"});
  }
  CHECK(mutex.try_lock());
  mutex.unlock();
}

SPOOL_TEST_CASE("a Mutex held by a killed fiber is given up", "[handoff][sync][kill]") {
  spool_test::ErrorCapture errors;
  Scheduler scheduler;
  spool::Mutex mutex;
  spool::Event never;
  bool unlocked_in_cleanup = GENERATE(true, false);
  auto holder = scheduler.spawn([&, never]() mutable {
    mutex.lock();
    // A cleanup acts as the killed fiber: it may unlock what that fiber holds.
    if (unlocked_in_cleanup) this_fiber::on_kill([&] { mutex.unlock(); });
    never.wait();
  });
  bool waiter_got_it = false;
  auto waiter = scheduler.spawn([&] {
    if (mutex.lock() == Status::ok) {
      waiter_got_it = true;
      mutex.unlock();
    }
  });
  this_fiber::yield();
  REQUIRE(holder.kill() == Status::ok);
  REQUIRE(waiter.join() == Status::ok);
  CHECK(waiter_got_it);
  // Not unlocking in a cleanup is reported: the state the Mutex guarded may be half-changed.
  CHECK(errors.count(Status::owner_died) == (unlocked_in_cleanup ? 0u : 1u));
  CHECK(errors.count(Status::invalid_handle) == 0);
}

SPOOL_TEST_CASE("a Semaphore unit handed to a waiter that dies passes on", "[handoff][sync]") {
  const Ending ending = GENERATE(Ending::kill, Ending::cancel);
  Scheduler scheduler;
  spool::Semaphore units(0);
  int acquired = 0;
  auto worker = [&] {
    if (units.acquire() == Status::ok) ++acquired;
  };
  auto first = scheduler.spawn(worker);
  auto second = scheduler.spawn(worker);
  this_fiber::yield();
  units.release(1);  // handed to `first`
  if (ending == Ending::kill) REQUIRE(first.kill() == Status::ok); else first.cancel();
  this_fiber::yield();
  if (ending == Ending::kill) {
    CHECK(acquired == 1);  // `second` got the unit `first` was handed
    CHECK(second.state() == FiberState::finished);
  } else {
    CHECK(acquired == 1);  // `first` took it (it was handed before the cancel)
    units.release(1);
  }
  REQUIRE(second.join() == Status::ok);
  CHECK(units.available() == 0);
}

SPOOL_TEST_CASE("an auto-reset Event signal handed to a waiter that dies passes on", "[handoff][sync]") {
  Scheduler scheduler;
  spool::Event event;  // auto-reset
  std::vector<int> woke;
  auto first = scheduler.spawn([&] {
    if (event.wait() == Status::ok) woke.push_back(1);
  });
  auto second = scheduler.spawn([&] {
    if (event.wait() == Status::ok) woke.push_back(2);
  });
  this_fiber::yield();
  event.signal();  // wakes `first` only
  REQUIRE(first.kill() == Status::ok);
  REQUIRE(second.join() == Status::ok);
  CHECK(woke == std::vector<int>{2});
  CHECK_FALSE(event.is_set());  // consumed once, by `second`
}

SPOOL_TEST_CASE("a Channel value announced to a receiver that dies reaches the next receiver",
          "[handoff][channel]") {
  Scheduler scheduler;
  spool::Channel<int> channel(4);
  std::vector<int> received;
  auto receiver = [&] {
    if (auto v = channel.receive()) received.push_back(*v);
  };
  auto first = scheduler.spawn(receiver);
  auto second = scheduler.spawn(receiver);
  this_fiber::yield();
  REQUIRE(channel.send(7) == Status::ok);  // wakes `first`
  REQUIRE(first.kill() == Status::ok);
  REQUIRE(second.join() == Status::ok);
  CHECK(received == std::vector<int>{7});
  CHECK(channel.size() == 0);
}

SPOOL_TEST_CASE("a Channel slot announced to a sender that dies reaches the next sender",
          "[handoff][channel]") {
  Scheduler scheduler;
  spool::Channel<int> channel(1);
  REQUIRE(channel.send(0) == Status::ok);  // full
  auto first = scheduler.spawn([&] { channel.send(1); });
  auto second = scheduler.spawn([&] { channel.send(2); });
  this_fiber::yield();  // both senders wait for room
  REQUIRE(channel.try_receive() == 0);  // room for one: `first` is told
  REQUIRE(first.kill() == Status::ok);
  REQUIRE(second.join() == Status::ok);
  CHECK(channel.try_receive() == 2);
}
