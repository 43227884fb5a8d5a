// The cross-thread primitives (spool::cross_thread::Event, WaitGroup, Channel) between fibers of
// schedulers on different threads and plain threads, and the wake-up of an idle scheduler by
// another thread. Native only: spool's wasm builds have no threads yet.
// No test sleeps to synchronise: threads meet on the primitives under test, and the bounds are
// deadlock reports far beyond any real delay. Catch2's assertions are not thread-safe: threads
// other than the test's record what they saw, and the test checks it after joining them.
#include <atomic>
#include <thread>

#include "support.h"
#include "support/eventually.h"
#include "../scheduler/scheduler_core.h"

#if !defined(__EMSCRIPTEN__)

using spool::Scheduler;
using spool::Status;
namespace cross_thread = spool::cross_thread;
namespace this_fiber = spool::this_fiber;
using namespace std::chrono_literals;

namespace {

using spool_test::eventually;

// A scheduler whose idle waits end in a deadlock report after `bound` unless something wakes it:
// a wake that waited for a timer instead of coming at once would fail the test, not slow it.
Scheduler::Config bounded_idle(spool::Duration bound = 20s) {
  Scheduler::Config config;
  config.deadlock_after = bound;
  return config;
}

}  // namespace

SPOOL_TEST_CASE("a post from another thread wakes a scheduler idle with no timer", "[cross_thread][wake]") {
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

SPOOL_TEST_CASE("an Event signalled from another thread wakes a waiting fiber", "[cross_thread]") {
  const auto mode = GENERATE(cross_thread::Event::Mode::auto_reset, cross_thread::Event::Mode::manual_reset);
  Scheduler scheduler(bounded_idle());
  cross_thread::Event event(mode);
  int woken = 0;
  std::vector<spool::Fiber> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.push_back(scheduler.spawn([&] {
      REQUIRE(event.wait() == Status::ok);
      ++woken;
    }));
  }
  // Every waiter waits before any signal: auto-reset signals given while nobody waits do not add
  // up, so signalling earlier would wake fewer than three.
  this_fiber::yield();
  std::thread signaller([&] {
    const int signals = mode == cross_thread::Event::Mode::auto_reset ? 3 : 1;
    for (int i = 0; i < signals; ++i) event.signal();
  });
  for (auto& w : waiters) CHECK(w.join() == Status::ok);
  signaller.join();
  CHECK(woken == 3);
}

SPOOL_TEST_CASE("an auto-reset signal with nobody waiting lets one later wait through", "[cross_thread]") {
  Scheduler scheduler;
  cross_thread::Event event;
  std::thread([&] { event.signal(); event.signal(); }).join();  // signals do not add up
  CHECK(event.is_set());
  CHECK(event.wait() == Status::ok);
  CHECK(event.try_wait() == Status::timeout);
}

SPOOL_TEST_CASE("cross-thread waits time out on the scheduler's clock", "[cross_thread]") {
  spool::ManualClock clock;
  Scheduler::Config config;
  config.clock = &clock;
  Scheduler scheduler(config);
  cross_thread::Event event;
  cross_thread::WaitGroup group(1);
  cross_thread::Channel<int> channel(1);
  int value = 0;
  CHECK(event.wait_for(5s) == Status::timeout);
  CHECK(group.wait_for(5s) == Status::timeout);
  CHECK(channel.receive_for(value, 5s) == Status::timeout);
  REQUIRE(channel.try_send(1));
  CHECK(channel.send_for(2, 5s) == Status::timeout);
  CHECK(clock.now().time_since_epoch() >= 20s);  // virtual time jumped; no real waiting
  group.done();
}

SPOOL_TEST_CASE("a cancelled fiber leaves a cross-thread wait; a signal goes to the next waiter", "[cross_thread]") {
  const bool kill = GENERATE(false, true);
  Scheduler scheduler(bounded_idle());
  cross_thread::Event event;
  Status first_status = Status::ok;
  bool second_woke = false;
  auto first = scheduler.spawn([&] { first_status = event.wait(); });
  auto second = scheduler.spawn([&] { second_woke = event.wait() == Status::ok; });
  this_fiber::yield();  // both wait now
  if (kill) {
    CHECK(first.kill() == Status::ok);
  } else {
    first.cancel();
    CHECK(first.join() == Status::ok);
    CHECK(first_status == Status::cancelled);
  }
  std::thread([&] { event.signal(); }).join();
  CHECK(second.join() == Status::ok);
  CHECK(second_woke);
  CHECK_FALSE(event.is_set());  // the one signal went to the second waiter
}

SPOOL_TEST_CASE("a signal handed to a fiber that is killed before it runs passes on", "[cross_thread]") {
  Scheduler scheduler(bounded_idle());
  cross_thread::Event event;
  bool second_woke = false;
  auto first = scheduler.spawn([&] { event.wait(); });
  auto second = scheduler.spawn([&] { second_woke = event.wait() == Status::ok; });
  this_fiber::yield();
  // Signalled from another thread: the hand-off to `first` waits in this scheduler's inbox.
  std::thread([&] { event.signal(); }).join();
  CHECK(first.kill() == Status::ok);  // before the inbox is drained
  CHECK(second.join() == Status::ok);
  CHECK(second_woke);
}

SPOOL_TEST_CASE("a thread without a scheduler blocks on a cross-thread WaitGroup", "[cross_thread]") {
  cross_thread::WaitGroup group(3);
  std::atomic<bool> released{false};
  std::thread waiter([&] {
    released = group.wait() == Status::ok;  // no Scheduler on this thread: blocks it
  });
  {
    Scheduler scheduler(bounded_idle());
    for (int i = 0; i < 3; ++i) scheduler.spawn([&] { this_fiber::yield(); group.done(); });
  }
  waiter.join();
  CHECK(released);
  spool_test::ErrorCapture errors;
  group.done();  // one too many
  CHECK(errors.count(Status::invalid_argument) == 1);
}

SPOOL_TEST_CASE("a cross-thread channel carries values between schedulers on two threads", "[cross_thread]") {
  const std::size_t capacity = GENERATE(std::size_t{1}, std::size_t{8}, cross_thread::Channel<int>::unbounded);
  constexpr int kValues = 2000;
  cross_thread::Channel<int> channel(capacity);
  long long received_sum = 0;
  std::atomic<int> failed_sends{0};
  cross_thread::Event produced;
  std::thread producer_thread([channel, &failed_sends, produced]() mutable {
    struct Signal {
      cross_thread::Event event;
      ~Signal() { event.signal(); }  // after ~Scheduler below
    } signal_when_done{produced};
    Scheduler producer(bounded_idle());
    // Two producing fibers: senders that wait for a slot, woken by the other thread's receives.
    for (int part = 0; part < 2; ++part) {
      producer.spawn([channel, part, &failed_sends]() mutable {
        for (int i = part; i < kValues; i += 2) {
          if (channel.send(i) != Status::ok) ++failed_sends;
        }
      });
    }
  });  // ~Scheduler runs both to their end
  {
    Scheduler consumer(bounded_idle());
    for (int part = 0; part < 2; ++part) {
      consumer.spawn([&received_sum, channel]() mutable {
        while (auto value = channel.receive()) received_sum += *value;
      });
    }
    REQUIRE(produced.wait() == Status::ok);  // parks main: the receivers run meanwhile
    channel.close();  // the receivers drain what is left, then see closed
  }
  producer_thread.join();
  CHECK(failed_sends == 0);
  CHECK(received_sum == static_cast<long long>(kValues) * (kValues - 1) / 2);
}

SPOOL_TEST_CASE("a primitive of one thread signalled from another is reported, not raced", "[cross_thread][errors]") {
  spool::Event local;
  cross_thread::Event blocked, go_on;
  Status local_status = Status::failed;
  std::thread other([&] {
    Scheduler scheduler(bounded_idle());
    scheduler.spawn([&] { local_status = local.wait(); });
    scheduler.spawn([&] {  // runs once the first fiber blocks
      blocked.signal();
      if (go_on.wait() == Status::ok) local.signal();  // the proper way: from the waiter's thread
    });
  });
  REQUIRE(blocked.wait() == Status::ok);  // no Scheduler here: blocks this thread
  {
    spool_test::ErrorCapture errors;
    local.signal();  // the waiter is another thread's fiber
    std::string message;
    CHECK(errors.count(Status::wrong_thread, &message) == 1);
    CHECK(message.find("cross_thread") != std::string::npos);
  }
  go_on.signal();
  other.join();
  CHECK(local_status == Status::ok);
}

#endif
