// Game-engine tasks: frame ticks, wait_frames, wait_until, cancellation, task trees, lifetime
// binding, finished events, fiber-local storage.
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "support.h"

using spool::FiberState;
using spool::Scheduler;
using spool::Status;
namespace this_fiber = spool::this_fiber;

SPOOL_TEST_CASE("wait_frames counts ticks; each tick runs every ready fiber once", "[frames]") {
  Scheduler scheduler;
  std::vector<std::pair<int, std::uint64_t>> woke;  // (fiber, frame)
  for (int i = 1; i <= 3; ++i) {
    scheduler.spawn([&, i] {
      for (int n = 0; n < 2; ++n) {
        REQUIRE(this_fiber::wait_frames(i) == Status::ok);
        woke.emplace_back(i, scheduler.frame());
      }
    });
  }
  for (int frame = 0; frame < 8; ++frame) REQUIRE(scheduler.tick() == Status::ok);
  // Fibers start at frame 1. Waits ending on the same frame resume in the order they began.
  const std::vector<std::pair<int, std::uint64_t>> expected = {
      {1, 2}, {2, 3}, {1, 3}, {3, 4}, {2, 5}, {3, 7}};
  CHECK(woke == expected);
  CHECK(scheduler.stats().frame_waiters == 0);
}

// Near waits sit in per-frame lists, far ones (beyond FrameWheel::kSpan) in a heap until they come
// near: waits that end on one frame must still resume in the order they began, wherever they sat,
// and cancelling any of them must take it out.
SPOOL_TEST_CASE("long and short waits ending on the same frame resume in the order they began", "[frames]") {
  Scheduler scheduler;
  constexpr std::uint64_t kEnd = 700;  // past several turns of the wheel
  std::vector<int> order;
  std::vector<spool::Fiber> waiters;
  // Fiber i begins its wait at frame ~i*100 (i = 0..6), for the frames left until kEnd.
  for (int i = 0; i <= 6; ++i) {
    waiters.push_back(scheduler.spawn([&, i] {
      if (i > 0 && this_fiber::wait_frames(static_cast<std::uint64_t>(i) * 100) != Status::ok) return;
      const std::uint64_t now = scheduler.frame();
      const Status status = this_fiber::wait_frames(kEnd - now);
      if (status == Status::ok) {
        CHECK(scheduler.frame() == kEnd);
        order.push_back(i);
      }
    }));
  }
  while (scheduler.frame() < 350) scheduler.tick();
  waiters[1].cancel();  // waiting in the heap (began ~frame 101, ends at 700)
  waiters[5].cancel();  // not waiting for kEnd yet
  while (scheduler.frame() < kEnd + 1) scheduler.tick();
  CHECK(order == std::vector<int>{0, 2, 3, 4, 6});
  CHECK(scheduler.stats().frame_waiters == 0);
}

SPOOL_TEST_CASE("a fiber yielding in a loop runs once per tick, not forever", "[frames]") {
  Scheduler scheduler;
  int runs = 0;
  auto spinner = scheduler.spawn([&] {
    while (!this_fiber::cancel_requested()) {
      ++runs;
      this_fiber::yield();
    }
  });
  for (int frame = 0; frame < 5; ++frame) scheduler.tick();
  CHECK(runs == 5);
  spinner.cancel();
  scheduler.tick();
  CHECK(spinner.state() == FiberState::finished);
}

SPOOL_TEST_CASE("wait_until checks its predicate at each tick without switching into the fiber", "[frames]") {
  Scheduler scheduler;
  int checks = 0;
  int health = 3;
  bool dead = false;
  scheduler.spawn([&] {
    REQUIRE(this_fiber::wait_until_true([&] {
              ++checks;
              return health <= 0;
            }) == Status::ok);
    dead = true;
  });
  scheduler.tick();  // first run: checks once, then waits
  const auto switches = scheduler.stats().switches;
  for (int frame = 0; frame < 3; ++frame) {
    --health;
    scheduler.tick();
  }
  CHECK(dead);
  CHECK(checks == 4);
  // Ticks 2 and 3 checked the predicate but switched into nothing; tick 4 ran the fiber (two
  // switches: into it, and back when it finished).
  CHECK(scheduler.stats().switches - switches == 2);
}

SPOOL_TEST_CASE("cancel ends a wait with Status::cancelled", "[cancel]") {
  Scheduler scheduler;
  spool::Event never;
  Status status = Status::ok;
  auto task = scheduler.spawn([&] { status = never.wait(); });
  this_fiber::yield();
  CHECK(task.state() == FiberState::waiting);
  task.cancel();
  CHECK(task.cancel_requested());
  REQUIRE(task.join() == Status::ok);
  CHECK(status == Status::cancelled);
}

SPOOL_TEST_CASE("cancel_by_exception unwinds the fiber's stack, running destructors", "[cancel]") {
  Scheduler scheduler;
  bool destroyed = false;
  bool after = false;
  struct Guard {
    bool* flag;
    ~Guard() { *flag = true; }
  };
  spool::FiberOptions options;
  options.cancel_by_exception = true;
  auto task = scheduler.spawn([&] {
    Guard guard{&destroyed};
    this_fiber::wait_frames(1000);
    after = true;
  }, options);
  scheduler.tick();
  task.cancel();
  REQUIRE(task.join() == Status::ok);  // a cancelled fiber ends normally
  CHECK(destroyed);
  CHECK_FALSE(after);
}

SPOOL_TEST_CASE("cancelling a tree of 1,000 tasks takes one tick", "[cancel][tree]") {
  Scheduler scheduler;
  int ended = 0;
  auto root = scheduler.spawn([&] {
    for (int i = 0; i < 9; ++i) {
      this_fiber::spawn_child([&] {
        for (int j = 0; j < 110; ++j) {
          this_fiber::spawn_child([&] {
            this_fiber::wait_frames(1'000'000);
            ++ended;
          });
        }
        this_fiber::join_children();
        ++ended;
      });
    }
    this_fiber::join_children();
  });
  scheduler.tick();  // the root spawns 9 children
  scheduler.tick();  // each spawns 110 grandchildren
  scheduler.tick();  // the grandchildren start waiting
  CHECK(scheduler.stats().live_fibers == 1 + 9 + 990);
  root.cancel();
  scheduler.tick();  // one tick: every task in the tree sees the cancellation and ends
  CHECK(ended == 9 + 990);
  CHECK(root.state() == FiberState::finished);
  CHECK(scheduler.stats().live_fibers == 0);
}

SPOOL_TEST_CASE("children are cancelled when their parent ends", "[tree]") {
  Scheduler scheduler;
  Status child_status = Status::ok;
  spool::Fiber child;
  auto parent = scheduler.spawn([&] {
    child = this_fiber::spawn_child([&] { child_status = this_fiber::wait_frames(1000); });
    this_fiber::wait_frames(1);
  });
  scheduler.tick();
  scheduler.tick();  // the parent ends here
  CHECK(parent.state() == FiberState::finished);
  REQUIRE(child.join() == Status::ok);
  CHECK(child_status == Status::cancelled);
}

SPOOL_TEST_CASE("a task bound to an object is cancelled when the object dies", "[tree]") {
  Scheduler scheduler;
  auto enemy = std::make_shared<std::string>("enemy");
  int frames_alive = 0;
  spool::FiberOptions options;
  options.bound_to = enemy;
  auto ai = scheduler.spawn([&] {
    while (this_fiber::wait_frames(1) == Status::ok) ++frames_alive;
  }, options);
  for (int frame = 0; frame < 3; ++frame) scheduler.tick();
  enemy.reset();
  scheduler.tick();  // detected at the tick; the task wakes cancelled and ends
  scheduler.tick();
  CHECK(ai.state() == FiberState::finished);
  CHECK(frames_alive == 2);
}

SPOOL_TEST_CASE("Fiber::finished() is an event set when the fiber ends", "[tree]") {
  Scheduler scheduler;
  auto task = scheduler.spawn([] { this_fiber::wait_frames(2); });
  spool::Event done = task.finished();
  bool seen = false;
  scheduler.spawn([done, &seen]() mutable {
    done.wait();
    seen = true;
  });
  for (int frame = 0; frame < 4; ++frame) scheduler.tick();
  CHECK(seen);
  CHECK(done.is_set());
}

SPOOL_TEST_CASE("FiberLocal gives each fiber its own value", "[local]") {
  spool::FiberLocal<std::string> tag("none");
  std::vector<std::string> seen;
  {
    Scheduler scheduler;
    for (int i = 0; i < 3; ++i) {
      scheduler.spawn([&, i] {
        *tag = "fiber" + std::to_string(i);
        this_fiber::yield();
        seen.push_back(*tag);
      });
    }
    this_fiber::yield();
    seen.push_back(*tag);  // main's own value
  }
  CHECK(seen == std::vector<std::string>{"none", "fiber0", "fiber1", "fiber2"});
}

SPOOL_TEST_CASE("kill stops a waiting fiber without resuming it; on_kill cleanups run", "[cancel][kill]") {
  spool_test::ErrorCapture errors;
  Scheduler scheduler;
  std::vector<std::string> cleanups;
  bool destructor_ran = false;
  bool resumed = false;
  struct OnStack {
    bool* flag;
    ~OnStack() { *flag = true; }
  };
  auto victim = scheduler.spawn([&] {
    OnStack local{&destructor_ran};
    this_fiber::on_kill([&] { cleanups.push_back("first"); });
    this_fiber::on_kill([&] { cleanups.push_back("second"); });
    this_fiber::wait_frames(1000);
    resumed = true;
  });
  scheduler.tick();
  REQUIRE(victim.kill() == Status::ok);
  CHECK(victim.state() == FiberState::finished);
  CHECK(victim.join() == Status::cancelled);
  CHECK(cleanups == std::vector<std::string>{"second", "first"});
  CHECK_FALSE(resumed);
  CHECK_FALSE(destructor_ran);  // documented: objects on a killed fiber's stack are not destroyed
  CHECK(scheduler.stats().live_fibers == 0);
}

SPOOL_TEST_CASE("kill before a fiber ever ran: its body never runs", "[cancel][kill]") {
  bool ran = false;
  {
    Scheduler::Config config;
    config.max_live_fibers = 1;
    Scheduler scheduler(config);
    auto ready = scheduler.spawn([&] { ran = true; });
    auto queued = scheduler.spawn([&] { ran = true; });  // past the cap: queued
    CHECK(queued.state() == FiberState::queued);
    REQUIRE(ready.kill() == Status::ok);
    REQUIRE(queued.kill() == Status::ok);
  }
  CHECK_FALSE(ran);
}

SPOOL_TEST_CASE("a fiber cannot kill itself", "[cancel][kill][errors]") {
  spool_test::ErrorCapture errors;
  Scheduler scheduler;
  spool::Fiber self;
  Status status = Status::ok;
  self = scheduler.spawn([&] { status = self.kill(); });
  self.join();
  CHECK(status == Status::already_running);
  CHECK(errors.count(Status::already_running) == 1);
}

SPOOL_TEST_CASE("killed fibers give back their stacks: 4 waves of 10,000 kills", "[cancel][kill][many]") {
  // In wasm the engine never collects a suspended engine stack by itself and aborts the process
  // past ~32,000 of them: this passes only if kill really frees each one.
  Scheduler::Config config;
  config.max_parked_engine_stacks = 0;  // no pool: every live fiber holds its own engine stack
  Scheduler scheduler(config);
  for (int wave = 0; wave < 4; ++wave) {
    std::vector<spool::Fiber> fibers;
    for (int i = 0; i < 10000; ++i) fibers.push_back(scheduler.spawn([] { this_fiber::wait_frames(1'000'000); }));
    scheduler.tick();  // all started and waiting
    REQUIRE(scheduler.stats().live_fibers == 10000);
    for (auto& f : fibers) REQUIRE(f.kill() == Status::ok);
    REQUIRE(scheduler.stats().live_fibers == 0);
  }
#if defined(__EMSCRIPTEN__) && !defined(SPOOL_CONTEXT_ASYNCIFY)
  // Dropped engine stacks (JSPI) are freed by the engine once the JS event loop turns.
  this_fiber::sleep_for(std::chrono::milliseconds(1));
  CHECK(scheduler.stats().engine_stacks_live == 0);
#endif
}

SPOOL_TEST_CASE("wait_frames near UINT64_MAX waits forever instead of wrapping", "[frames]") {
  Scheduler scheduler;
  const std::uint64_t frames = GENERATE(std::numeric_limits<std::uint64_t>::max(),
                                        std::numeric_limits<std::uint64_t>::max() - 3);
  Status status = Status::ok;
  auto waiter = scheduler.spawn([&] { status = this_fiber::wait_frames(frames); });
  for (int frame = 0; frame < 600; ++frame) scheduler.tick();  // past two turns of the wheel
  CHECK(waiter.state() == FiberState::waiting);
  waiter.cancel();
  REQUIRE(waiter.join() == Status::ok);
  CHECK(status == Status::cancelled);
}

SPOOL_TEST_CASE("destroying the Scheduler cancels fibers that wait for frames or predicates",
          "[frames][shutdown]") {
  // No tick can come once the Scheduler's destructor runs: waiting for one would hang.
  spool_test::ErrorCapture errors;
  Status frames_status = Status::ok, predicate_status = Status::ok, later_status = Status::ok;
  bool cleaned_up = false;
  {
    Scheduler scheduler;  // the real clock: a missed wake would only end at deadlock_after
    scheduler.spawn([&] {
      frames_status = this_fiber::wait_frames(10);
      cleaned_up = true;
      later_status = this_fiber::wait_frames(1);  // still no tick: cancelled at once
    });
    scheduler.spawn([&] { predicate_status = this_fiber::wait_until_true([] { return false; }); });
    scheduler.tick();
  }
  CHECK(frames_status == Status::cancelled);
  CHECK(predicate_status == Status::cancelled);
  CHECK(later_status == Status::cancelled);
  CHECK(cleaned_up);
  CHECK(errors.count(Status::deadlock) == 0);
}

SPOOL_TEST_CASE("a spawn refused for its stack size still ends properly: parent, binding, joiners",
          "[tree][errors]") {
  spool_test::ErrorCapture errors;
  Scheduler scheduler;
  auto owner = std::make_shared<int>(1);
  spool::FiberOptions too_big;
  too_big.stack_size = std::numeric_limits<std::size_t>::max() / 2;  // past the largest size class: refused
  too_big.bound_to = owner;
  Status children = Status::timeout;
  Status refused_join = Status::ok;
  auto parent = scheduler.spawn([&] {
    spool::Fiber refused = this_fiber::spawn_child([] {}, too_big);
    refused_join = refused.join();
    children = this_fiber::join_children();
  });
  scheduler.tick();
  scheduler.tick();
  owner.reset();
  scheduler.tick();  // checks bindings: must not read the refused fiber's freed record
  REQUIRE(parent.join() == Status::ok);
  CHECK(children == Status::ok);
  CHECK(refused_join == Status::fiber_failed);
  CHECK(errors.count(Status::no_memory) == 1);
}
