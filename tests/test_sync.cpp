// Fiber-aware synchronisation primitives: Event, WaitGroup, Mutex, ConditionVariable, Semaphore,
// Channel. Blocking parks the fiber, never the thread.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "support.h"

using namespace std::chrono_literals;
using spool::Scheduler;
using spool::Status;
namespace this_fiber = spool::this_fiber;

SPOOL_TEST_CASE("auto-reset Event wakes one waiter per signal; manual-reset wakes all", "[sync]") {
  const bool manual = GENERATE(false, true);
  spool::Event event(manual ? spool::Event::Mode::manual_reset : spool::Event::Mode::auto_reset);
  int woken = 0;
  {
    Scheduler scheduler;
    for (int i = 0; i < 3; ++i) {
      scheduler.spawn([event, &woken]() mutable {  // captured by value: the same event
        REQUIRE(event.wait() == Status::ok);
        ++woken;
      });
    }
    this_fiber::yield();  // all three wait now
    CHECK(woken == 0);
    event.signal();
    this_fiber::yield();
    this_fiber::yield();
    CHECK(woken == (manual ? 3 : 1));
    if (!manual) {
      event.signal();
      event.signal();
    }
  }
  CHECK(woken == 3);
  CHECK(event.is_set() == manual);
}

SPOOL_TEST_CASE("an auto-reset Event signalled with no waiter lets the next wait through once", "[sync]") {
  Scheduler::Config config = manual_clock_config();
  Scheduler scheduler(config);
  spool::Event event;
  event.signal();
  CHECK(event.wait() == Status::ok);
  CHECK(event.wait_for(10ms) == Status::timeout);
}

SPOOL_TEST_CASE("WaitGroup waits for every done()", "[sync]") {
  Scheduler::Config config = manual_clock_config();
  Scheduler scheduler(config);
  spool::WaitGroup group;
  int finished = 0;
  for (int i = 1; i <= 5; ++i) {
    group.add();
    scheduler.spawn([group, i, &finished]() mutable {
      this_fiber::sleep_for(std::chrono::milliseconds(i * 10));
      ++finished;
      group.done();
    });
  }
  REQUIRE(group.wait() == Status::ok);
  CHECK(finished == 5);
  CHECK(group.count() == 0);
}

SPOOL_TEST_CASE("Mutex excludes across switches and hands over in FIFO order", "[sync]") {
  spool::Mutex mutex;
  std::vector<int> order;
  int inside = 0;
  bool overlapped = false;
  {
    Scheduler scheduler;
    for (int i = 0; i < 4; ++i) {
      scheduler.spawn([&, i] {
        std::lock_guard<spool::Mutex> lock(mutex);
        if (++inside > 1) overlapped = true;
        order.push_back(i);
        this_fiber::yield();  // others run, and queue on the mutex
        this_fiber::yield();
        --inside;
      });
    }
  }
  CHECK_FALSE(overlapped);
  CHECK(order == std::vector<int>{0, 1, 2, 3});
}

SPOOL_TEST_CASE("Mutex misuse is reported: relock by the owner, unlock by another", "[sync][errors]") {
  spool_test::ErrorCapture errors;
  Scheduler scheduler;
  spool::Mutex mutex;
  REQUIRE(mutex.lock() == Status::ok);
  CHECK(mutex.lock() == Status::deadlock);
  auto other = scheduler.spawn([&] { mutex.unlock(); });
  other.join();
  CHECK_FALSE(mutex.try_lock());  // still ours
  mutex.unlock();
  CHECK(mutex.try_lock());
  mutex.unlock();
  CHECK(errors.count(Status::deadlock) == 1);
  CHECK(errors.count(Status::not_owner) == 1);
}

SPOOL_TEST_CASE("ConditionVariable: a producer/consumer queue under a Mutex", "[sync]") {
  spool::Mutex mutex;
  spool::ConditionVariable ready;
  std::vector<int> queue;
  std::vector<int> consumed;
  {
    Scheduler scheduler;
    scheduler.spawn([&] {
      for (int i = 0; i < 20; ++i) {
        std::unique_lock<spool::Mutex> lock(mutex);
        REQUIRE(ready.wait(mutex, [&] { return !queue.empty(); }) == Status::ok);
        consumed.push_back(queue.front());
        queue.erase(queue.begin());
      }
    });
    scheduler.spawn([&] {
      for (int i = 0; i < 20; ++i) {
        {
          std::lock_guard<spool::Mutex> lock(mutex);
          queue.push_back(i);
        }
        ready.notify_one();
        if (i % 3 == 0) this_fiber::yield();
      }
    });
  }
  REQUIRE(consumed.size() == 20);
  for (int i = 0; i < 20; ++i) CHECK(consumed[i] == i);
}

SPOOL_TEST_CASE("Semaphore bounds concurrency and serves waiters first come, first served", "[sync]") {
  spool::Semaphore slots(2);
  int inside = 0;
  int most = 0;
  std::vector<int> entered;
  {
    Scheduler scheduler;
    for (int i = 0; i < 6; ++i) {
      scheduler.spawn([&, i] {
        REQUIRE(slots.acquire() == Status::ok);
        entered.push_back(i);
        most = std::max(most, ++inside);
        this_fiber::yield();
        --inside;
        slots.release();
      });
    }
  }
  CHECK(most == 2);
  CHECK(entered == std::vector<int>{0, 1, 2, 3, 4, 5});
  CHECK(slots.available() == 2);
}

SPOOL_TEST_CASE("Channel with many producers and consumers delivers every value once", "[sync][channel]") {
  const std::size_t capacity = GENERATE(std::size_t{1}, std::size_t{8}, spool::Channel<int>::unbounded);
  constexpr int kProducers = 5;
  constexpr int kPerProducer = 200;
  constexpr int kConsumers = 4;
  spool::Channel<int> channel(capacity);
  std::vector<int> seen(kProducers * kPerProducer, 0);
  bool over_capacity = false;
  {
    Scheduler scheduler;
    spool::WaitGroup producers;
    for (int p = 0; p < kProducers; ++p) {
      producers.add();
      scheduler.spawn([=]() mutable {
        for (int i = 0; i < kPerProducer; ++i) {
          REQUIRE(channel.send(p * kPerProducer + i) == Status::ok);
          if ((i & 7) == 0) this_fiber::yield();
        }
        producers.done();
      });
    }
    for (int c = 0; c < kConsumers; ++c) {
      scheduler.spawn([&, channel]() mutable {
        while (auto value = channel.receive()) {
          ++seen[*value];
          if (channel.size() > channel.capacity()) over_capacity = true;
        }
      });
    }
    scheduler.spawn([producers, channel]() mutable {
      producers.wait();
      channel.close();  // consumers drain what is left, then see closed
    });
  }
  for (int count : seen) REQUIRE(count == 1);
  CHECK_FALSE(over_capacity);
}

SPOOL_TEST_CASE("closing a Channel wakes blocked senders and receivers with closed", "[sync][channel]") {
  spool::Channel<std::string> full(1);
  spool::Channel<std::string> empty(1);
  Status sender = Status::ok, receiver = Status::ok;
  {
    Scheduler scheduler;
    REQUIRE(full.send("taken") == Status::ok);
    scheduler.spawn([&] { sender = full.send("blocked"); });
    scheduler.spawn([&] {
      std::string out;
      receiver = empty.receive(out);
    });
    this_fiber::yield();  // both are blocked now
    full.close();
    empty.close();
  }
  CHECK(sender == Status::closed);
  CHECK(receiver == Status::closed);
  std::string out;
  CHECK(full.receive(out) == Status::ok);  // what was buffered before close is still delivered
  CHECK(out == "taken");
}

SPOOL_TEST_CASE("a send that fails leaves the value with the caller", "[sync][channel]") {
  Scheduler scheduler;
  spool::Channel<std::unique_ptr<int>> channel(1);
  REQUIRE(channel.try_send(std::make_unique<int>(1)));
  auto kept = std::make_unique<int>(2);
  CHECK_FALSE(channel.try_send(std::move(kept)));  // full
  REQUIRE(kept != nullptr);
  CHECK(*kept == 2);
  channel.close();
  CHECK(channel.send(std::move(kept)) == Status::closed);
  REQUIRE(kept != nullptr);
  CHECK(*kept == 2);
  CHECK_FALSE(channel.try_send(std::move(kept)));  // closed
  CHECK(kept != nullptr);
}

SPOOL_TEST_CASE("every blocking call has timed variants that give up with timeout", "[sync][time]") {
  spool_test::ErrorCapture errors;
  Scheduler::Config config = manual_clock_config();
  Scheduler scheduler(config);
  using namespace std::chrono_literals;
  const auto start = clock.now();
  auto elapsed = [&] { return clock.now() - start; };

  spool::Mutex mutex;
  auto holder = scheduler.spawn([&] {
    mutex.lock();
    spool::this_fiber::sleep_for(1h);
    mutex.unlock();
  });
  spool::this_fiber::yield();
  CHECK(mutex.lock_for(10ms) == Status::timeout);
  CHECK(elapsed() == 10ms);
  CHECK_FALSE(mutex.try_lock_until(clock.now() + 10ms));
  spool::Semaphore none(0);
  CHECK(none.acquire_for(10ms) == Status::timeout);
  spool::WaitGroup group(1);
  CHECK(group.wait_for(10ms) == Status::timeout);
  spool::Channel<int> empty(1);
  int out = 0;
  CHECK(empty.receive_for(out, 10ms) == Status::timeout);
  spool::Channel<int> full(1);
  REQUIRE(full.send(1) == Status::ok);
  CHECK(full.send_for(2, 10ms) == Status::timeout);
  CHECK(holder.join_for(10ms) == Status::timeout);
  CHECK(holder.joinable());
  spool::Mutex own;
  spool::ConditionVariable never;
  REQUIRE(own.lock() == Status::ok);
  CHECK(never.wait_for(own, 10ms) == Status::timeout);
  CHECK(never.wait_for(own, 10ms, [] { return false; }) == Status::timeout);
  own.unlock();
  auto parent = scheduler.spawn([&] {
    spool::this_fiber::spawn_child([] { spool::this_fiber::sleep_for(1h); });
    CHECK(spool::this_fiber::join_children_for(10ms) == Status::timeout);
  });
  REQUIRE(parent.join() == Status::ok);
  CHECK(elapsed() == 100ms);
  // The waits that did not time out still end normally.
  REQUIRE(holder.join() == Status::ok);
  group.done();
  group.done();  // past zero: reported, ignored
  CHECK(group.wait() == Status::ok);
  CHECK(errors.count(Status::invalid_argument) == 1);
}
