// Seeing fibers: inspect() and describe() report every live fiber with its place in the task
// tree, what it waits in, its age and its stack use, measured.
#include <string>

#include "support.h"

#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
#endif

using namespace std::chrono_literals;
using spool::FiberState;
using spool::Scheduler;
using spool::Status;
namespace this_fiber = spool::this_fiber;

namespace {
// Uses about `bytes` of C stack, then waits for frames.
__attribute__((noinline)) void deep_wait(std::size_t bytes) {
  volatile char frame[2048];
  for (auto& b : frame) b = 1;  // every byte written: the stack really is used
  if (bytes > sizeof frame) {
    deep_wait(bytes - sizeof frame);
  } else {
    this_fiber::wait_frames(100);
  }
  frame[1] = frame[0];
}
}  // namespace

TEST_CASE("inspect lists fibers with their tree, waits, ages and measured stacks", "[inspect]") {
  spool_test::LeakCheck leaks;
  spool::ManualClock clock;
  Scheduler::Config config;
  config.clock = &clock;
  config.measure_stacks = true;
  config.default_stack_size = 64 * 1024;
  Scheduler scheduler(config);
  auto boss = scheduler.spawn([] {
    this_fiber::spawn_child([] { deep_wait(12 * 1024); }, {.name = "deep"});
    this_fiber::spawn_child([] { this_fiber::wait_frames(100); }, {.name = "shallow"});
    this_fiber::join_children();
  }, {.name = "boss"});
  scheduler.tick();
  scheduler.tick();
  clock.advance(250ms);
  const spool::Inspection seen = scheduler.inspect();
  CHECK(seen.frame == 2);
  REQUIRE(seen.fibers.size() == 4);  // main, boss, deep, shallow
  CHECK(seen.fibers[0].name == "main");
  CHECK(seen.fibers[0].state == FiberState::running);
  const spool::FiberInfo& b = seen.fibers[1];
  const spool::FiberInfo& deep = seen.fibers[2];
  const spool::FiberInfo& shallow = seen.fibers[3];
  CHECK(b.name == "boss");
  CHECK(b.children == 2);
  CHECK(b.waiting_in == "spool::this_fiber::join_children()");
  CHECK(deep.parent == b.id);
  CHECK(deep.waiting_in == "wait_frames");
  CHECK(deep.age == 250ms);
  CHECK(deep.spawn_frame == 1);
  CHECK(deep.stack_size == 64 * 1024);
  // Measured, not guessed: the deep one used over 12 KiB, the shallow one far less.
  CHECK(deep.stack_high_water >= 12 * 1024);
  CHECK(deep.stack_high_water < 32 * 1024);
  CHECK(shallow.stack_high_water < 8 * 1024);
  CHECK(shallow.stack_high_water <= deep.stack_high_water);
#if !defined(SPOOL_TEST_UCONTEXT)
  INFO("deep: in use " << deep.stack_in_use << ", most " << deep.stack_high_water);
  if (deep.stack_in_use != 0) {  // 0 where the backend cannot tell (ucontext)
    CHECK(deep.stack_in_use >= 12 * 1024);
    CHECK(deep.stack_in_use <= deep.stack_high_water);
  }
#endif
  const std::string text = scheduler.describe();
  INFO(text);
  CHECK(text.find("frame 2, 3 fibers") != std::string::npos);
  CHECK(text.find("\n  deep #") != std::string::npos);  // indented under boss
  CHECK(text.find("boss #") != std::string::npos);
  boss.cancel();
}

#if defined(__EMSCRIPTEN__)
TEST_CASE("performance_marks: each fiber's runs show as measures in the performance tools", "[inspect][wasm]") {
  spool_test::LeakCheck leaks;
  Scheduler::Config config;
  config.performance_marks = true;
  Scheduler scheduler(config);
  EM_ASM({ if (typeof performance == 'object' && performance.clearMeasures) performance.clearMeasures(); });
  scheduler.spawn([] {
    for (int i = 0; i < 3; ++i) this_fiber::yield();
  }, {.name = "traced-fiber"});
  for (int i = 0; i < 4; ++i) this_fiber::yield();
  const int measures = EM_ASM_INT({
    return performance.getEntriesByType('measure').filter(function(m) { return m.name == 'traced-fiber'; }).length;
  });
  CHECK(measures >= 3);
}
#endif
