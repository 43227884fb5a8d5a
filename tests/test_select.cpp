// Results and selection: futures of what fibers return, waiting for all or any of them, and
// select() over events, channels and futures with timeouts.
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "support.h"

using namespace std::chrono_literals;
using spool::Scheduler;
using spool::Status;
namespace this_fiber = spool::this_fiber;

TEST_CASE("spawn_future delivers a value, an exception, or cancelled", "[select][future]") {
  spool_test::LeakCheck leaks;
  Scheduler scheduler;
  auto value = scheduler.spawn_future([] {
    this_fiber::yield();
    return std::string("forty-two");
  });
  auto thrown = scheduler.spawn_future([]() -> int { throw std::runtime_error("no luck"); });
  auto nothing = scheduler.spawn_future([] { this_fiber::yield(); });
  CHECK_FALSE(value.ready());
  CHECK(value.wait() == Status::ok);
  CHECK(value.get() == "forty-two");
  CHECK(thrown.wait() == Status::fiber_failed);
  CHECK_THROWS_WITH(thrown.get(), "no luck");
  CHECK(nothing.wait() == Status::ok);
  nothing.get();

  // Cancelled before it returned: here its entity died (bound_to), with and without unwinding.
  for (bool by_exception : {false, true}) {
    auto entity = std::make_shared<int>(1);
    spool::FiberOptions options;
    options.bound_to = entity;
    options.cancel_by_exception = by_exception;
    auto cancelled = scheduler.spawn_future([] { return this_fiber::wait_frames(1000) == Status::ok; }, options);
    scheduler.tick();
    entity.reset();
    scheduler.tick();
    if (by_exception) {
      CHECK(cancelled.wait() == Status::cancelled);
    } else {
      CHECK(cancelled.wait() == Status::ok);  // the function returned: wait_frames said cancelled
      CHECK_FALSE(cancelled.get());
    }
  }

  spool::Promise<int> dropped_unset;
  auto broken = dropped_unset.future();
  { spool::Promise<int> gone = std::move(dropped_unset); }
  CHECK(broken.wait() == Status::cancelled);
  CHECK_THROWS_AS(broken.get(), spool::Future<int>::NoValue);
}

TEST_CASE("a promise held by a killed fiber leaves its future cancelled", "[select][future][kill]") {
  spool_test::LeakCheck leaks;
  Scheduler scheduler;
  spool::Event never;
  spool::Promise<int> promise;
  auto future = promise.future();
  auto fiber = scheduler.spawn([promise = std::move(promise), never]() mutable {
    never.wait();
    promise.set_value(1);
  });
  this_fiber::yield();
  REQUIRE(fiber.kill() == Status::ok);  // its function (and the promise it holds) is destroyed
  CHECK(future.wait() == Status::cancelled);
}

TEST_CASE("when_all and when_any over futures", "[select][future]") {
  spool_test::LeakCheck leaks;
  spool::ManualClock clock;
  Scheduler::Config config;
  config.clock = &clock;
  Scheduler scheduler(config);
  auto slow = scheduler.spawn_future([] {
    this_fiber::sleep_for(30ms);
    return 3;
  });
  auto fast = scheduler.spawn_future([] {
    this_fiber::sleep_for(10ms);
    return 1;
  });
  auto first = spool::when_any(slow, fast);
  CHECK(first.status == Status::ok);
  CHECK(first.index == 1);
  CHECK(spool::when_all(slow, fast) == Status::ok);
  CHECK(slow.get() + fast.get() == 4);
  std::vector<spool::Future<int>> wave;
  for (int i = 0; i < 5; ++i) {
    wave.push_back(scheduler.spawn_future([i] {
      this_fiber::sleep_for(std::chrono::milliseconds(50 - i * 10));
      if (i == 2) throw std::logic_error("third");
      return i;
    }));
  }
  auto any = spool::when_any(wave);
  CHECK(any.index == 4);  // sleeps the least
  CHECK(spool::when_all(wave) == Status::fiber_failed);
}

TEST_CASE("select takes the first ready case: events, channels, futures, timeouts", "[select]") {
  spool_test::LeakCheck leaks;
  spool::ManualClock clock;
  Scheduler::Config config;
  config.clock = &clock;
  Scheduler scheduler(config);
  spool::Event alarm;
  spool::Channel<int> hits(1);
  int hit = 0;

  // Nothing ready: a timeout.
  auto none = spool::select_for(5ms, alarm, spool::receive(hits, hit));
  CHECK(none.status == Status::timeout);
  CHECK(none.index == -1);

  // A value sent by another fiber while we wait.
  scheduler.spawn([hits]() mutable {
    this_fiber::sleep_for(1ms);
    hits.send(7);
  });
  auto got = spool::select(alarm, spool::receive(hits, hit));
  CHECK(got.status == Status::ok);
  CHECK(got.index == 1);
  CHECK(hit == 7);

  // Both ready: the first in order; the other is left as it is.
  alarm.signal();
  REQUIRE(hits.send(8) == Status::ok);
  auto both = spool::select(alarm, spool::receive(hits, hit));
  CHECK(both.index == 0);
  CHECK_FALSE(alarm.is_set());  // an auto-reset event is taken
  CHECK(hits.size() == 1);

  // A send case waits for room; a closed channel is an outcome too.
  int value = 9;
  scheduler.spawn([hits]() mutable {
    this_fiber::sleep_for(1ms);
    hits.try_receive();
  });
  auto sent = spool::select(spool::send(hits, value));
  CHECK(sent.status == Status::ok);
  CHECK(hits.try_receive() == 9);
  hits.close();
  auto closed = spool::select(spool::receive(hits, hit));
  CHECK(closed.status == Status::closed);
  CHECK(closed.index == 0);

  // A future, and a cancelled event.
  auto later = scheduler.spawn_future([] {
    this_fiber::sleep_for(2ms);
    return 1;
  });
  spool::Event cancelled;
  auto ready = spool::select(cancelled, later);
  CHECK(ready.index == 1);
  CHECK(ready.status == Status::ok);
  cancelled.cancel();
  auto c = spool::select(cancelled, later);
  CHECK(c.index == 0);
  CHECK(c.status == Status::cancelled);
}

TEST_CASE("a fiber killed inside select leaves nothing dangling", "[select][kill]") {
  spool_test::LeakCheck leaks;
  Scheduler scheduler;
  spool::Event event;
  spool::Channel<int> channel(1);
  auto selector = scheduler.spawn([event, channel]() mutable {
    int out = 0;
    spool::select(event, spool::receive(channel, out));
  });
  this_fiber::yield();
  REQUIRE(selector.kill() == Status::ok);
  event.signal();  // pokes nothing that is gone
  REQUIRE(channel.send(1) == Status::ok);
  CHECK(event.is_set());
  CHECK(channel.size() == 1);
}
