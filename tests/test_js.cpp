// Awaiting JavaScript promises from fibers (wasm only): other fibers run meanwhile; a rejection
// is an error value, or an exception.
#if defined(__EMSCRIPTEN__)
#include <cmath>
#include <cstdint>
#include <string>

#include <emscripten.h>

#include "support.h"

using namespace std::chrono_literals;
using spool::Scheduler;
using spool::Status;
namespace js = spool::js;
namespace this_fiber = spool::this_fiber;

TEST_CASE("a fiber awaits a JS promise while other fibers keep running", "[js]") {
  spool_test::LeakCheck leaks;
  Scheduler scheduler;
  bool done = false;
  int other_turns = 0;
  auto other = scheduler.spawn([&] {
    while (!done) {
      ++other_turns;
      this_fiber::sleep_for(1ms);
    }
  });
  // The promise settles only once the other fiber has taken three turns, which it can take only
  // while main awaits (a 20 ms timer here was a race the other fiber's 1 ms sleeps could lose on
  // a loaded machine).
  const std::string turns = "HEAP32[" + std::to_string(reinterpret_cast<std::uintptr_t>(&other_turns) / 4) + "]";
  const std::string expression =
      "new Promise(function (r) { (function poll() { if (" + turns + " >= 3) r(42); else setTimeout(poll, 1); })(); })";
  auto r = js::await_value(expression.c_str());
  done = true;
  REQUIRE(r.status == Status::ok);
  CHECK(r.number == 42);
  CHECK(r.text == "42");
  CHECK(other_turns >= 3);
  other.join();
}

TEST_CASE("a plain value, a string and module scope work without glue", "[js]") {
  spool_test::LeakCheck leaks;
  Scheduler scheduler;
  CHECK(js::await_value("6 * 7").number == 42);
  CHECK(js::await_value("Promise.resolve('text')").text == "text");
  CHECK(js::await_value("typeof HEAP8").text == "object");
}

TEST_CASE("a rejection or a throw becomes Status::failed with the reason", "[js][errors]") {
  spool_test::LeakCheck leaks;
  Scheduler scheduler;
  auto rejected = js::await_value("Promise.reject(new Error('nope'))");
  CHECK(rejected.status == Status::failed);
  CHECK(rejected.error == "nope");
  CHECK(std::isnan(rejected.number));
  auto thrown = js::await_value("(function () { throw new TypeError('bad input'); })()");
  CHECK(thrown.status == Status::failed);
  CHECK(thrown.error == "bad input");
  CHECK_THROWS_AS(js::await_or_throw("Promise.reject('late')"), js::Error);
  CHECK(js::await_or_throw("Promise.resolve(7)") == "7");
}

TEST_CASE("cancelling a fiber ends its await", "[js][cancel]") {
  spool_test::LeakCheck leaks;
  Scheduler scheduler;
  Status status = Status::ok;
  auto waiter = scheduler.spawn([&] { status = js::await_value("new Promise(function () {})").status; });
  this_fiber::yield();
  waiter.cancel();
  waiter.join();
  CHECK(status == Status::cancelled);
}

TEST_CASE("next_animation_frame drives a game loop of ticks", "[js][frames]") {
  spool_test::LeakCheck leaks;
  Scheduler scheduler;
  int bullet_frames = 0;
  scheduler.spawn([&] {
    while (this_fiber::wait_frames(1) == Status::ok && bullet_frames < 3) ++bullet_frames;
  });
  for (int frame = 0; frame < 5; ++frame) {
    REQUIRE(js::next_animation_frame() == Status::ok);
    REQUIRE(scheduler.tick() == Status::ok);
  }
  CHECK(bullet_frames == 3);
}

// The functions await_call() reaches: what a game registers before loading the module.
EM_JS(void, install_test_functions, (), {
  var world = {level: 'forest'};  // a JS object the function reaches, which a C++ string cannot carry
  Module.spoolFunctions = {
    describe: function(name, count, flag) {
      return Promise.resolve(world.level + ':' + name + ':' + count + ':' + flag);
    },
    add: function(a, b) { return a + b; },
    reject: function() { return Promise.reject(new Error('refused')); },
  };
});
EM_JS(void, remove_test_functions, (), { delete Module.spoolFunctions; });

TEST_CASE("await_call calls a registered JS function with arguments, no eval", "[js]") {
  spool_test::LeakCheck leaks;
  Scheduler scheduler;
  install_test_functions();
  auto r = js::await_call("describe", "a \"quoted\" name\n", 3, true);
  REQUIRE(r.status == Status::ok);
  CHECK(r.text == "forest:a \"quoted\" name\n:3:true");
  CHECK(js::await_call("add", 2.5, 4).number == 6.5);
  auto rejected = js::await_call("reject");
  CHECK(rejected.status == Status::failed);
  CHECK(rejected.error == "refused");
  auto missing = js::await_call("nowhere");
  CHECK(missing.status == Status::failed);
  CHECK_THAT(missing.error, Catch::Contains("nowhere") && Catch::Contains("Module.spoolFunctions"));
  remove_test_functions();
}

TEST_CASE("awaiting JS works under a ManualClock: the event loop still runs", "[js][time]") {
  spool_test::LeakCheck leaks;
  spool::ManualClock clock;
  Scheduler::Config config;
  config.clock = &clock;
  Scheduler scheduler(config);
  auto r = js::await_value("new Promise(function (r) { setTimeout(function () { r(5); }, 5); })");
  CHECK(r.status == Status::ok);
  CHECK(r.number == 5);
  CHECK(js::next_animation_frame() == Status::ok);
  // Virtual timers still jump: a sleeper is not held back by a pending promise.
  bool slept = false;
  auto sleeper = scheduler.spawn([&] { slept = this_fiber::sleep_for(1h) == Status::ok; });
  CHECK(js::await_value("new Promise(function (r) { setTimeout(r, 5); })").status == Status::ok);
  REQUIRE(sleeper.join() == Status::ok);
  CHECK(slept);
}
#endif
