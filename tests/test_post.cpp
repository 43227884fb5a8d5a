// Scheduler::post(): work handed in from another thread (native) or a JS callback (wasm) runs in
// a fiber and wakes an idle scheduler.
#include <atomic>
#include <thread>

#include "support.h"

#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
#endif

using spool::Scheduler;
using spool::Status;
namespace this_fiber = spool::this_fiber;
using namespace std::chrono_literals;

SPOOL_TEST_CASE("posted work runs in a fiber, in order, before the scheduler is gone", "[post]") {
  std::vector<int> order;
  {
    Scheduler scheduler;
    for (int i = 0; i < 100; ++i) scheduler.post([&order, i] { order.push_back(i); });
    CHECK(order.empty());  // posting never runs anything by itself
  }
  REQUIRE(order.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(order[i] == i);
}

#if !defined(__EMSCRIPTEN__)
SPOOL_TEST_CASE("post from other threads wakes an idle scheduler; nothing is lost", "[post][threads]") {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  int ran = 0;  // touched only by fibers of the scheduler's thread
  {
    Scheduler scheduler;
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        while (!go.load()) std::this_thread::yield();
        for (int i = 0; i < kPerThread; ++i) scheduler.post([&ran] { ++ran; });
      });
    }
    go = true;
    // Block in the scheduler (idle on its inbox) until every post has run.
    while (ran < kThreads * kPerThread) REQUIRE(this_fiber::sleep_for(50ms) == Status::ok);
    for (auto& t : threads) t.join();
  }
  CHECK(ran == kThreads * kPerThread);
}
#else
namespace {
int g_posted_ran = 0;
}

extern "C" EMSCRIPTEN_KEEPALIVE void spool_test_post_from_js() {
  Scheduler::current()->post([] {
    this_fiber::yield();  // posted work runs in a real fiber: it may switch
    ++g_posted_ran;
  });
}

SPOOL_TEST_CASE("post from a JS callback wakes the idle scheduler", "[post][wasm]") {
  g_posted_ran = 0;
  {
    Scheduler scheduler;
    // Three JS timer callbacks post work while main sleeps on the scheduler's own timer.
    EM_ASM({
      for (let i = 0; i < 3; ++i) setTimeout(() => Module._spool_test_post_from_js(), 5 * i);
    });
    while (g_posted_ran < 3) REQUIRE(this_fiber::sleep_for(20ms) == Status::ok);
  }
  CHECK(g_posted_ran == 3);
}
#endif
