// The live-fiber cap: spawns past it wait, start in order, and none is lost; a cap that every
// live fiber blocks on is reported as a deadlock.
#include <string>
#include <vector>

#include "src/stack/stack_pool.h"
#include "support.h"

using spool::FiberState;
using spool::Scheduler;
using spool::Status;
namespace this_fiber = spool::this_fiber;

SPOOL_TEST_CASE("spawns past max_live_fibers are queued and start in spawn order", "[limits]") {
  const std::size_t cap = GENERATE(1, 4, 64);
  constexpr int kSpawns = 200;
  std::vector<int> started;
  std::size_t max_seen_live = 0;
  {
    Scheduler::Config config;
    config.max_live_fibers = cap;
    Scheduler scheduler(config);
    std::vector<spool::Fiber> fibers;
    for (int i = 0; i < kSpawns; ++i) {
      fibers.push_back(scheduler.spawn([&, i] {
        started.push_back(i);
        max_seen_live = std::max(max_seen_live, Scheduler::current()->stats().live_fibers);
        this_fiber::yield();
        this_fiber::yield();
      }));
    }
    CHECK(scheduler.stats().queued_spawns == kSpawns - cap);
    CHECK(fibers.back().state() == FiberState::queued);
    for (auto& f : fibers) REQUIRE(f.join() == Status::ok);
    CHECK(scheduler.stats().peak_live_fibers == cap);
  }
  REQUIRE(started.size() == kSpawns);
  for (int i = 0; i < kSpawns; ++i) CHECK(started[i] == i);
  CHECK(max_seen_live <= cap);
}

SPOOL_TEST_CASE("every live fiber blocked while spawns wait is a reported deadlock", "[limits][errors]") {
  spool_test::ErrorCapture errors;
  Scheduler::Config config = manual_clock_config();  // a manual clock reports a deadlock at once
  config.max_live_fibers = 2;
  {
    Scheduler scheduler(config);
    spool::Fiber last;
    auto waiter = [&last] { last.join(); };
    auto a = scheduler.spawn(waiter);
    auto b = scheduler.spawn(waiter);
    last = scheduler.spawn([] {});  // queued: both slots are taken by fibers that wait for it
    CHECK(last.state() == FiberState::queued);
    CHECK(a.join() == Status::deadlock);
  }
  std::string message;
  REQUIRE(errors.count(Status::deadlock, &message) >= 1);
  CHECK_THAT(errors.all().front().message,
             Catch::Contains("deadlock") && Catch::Contains("spawns wait for a free slot") &&
                 Catch::Contains("max_live_fibers"));
}

SPOOL_TEST_CASE("two fibers joining each other deadlock; main gets Status::deadlock", "[limits][errors]") {
  spool_test::ErrorCapture errors;
  Scheduler::Config config = manual_clock_config();
  {
    Scheduler scheduler(config);
    spool::Fiber a, b;
    spool::FiberOptions na, nb;
    na.name = "left";
    nb.name = "right";
    a = scheduler.spawn([&] { b.join(); }, na);
    b = scheduler.spawn([&] { a.join(); }, nb);
    CHECK(a.join() == Status::deadlock);
  }
  REQUIRE(errors.count(Status::deadlock) >= 1);
  CHECK_THAT(errors.all().front().message, Catch::Contains("'left'") && Catch::Contains("'right'"));
}

// Waves of fibers larger than any fixed cache: after the first wave, later ones reuse every C
// stack and engine stack (nothing mapped anew); once the working set is small again for two
// epochs, the caches give the surplus back.
SPOOL_TEST_CASE("stack caches follow the working set", "[limits][many]") {
  Scheduler::Config config;
#if defined(__SANITIZE_ADDRESS__)
  config.default_stack_size = 32 * 1024;  // AddressSanitizer's frames are larger
#else
  config.default_stack_size = 8 * 1024;
#endif
  Scheduler scheduler(config);
  auto wave = [&](int size) {
    std::vector<spool::Fiber> fibers;
    fibers.reserve(static_cast<std::size_t>(size));
    for (int i = 0; i < size; ++i) fibers.push_back(scheduler.spawn([] { this_fiber::yield(); }));
    for (auto& f : fibers) REQUIRE(f.join() == Status::ok);
  };
  constexpr int kBig = 12000;
  wave(kBig);
  const auto first = scheduler.stats();
  CHECK(first.stacks_cached >= kBig);
  wave(kBig);
  wave(kBig);
  const auto later = scheduler.stats();
  CHECK(later.stack_bytes == first.stack_bytes);  // every stack reused, none mapped anew
#if defined(__EMSCRIPTEN__) && !defined(SPOOL_CONTEXT_ASYNCIFY)  // JSPI's engine stacks
  CHECK(later.engine_stacks_created == first.engine_stacks_created);
#endif
  // Two epochs of small waves: the working set is 100 now.
  const int small_waves = static_cast<int>(2 * spool::detail::StackPool::kEpoch / 100) + 2;
  for (int i = 0; i < small_waves; ++i) wave(100);
  CHECK(scheduler.stats().stacks_cached <= 200);
}
