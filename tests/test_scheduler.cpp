// Scheduling behaviour: order, fairness, sleeping on a fake clock, many fibers, joins.
#include <string>
#include <vector>

#include "src/stack/stack_pool.h"
#include "support.h"

using namespace std::chrono_literals;
using spool::FiberState;
using spool::Scheduler;
using spool::Status;
namespace this_fiber = spool::this_fiber;

namespace {

// The configurations every scheduling test runs under: default stacks, and the smallest size
// class (so that the tests also prove the defaults are not what makes them pass).
Scheduler::Config config_variant(int variant, spool::TimeSource* clock = nullptr) {
  Scheduler::Config config;
  config.clock = clock;
  if (variant == 1) {
    config.default_stack_size = 32 * 1024;
    config.max_parked_engine_stacks = 2;
    config.max_cached_stacks = 1;
  }
  return config;
}

}  // namespace

SPOOL_TEST_CASE("fibers run in spawn order and interleave at each yield", "[scheduler]") {
  const int variant = GENERATE(0, 1);
  std::string trace;
  {
    Scheduler scheduler(config_variant(variant));
    for (char name : std::string("ABC")) {
      scheduler.spawn([&trace, name] {
        for (int round = 1; round <= 3; ++round) {
          trace += name;
          trace += std::to_string(round);
          trace += ' ';
          REQUIRE(this_fiber::yield() == Status::ok);
        }
      });
    }
    REQUIRE(trace.empty());  // spawning never switches
  }
  CHECK(trace == "A1 B1 C1 A2 B2 C2 A3 B3 C3 ");
}

SPOOL_TEST_CASE("yield is fair: every ready fiber runs once per round", "[scheduler]") {
  const int variant = GENERATE(0, 1);
  constexpr int kFibers = 50;
  constexpr int kRounds = 20;
  std::vector<int> progress(kFibers, 0);
  bool fair = true;
  {
    Scheduler scheduler(config_variant(variant));
    for (int i = 0; i < kFibers; ++i) {
      scheduler.spawn([&, i] {
        for (int r = 0; r < kRounds; ++r) {
          ++progress[i];
          // When fiber i runs its round r, every fiber before it has run r+1 rounds, and every
          // fiber after it r rounds.
          for (int j = 0; j < kFibers; ++j) {
            const int expected = j <= i ? r + 1 : r;
            if (progress[j] != expected) fair = false;
          }
          this_fiber::yield();
        }
      });
    }
  }
  CHECK(fair);
  for (int p : progress) CHECK(p == kRounds);
}

SPOOL_TEST_CASE("the main context can join, and yield to, fibers", "[scheduler]") {
  Scheduler scheduler;
  std::vector<int> order;
  auto a = scheduler.spawn([&] {
    order.push_back(1);
    this_fiber::yield();
    order.push_back(3);
  });
  CHECK(a.state() == FiberState::ready);
  REQUIRE(this_fiber::yield() == Status::ok);  // main lets `a` run once
  order.push_back(2);
  REQUIRE(a.join() == Status::ok);
  CHECK(a.state() == FiberState::finished);
  CHECK_FALSE(a.joinable());
  CHECK(order == std::vector<int>{1, 2, 3});
  CHECK(std::string(this_fiber::name()) == "main");
}

// Found by the model test in wasm: with libc++, a defaulted ~Scheduler cleared its core before the
// fibers it drains ran, so a fiber calling the Scheduler there read through a null pointer.
SPOOL_TEST_CASE("fibers that run in the Scheduler's destructor can still use it", "[scheduler]") {
  std::vector<std::size_t> live_seen;
  {
    Scheduler scheduler;
    scheduler.spawn([&] {
      live_seen.push_back(scheduler.stats().live_fibers);
      scheduler.spawn([&] { live_seen.push_back(scheduler.stats().live_fibers); }).detach();
    }).detach();
  }  // both fibers run here
  CHECK(live_seen == std::vector<std::size_t>{1, 1});
}

SPOOL_TEST_CASE("sleepers wake in deadline order on a manual clock, ties in sleep order", "[scheduler][time]") {
  const auto start = clock.now();
  std::vector<std::pair<int, long long>> wakes;  // (fiber, ms since start)
  {
    Scheduler scheduler(config_variant(GENERATE(0, 1), &clock));
    const int delays_ms[] = {30, 10, 20, 10, 0, 50};
    for (int i = 0; i < 6; ++i) {
      scheduler.spawn([&, i, delay = delays_ms[i]] {
        REQUIRE(this_fiber::sleep_for(std::chrono::milliseconds(delay)) == Status::ok);
        wakes.emplace_back(i, std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - start).count());
      });
    }
  }
  const std::vector<std::pair<int, long long>> expected = {{4, 0}, {1, 10}, {3, 10}, {2, 20}, {0, 30}, {5, 50}};
  CHECK(wakes == expected);
}

SPOOL_TEST_CASE("sleep_until in the past is a yield; timers do not fire early", "[scheduler][time]") {
  Scheduler::Config config = manual_clock_config();
  Scheduler scheduler(config);
  bool other_ran = false;
  scheduler.spawn([&] { other_ran = true; });
  REQUIRE(this_fiber::sleep_until(clock.now() - 1s) == Status::ok);
  CHECK(other_ran);
  const auto before = clock.now();
  REQUIRE(this_fiber::sleep_for(250ms) == Status::ok);
  CHECK(clock.now() - before == 250ms);
}

SPOOL_TEST_CASE("10,000 fibers are alive at once", "[scheduler][many]") {
  constexpr int kFibers = 10000;
  int finished = 0;
  Scheduler::Config config;
  config.default_stack_size = 16 * 1024;
  {
    Scheduler scheduler(config);
    for (int i = 0; i < kFibers; ++i) {
      scheduler.spawn([&] {
        for (int r = 0; r < 3; ++r) this_fiber::yield();
        ++finished;
      });
    }
    REQUIRE(this_fiber::yield() == Status::ok);  // every fiber has started and is suspended
    const auto stats = scheduler.stats();
    CHECK(stats.live_fibers == kFibers);
    CHECK(stats.peak_live_fibers == kFibers);
    CHECK(stats.stacks_in_use == kFibers);
  }
  CHECK(finished == kFibers);
}

SPOOL_TEST_CASE("100,000 short-lived fibers reuse stacks from the pools", "[scheduler][many]") {
  constexpr int kWaves = 100;
  constexpr int kPerWave = 1000;
  long long ran = 0;
  auto& pool = spool::detail::StackPool::for_this_thread();
  pool.trim();  // start from an empty stack cache: what this test reserves is its own
  Scheduler scheduler;
  const auto before = scheduler.stats();
  for (int wave = 0; wave < kWaves; ++wave) {
    std::vector<spool::Fiber> fibers;
    fibers.reserve(kPerWave);
    for (int i = 0; i < kPerWave; ++i) {
      fibers.push_back(scheduler.spawn([&] {
        this_fiber::yield();
        ++ran;
      }));
    }
    for (auto& f : fibers) REQUIRE(f.join() == Status::ok);
  }
  CHECK(ran == kWaves * kPerWave);
  const auto stats = scheduler.stats();
  CHECK(stats.spawns - before.spawns == kWaves * kPerWave);
  CHECK(stats.peak_live_fibers <= kPerWave);
  // C stacks: at most one wave's worth was ever reserved.
  CHECK(stats.stack_bytes <= kPerWave * spool::detail::StackPool::round_to_class(spool::kDefaultStackSize));
#if defined(__EMSCRIPTEN__) && !defined(SPOOL_CONTEXT_ASYNCIFY)
  // Engine stacks (JSPI): created for the first wave, then reused.
  CHECK(stats.engine_stacks_created - before.engine_stacks_created <= kPerWave + 1);
  CHECK(stats.engine_stacks_reused - before.engine_stacks_reused >= (kWaves - 1) * kPerWave);
#endif
}

SPOOL_TEST_CASE("an exception escaping a fiber is rethrown by join()", "[scheduler][errors]") {
  Scheduler scheduler;
  auto f = scheduler.spawn([] {
    this_fiber::yield();
    throw std::runtime_error("boom");
  });
  CHECK_THROWS_WITH(f.join(), "boom");
}

SPOOL_TEST_CASE("a detached fiber that throws is reported with its name", "[scheduler][errors]") {
  spool_test::ErrorCapture errors;
  {
    Scheduler scheduler;
    spool::FiberOptions options;
    options.name = "doomed";
    scheduler.spawn([] { throw std::runtime_error("kaput"); }, options).detach();
  }
  std::string message;
  REQUIRE(errors.count(Status::fiber_failed, &message) == 1);
  CHECK_THAT(message, Catch::Contains("'doomed'") && Catch::Contains("kaput"));
}

SPOOL_TEST_CASE("handles: ids, names, detach, and a handle outliving its scheduler", "[scheduler]") {
  spool::Fiber kept;
  {
    Scheduler scheduler;
    spool::FiberOptions options;
    options.name = "worker";
    kept = scheduler.spawn([] { this_fiber::yield(); }, options);
    auto other = scheduler.spawn([] {});
    CHECK(kept.id() != 0);
    CHECK(other.id() > kept.id());
    CHECK(std::string(kept.name()) == "worker");
    CHECK(std::string(other.name()) == "fiber-" + std::to_string(other.id()));
    other.detach();
    CHECK_FALSE(other.joinable());
  }
  CHECK(kept.state() == FiberState::finished);
  CHECK(kept.join() == Status::ok);
}

SPOOL_TEST_CASE("sleeping for Duration::max() or until TimePoint::max() means forever", "[scheduler][time]") {
  // A clock far from its epoch, as steady_clock is: now() + Duration::max() would overflow.
  spool::ManualClock manual(spool::TimePoint{} + std::chrono::hours(24 * 365));
  const bool use_manual = GENERATE(true, false);
  Scheduler::Config config;
  if (use_manual) config.clock = &manual;
  Scheduler scheduler(config);
  Status forever_for = Status::ok, forever_until = Status::ok;
  auto a = scheduler.spawn([&] { forever_for = this_fiber::sleep_for(spool::Duration::max()); });
  auto b = scheduler.spawn([&] { forever_until = this_fiber::sleep_until(spool::TimePoint::max()); });
  // Not timers at all: time passes and other timers come and go meanwhile (virtual hours on the
  // manual clock, a few real milliseconds on the steady one).
  for (int i = 0; i < 3; ++i) REQUIRE(this_fiber::sleep_for(use_manual ? 1h : 2ms) == Status::ok);
  CHECK(a.state() == spool::FiberState::waiting);
  CHECK(b.state() == spool::FiberState::waiting);
  a.cancel();
  b.cancel();
  REQUIRE(a.join() == Status::ok);
  REQUIRE(b.join() == Status::ok);
  CHECK(forever_for == Status::cancelled);
  CHECK(forever_until == Status::cancelled);
}

SPOOL_TEST_CASE("timed waits for Duration::max() never time out", "[scheduler][time]") {
  Scheduler::Config config = manual_clock_config();
  Scheduler scheduler(config);
  spool::Event event;
  Status status = Status::timeout;
  auto waiter = scheduler.spawn([&] { status = event.wait_for(spool::Duration::max()); });
  REQUIRE(this_fiber::sleep_for(24h) == Status::ok);
  CHECK(waiter.state() == spool::FiberState::waiting);
  event.signal();
  REQUIRE(waiter.join() == Status::ok);
  CHECK(status == Status::ok);
}
