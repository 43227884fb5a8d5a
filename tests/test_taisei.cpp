// What a port of Taisei's task system needs: tasks that start at once, references to tasks that
// outlive them, events that can be cancelled, tasks started or cancelled by events.
#include <string>
#include <vector>

#include "support.h"

using spool::FiberRef;
using spool::FiberState;
using spool::Scheduler;
using spool::Status;
namespace this_fiber = spool::this_fiber;

TEST_CASE("start_now runs a new fiber up to its first wait before spawn returns", "[taisei]") {
  spool_test::LeakCheck leaks;
  Scheduler scheduler;
  std::vector<std::string> trace;
  auto other = scheduler.spawn([&] { trace.push_back("other"); });  // ready before the spawner
  auto spawner = scheduler.spawn([&] {
    trace.push_back("spawner");
    spool::FiberOptions now;
    now.start_now = true;
    auto child = this_fiber::spawn_child([&] {
      trace.push_back("child starts");
      this_fiber::wait_frames(1);
      trace.push_back("child next frame");
    }, now);
    trace.push_back("spawn returned");  // before `other`: the spawner goes on first
    this_fiber::wait_frames(2);
  });
  // From main (a context that can switch) too.
  spool::FiberOptions now;
  now.start_now = true;
  scheduler.spawn([&] {
    trace.push_back("main's child");
    this_fiber::yield();
    trace.push_back("main's child again");
  }, now);
  trace.push_back("main goes on");
  for (int i = 0; i < 3; ++i) scheduler.tick();
  const std::vector<std::string> expected = {"main's child", "main goes on", "other", "spawner",
                                             "child starts", "spawn returned", "main's child again",
                                             "child next frame"};
  CHECK(trace == expected);
}

TEST_CASE("a FiberRef is copyable and safe to use after the fiber ended", "[taisei]") {
  spool_test::LeakCheck leaks;
  FiberRef kept;
  {
    Scheduler scheduler;
    auto fiber = scheduler.spawn([] { this_fiber::wait_frames(3); }, {.name = "boxed"});
    FiberRef ref = fiber.ref();
    FiberRef copy = ref;
    CHECK(copy == ref);
    CHECK(copy.alive());
    CHECK(std::string(copy.name()) == "boxed");
    CHECK(copy.id() == fiber.id());
    scheduler.tick();
    copy.cancel();
    scheduler.tick();
    CHECK_FALSE(ref.alive());
    CHECK(ref.state() == FiberState::finished);
    ref.cancel();  // after the end: nothing happens
    CHECK(ref.kill() == Status::ok);
    CHECK(ref.finished().is_set());
    kept = ref;
    fiber.detach();
  }
  // After the Scheduler is gone too.
  kept.cancel();
  CHECK_FALSE(kept.alive());
  FiberRef empty;
  CHECK_FALSE(empty);
  CHECK(empty.state() == FiberState::finished);
}

TEST_CASE("a cancelled Event wakes its waiters with cancelled until reset", "[taisei][sync]") {
  spool_test::LeakCheck leaks;
  Scheduler scheduler;
  spool::Event event(spool::Event::Mode::manual_reset);
  std::vector<Status> seen;
  spool::FiberOptions unwinding;
  unwinding.cancel_by_exception = true;  // the event is cancelled, not the fiber: no exception
  for (int i = 0; i < 2; ++i) {
    scheduler.spawn([&, event]() mutable {
      seen.push_back(event.wait());
      seen.push_back(event.wait());  // at once: still cancelled
    }, unwinding);
  }
  this_fiber::yield();
  event.cancel();
  CHECK(event.is_cancelled());
  this_fiber::yield();
  event.signal();  // ignored while cancelled
  CHECK_FALSE(event.is_set());
  CHECK(seen == std::vector<Status>(4, Status::cancelled));
  event.reset();
  CHECK_FALSE(event.is_cancelled());
  event.signal();
  CHECK(event.wait() == Status::ok);
}

TEST_CASE("events start tasks and cancel tasks when they fire, once", "[taisei][sync]") {
  spool_test::LeakCheck leaks;
  Scheduler scheduler;
  spool::Event boss_died;
  spool::Event phase_two;
  int explosions = 0;
  boss_died.spawn_when_signalled([&] { ++explosions; }, {.name = "explosion"});
  auto attack = scheduler.spawn([] {
    while (this_fiber::wait_frames(1) == Status::ok) {
    }
  });
  attack.cancel_when(phase_two);
  FiberRef dropped = scheduler.spawn([] { this_fiber::wait_frames(1000); }).ref();
  spool::Event never;
  dropped.cancel_when(never);
  never.cancel();  // subscriptions of a cancelled event are dropped
  scheduler.tick();
  CHECK(attack.state() == FiberState::waiting);
  phase_two.signal();
  scheduler.tick();
  CHECK(attack.state() == FiberState::finished);
  boss_died.signal();
  boss_died.signal();  // once: the subscription is gone
  scheduler.tick();
  CHECK(explosions == 1);
  CHECK(dropped.alive());
  dropped.cancel();
}

TEST_CASE("several schedulers on one thread: a paused stage under a running menu", "[taisei][schedulers]") {
  spool_test::LeakCheck leaks;
  spool::ManualClock clock;
  Scheduler::Config config;
  config.clock = &clock;
  Scheduler stage(config);
  Scheduler menu(config);
  int stage_frames = 0, menu_frames = 0;
  Scheduler* seen_in_menu = nullptr;
  stage.spawn([&] {
    while (this_fiber::wait_frames(1) == Status::ok) ++stage_frames;
  });
  menu.spawn([&] {
    seen_in_menu = Scheduler::current();
    while (this_fiber::wait_frames(1) == Status::ok) ++menu_frames;
  });
  CHECK(Scheduler::current() == &stage);  // outside any tick: the first one made
  auto frame = [&] {
    stage.tick();
    menu.tick();
  };
  for (int i = 0; i < 3; ++i) frame();
  CHECK(stage_frames == 2);
  CHECK(menu_frames == 2);
  CHECK(seen_in_menu == &menu);
  stage.pause();
  for (int i = 0; i < 3; ++i) frame();
  CHECK(stage_frames == 2);  // paused: no frame counted
  CHECK(stage.frame() == 3);
  CHECK(menu_frames == 5);
  stage.resume();
  frame();
  CHECK(stage_frames == 3);

  // A stage fiber waits on what a menu fiber signals; each runs in its own scheduler's ticks.
  spool::Event start_pressed;
  bool started = false;
  auto waiter = stage.spawn([&, start_pressed]() mutable {
    started = start_pressed.wait() == Status::ok;
  });
  menu.spawn([start_pressed]() mutable { start_pressed.signal(); });
  frame();  // the waiter blocks in the stage's tick, the menu signals in its own
  CHECK_FALSE(started);
  frame();
  CHECK(started);
  REQUIRE(waiter.join() == Status::ok);
}

TEST_CASE("a scheduler's time scale: game time runs at a scale of its clock", "[taisei][time]") {
  spool_test::LeakCheck leaks;
  spool::ManualClock clock;
  Scheduler::Config config;
  config.clock = &clock;
  Scheduler slow_motion(config);
  slow_motion.set_time_scale(0.5);
  CHECK(slow_motion.time_scale() == 0.5);
  const auto real_start = clock.now();
  const auto game_start = slow_motion.now();
  auto sleeper = slow_motion.spawn([] { this_fiber::sleep_for(std::chrono::milliseconds(100)); });
  REQUIRE(sleeper.join() == Status::ok);  // the idle scheduler jumps the manual clock
  CHECK(slow_motion.now() - game_start == std::chrono::milliseconds(100));
  CHECK(clock.now() - real_start == std::chrono::milliseconds(200));
  slow_motion.pause();
  CHECK(slow_motion.time_scale() == 0.5);  // kept for resume()
  clock.advance(std::chrono::seconds(1));
  CHECK(slow_motion.now() - game_start == std::chrono::milliseconds(100));  // stood still
  slow_motion.resume();
  clock.advance(std::chrono::milliseconds(20));
  CHECK(slow_motion.now() - game_start == std::chrono::milliseconds(110));
}
