// The low-level asymmetric coroutine: values both ways, any resume order, errors.
#include <random>
#include <string>
#include <vector>

#include "support.h"

using spool::Coroutine;
using spool::CoroutineState;
using spool::Status;

namespace {
void* as_ptr(std::uintptr_t v) { return reinterpret_cast<void*>(v); }
std::uintptr_t as_int(void* p) { return reinterpret_cast<std::uintptr_t>(p); }
}  // namespace

SPOOL_TEST_CASE("a coroutine passes values each way and finishes", "[coroutine]") {
  Coroutine co([](Coroutine& self, void* first) -> void* {
    std::uintptr_t sum = as_int(first);
    for (int i = 0; i < 3; ++i) sum += as_int(self.yield(as_ptr(sum)));
    return as_ptr(sum * 10);
  });
  CHECK(co.state() == CoroutineState::suspended);
  auto r = co.resume(as_ptr(1));
  CHECK(r.status == Status::ok);
  CHECK(as_int(r.value) == 1);
  CHECK(as_int(co.resume(as_ptr(2)).value) == 3);
  CHECK(as_int(co.resume(as_ptr(3)).value) == 6);
  r = co.resume(as_ptr(4));
  CHECK(as_int(r.value) == 100);
  CHECK(co.state() == CoroutineState::dead);
}

SPOOL_TEST_CASE("coroutines resumed in a random order each keep their own sequence", "[coroutine]") {
  const unsigned seed = GENERATE(1u, 2u, 3u);
  constexpr int kCoroutines = 64;
  constexpr int kSteps = 20;
  std::vector<std::unique_ptr<Coroutine>> cos;
  for (int c = 0; c < kCoroutines; ++c) {
    cos.push_back(std::make_unique<Coroutine>([c](Coroutine& self, void* in) -> void* {
      volatile int on_stack[16];  // live locals on the coroutine's own stack across yields
      for (int i = 0; i < 16; ++i) on_stack[i] = c * 1000 + i;
      for (int step = 0; step < kSteps; ++step) {
        for (int i = 0; i < 16; ++i) {
          if (on_stack[i] != c * 1000 + i) return as_ptr(~std::uintptr_t{0});
        }
        // Reply with (coroutine, step, what we were sent).
        in = self.yield(as_ptr((std::uintptr_t(c) << 20) | (std::uintptr_t(step) << 12) | (as_int(in) & 0xfff)));
      }
      return nullptr;
    }));
  }
  std::mt19937 rng(seed);
  std::vector<int> steps(kCoroutines, 0);
  int remaining = kCoroutines * kSteps;
  while (remaining > 0) {
    const int c = static_cast<int>(rng() % kCoroutines);
    if (steps[c] == kSteps) continue;
    const std::uintptr_t sent = rng() & 0xfff;
    auto r = cos[c]->resume(as_ptr(sent));
    REQUIRE(r.status == Status::ok);
    const std::uintptr_t expected = (std::uintptr_t(c) << 20) | (std::uintptr_t(steps[c]) << 12) | sent;
    REQUIRE(as_int(r.value) == expected);
    ++steps[c];
    --remaining;
  }
  for (auto& co : cos) {
    REQUIRE(co->resume().status == Status::ok);
    CHECK(co->state() == CoroutineState::dead);
  }
}

SPOOL_TEST_CASE("coroutines nest: one resumes another", "[coroutine]") {
  std::string trace;
  Coroutine inner([&](Coroutine& self, void*) -> void* {
    trace += "i1 ";
    self.yield();
    trace += "i2 ";
    return nullptr;
  });
  Coroutine outer([&](Coroutine& self, void*) -> void* {
    trace += "o1 ";
    CHECK(inner.state() == CoroutineState::suspended);
    inner.resume();
    CHECK(self.state() == CoroutineState::running);
    self.yield();
    inner.resume();
    trace += "o2 ";
    return nullptr;
  });
  outer.resume();
  trace += "m ";
  outer.resume();
  CHECK(trace == "o1 i1 m i2 o2 ");
  CHECK(inner.state() == CoroutineState::dead);
}

SPOOL_TEST_CASE("resuming a finished coroutine is refused with finished", "[coroutine][errors]") {
  spool_test::ErrorCapture errors;
  Coroutine co([](Coroutine&, void*) -> void* { return nullptr; });
  REQUIRE(co.resume().status == Status::ok);
  auto r = co.resume();
  CHECK(r.status == Status::finished);
  std::string message;
  REQUIRE(errors.count(Status::finished, &message) == 1);
  CHECK_THAT(message, Catch::Contains("finished") && Catch::Contains("CoroutineState::dead"));
}

SPOOL_TEST_CASE("a coroutine cannot resume itself or yield from outside", "[coroutine][errors]") {
  spool_test::ErrorCapture errors;
  Status self_resume = Status::ok;
  Coroutine co([&](Coroutine& self, void*) -> void* {
    self_resume = self.resume().status;
    return nullptr;
  });
  CHECK(co.yield() == nullptr);  // not inside its body
  co.resume();
  CHECK(self_resume == Status::already_running);
  CHECK(errors.count(Status::already_running) == 2);
}

SPOOL_TEST_CASE("an exception escaping a coroutine is rethrown by resume()", "[coroutine][errors]") {
  Coroutine co([](Coroutine& self, void*) -> void* {
    self.yield();
    throw std::logic_error("from the coroutine");
  });
  co.resume();
  CHECK_THROWS_WITH(co.resume(), "from the coroutine");
  CHECK(co.state() == CoroutineState::dead);
}

SPOOL_TEST_CASE("a coroutine body can use the scheduler", "[coroutine][scheduler]") {
  std::string trace;
  {
    spool::Scheduler scheduler;
    scheduler.spawn([&] {
      Coroutine co([&](Coroutine& self, void*) -> void* {
        trace += "c1 ";
        spool::this_fiber::yield();  // suspends the fiber that resumed us, coroutine and all
        trace += "c2 ";
        return nullptr;
      });
      co.resume();
      trace += "f ";
    });
    scheduler.spawn([&] { trace += "g "; });
  }
  CHECK(trace == "c1 g c2 f ");
}

// Found by the model test (seed 75): the running coroutine was tracked per thread, so a fiber
// switch inside one coroutine's body made another fiber's coroutine look like the wrong one.
SPOOL_TEST_CASE("coroutines blocked on the scheduler in two fibers each keep their own chain",
          "[coroutine][scheduler]") {
  std::string trace;
  {
    spool::Scheduler scheduler;
    scheduler.spawn([&] {
      Coroutine first([&](Coroutine&, void*) -> void* {
        spool::this_fiber::yield();  // the second fiber runs (and resumes its own coroutine)
        trace += "first-done ";
        return nullptr;
      });
      first.resume();
    });
    scheduler.spawn([&] {
      Coroutine second([&](Coroutine& self, void*) -> void* {
        spool::this_fiber::yield();  // the first coroutine finishes meanwhile
        spool::this_fiber::yield();
        self.yield(as_ptr(7));  // must stop here: this coroutine is the one running
        trace += "second-resumed ";
        return as_ptr(8);
      });
      const auto yielded = second.resume();
      CHECK(yielded.status == Status::ok);
      CHECK(as_int(yielded.value) == 7);
      CHECK(second.state() == CoroutineState::suspended);
      CHECK(as_int(second.resume().value) == 8);
      CHECK(second.state() == CoroutineState::dead);
    });
  }
  CHECK(trace == "first-done second-resumed ");
}
