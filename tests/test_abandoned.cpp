// Runs that will never resume (a killed fiber, a Coroutine destroyed mid-body, fibers abandoned
// by ~Scheduler after a deadlock) never execute again: not their destructors, not later, and in
// particular not on a C stack that another fiber has taken over since. Each test poisons the
// reused stack and checks that nothing wrote to it.
#include <cstdint>
#include <cstring>
#include <vector>

#include "support.h"

using spool::Coroutine;
using spool::FiberState;
using spool::Scheduler;
using spool::Status;
namespace this_fiber = spool::this_fiber;

namespace {

// Lives on the stack of a run that is abandoned. Its destructor must never run.
int g_witness_destroyed = 0;
const void* g_witness_address = nullptr;
struct Witness {
  std::uint64_t word = 0x5717e55;
  Witness() { g_witness_address = this; }
  ~Witness() {
    ++g_witness_destroyed;
    word = 0xdeadbeefdeadbeefull;  // a write into whatever now owns that memory
  }
};

constexpr unsigned char kPoison = 0xa5;
constexpr std::size_t kArea = 4096;

// Runs on a fiber that took over the abandoned run's C stack: covers the place where the witness
// was with poison, lets everything else run for a while (JS microtasks and timers too), and says
// whether the poison is intact. Returns false (with the test failed) if the area does not cover
// the witness, since then the test would prove nothing.
bool poison_and_watch(int rounds) {
  volatile unsigned char area[kArea];
  const auto lo = reinterpret_cast<std::uintptr_t>(&area[0]);
  const auto witness = reinterpret_cast<std::uintptr_t>(g_witness_address);
  INFO("poisoned area [" << lo << ", " << lo + kArea << "), witness at " << witness);
  REQUIRE(witness >= lo);
  REQUIRE(witness + sizeof(Witness) <= lo + kArea);
  for (std::size_t i = 0; i < kArea; ++i) area[i] = kPoison;
  for (int i = 0; i < rounds; ++i) {
    this_fiber::sleep_for(std::chrono::milliseconds(1));  // a JS timer turn in wasm
    this_fiber::yield();
  }
  for (std::size_t i = 0; i < kArea; ++i) {
    if (area[i] != kPoison) return false;
  }
  return true;
}

// The body of a run that is abandoned: a witness, then a wait that never ends normally. The
// padding puts the witness inside the poisoned area of poison_and_watch() on the same stack.
// Nothing on an abandoned stack is destroyed, so the Event is taken by reference (a copy there
// would keep its state alive for good).
void hold_witness_and_wait(spool::Event& never) {
  [[maybe_unused]] volatile unsigned char padding[kArea / 2];
  padding[0] = 1;
  Witness witness;
  never.wait();
  padding[1] = static_cast<unsigned char>(witness.word);
}

}  // namespace

SPOOL_TEST_CASE("a killed fiber never runs again, even once its stack serves another fiber",
          "[abandoned][kill]") {
  g_witness_destroyed = 0;
  Scheduler scheduler;
  spool::Event never;
  auto victim = scheduler.spawn([never]() mutable { hold_witness_and_wait(never); });
  this_fiber::yield();
  REQUIRE(victim.state() == FiberState::waiting);
  REQUIRE(victim.kill() == Status::ok);
  // The pool hands the freed stack to the next fiber of the same size class.
  bool intact = false;
  auto poisoner = scheduler.spawn([&] { intact = poison_and_watch(5); });
  REQUIRE(poisoner.join() == Status::ok);
  CHECK(intact);
  CHECK(g_witness_destroyed == 0);
}

SPOOL_TEST_CASE("a Coroutine destroyed mid-body never runs again", "[abandoned][coroutine]") {
  g_witness_destroyed = 0;
  Scheduler scheduler;
  {
    spool::CoroutineOptions same_stack_as_fibers;
    same_stack_as_fibers.stack_size = spool::kDefaultStackSize;
    Coroutine co([](Coroutine& self, void*) -> void* {
      [[maybe_unused]] volatile unsigned char padding[kArea / 2];
      padding[0] = 1;
      Witness witness;
      self.yield();
      padding[1] = static_cast<unsigned char>(witness.word);
      return nullptr;
    }, same_stack_as_fibers);
    REQUIRE(co.resume().status == Status::ok);
    REQUIRE(co.state() == spool::CoroutineState::suspended);
  }  // destroyed while suspended mid-body
  // The same C stack, now a fiber's (coroutines and fibers share the pool's size classes).
  bool intact = false;
  auto poisoner = scheduler.spawn([&] { intact = poison_and_watch(5); });
  REQUIRE(poisoner.join() == Status::ok);
  CHECK(intact);
  CHECK(g_witness_destroyed == 0);
}

SPOOL_TEST_CASE("fibers abandoned by ~Scheduler after a deadlock never run again", "[abandoned][errors]") {
  spool_test::ErrorCapture errors;
  g_witness_destroyed = 0;
  Scheduler::Config config = manual_clock_config();  // the deadlock is declared at once
  spool::Event never;
  {
    Scheduler doomed(config);
    doomed.spawn([never]() mutable { hold_witness_and_wait(never); });
  }  // deadlock: the fiber is abandoned
  REQUIRE(errors.count(Status::deadlock) >= 1);
  bool intact = false;
  {
    Scheduler scheduler;
    auto poisoner = scheduler.spawn([&] { intact = poison_and_watch(5); });
    REQUIRE(poisoner.join() == Status::ok);
  }
  CHECK(intact);
  CHECK(g_witness_destroyed == 0);
}

SPOOL_TEST_CASE("thousands of killed fibers never run again", "[abandoned][kill][many]") {
  g_witness_destroyed = 0;
  Scheduler scheduler;
  spool::Event never;
  for (int wave = 0; wave < 4; ++wave) {
    std::vector<spool::Fiber> victims;
    for (int i = 0; i < 2000; ++i) victims.push_back(scheduler.spawn([never]() mutable {
      Witness witness;
      never.wait();
    }));
    this_fiber::yield();
    for (auto& v : victims) REQUIRE(v.kill() == Status::ok);
    // Fresh fibers take the stacks over and scribble on them while the releases settle.
    int damaged = 0;
    std::vector<spool::Fiber> scribblers;
    for (int i = 0; i < 2000; ++i) scribblers.push_back(scheduler.spawn([&damaged] {
      volatile unsigned char area[1024];
      for (auto& b : area) b = kPoison;
      this_fiber::sleep_for(std::chrono::milliseconds(1));
      for (auto& b : area) damaged += b != kPoison;
    }));
    for (auto& s : scribblers) REQUIRE(s.join() == Status::ok);
    CHECK(damaged == 0);
  }
  CHECK(g_witness_destroyed == 0);
}
