// Guarantees that a weaker test could pass without: an idle scheduler with no timer at all is woken
// by post() (and only by it).
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

#include "support.h"

#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
#else
#include <sys/syscall.h>
#include <unistd.h>
#endif

using spool::Scheduler;
using spool::Status;
namespace this_fiber = spool::this_fiber;
using namespace std::chrono_literals;

#if !defined(__EMSCRIPTEN__)
namespace {

// The state letter of thread `tid` of this process ('R' running, 'S' sleeping, ...), or 0.
char thread_state(long tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
  FILE* f = std::fopen(path, "r");
  if (!f) return 0;
  char line[512];
  const bool got = std::fgets(line, sizeof line, f) != nullptr;
  std::fclose(f);
  if (!got) return 0;
  // "tid (comm) S ...": the comm may hold spaces and parentheses; the state follows the last ')'.
  const std::string text(line);
  const auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() ? text[close + 2] : 0;
}

// Waits until thread `tid` is blocked in the kernel (the scheduler asleep on its inbox), so that a
// post made after this returns must wake it. Gives up after a while and returns false: the post
// then merely comes early, which the test tolerates (it counts the rounds that really slept).
bool wait_until_asleep(long tid) {
  for (int i = 0; i < 2'000'000; ++i) {
    if (thread_state(tid) == 'S') return true;
    std::this_thread::yield();
  }
  return false;
}

}  // namespace

// The scheduler has no timer at all and an effectively infinite deadlock_after: only the post's own
// wake-up can end main's wait. If push() failed to wake the sleeping thread, this test would hang
// (ctest's timeout ends it: see tests/CMakeLists.txt), where the older test slept in a 50 ms timer
// loop and passed anyway.
TEST_CASE("a post from another thread wakes main blocked with no timer at all", "[post][threads][wake]") {
  spool_test::LeakCheck leaks;
  constexpr int kRounds = 20;
  Scheduler::Config config;
  config.deadlock_after = std::chrono::hours(24 * 365);
  int asleep = 0;
  {
    Scheduler scheduler(config);
    const long main_tid = static_cast<long>(syscall(SYS_gettid));
    for (int round = 0; round < kRounds; ++round) {
      spool::Event done;
      std::atomic<bool> slept{false};
      std::thread poster([&scheduler, &slept, done, main_tid]() mutable {
        slept = wait_until_asleep(main_tid);
        scheduler.post([done]() mutable { done.signal(); });
      });
      REQUIRE(done.wait() == Status::ok);
      poster.join();
      if (slept) ++asleep;
    }
    CHECK(scheduler.stats().waiting_fibers == 0);
  }
  // Most rounds must have posted to a sleeping scheduler, or the test did not test the wake-up.
  CHECK(asleep * 2 > kRounds);
}

#else  // wasm

namespace {
spool::Event* g_posted_done = nullptr;
}

extern "C" EMSCRIPTEN_KEEPALIVE void spool_test_post_signal_from_js() {
  Scheduler::current()->post([] { g_posted_done->signal(); });
}

// No timer at all: main parks on the event loop with no timeout. The JS callback's post() must
// resume it; if it did not, Node's event loop would drain and main's wait would return deadlock.
TEST_CASE("a post from a JS callback wakes main blocked with no timer at all", "[post][wasm][wake]") {
  spool_test::LeakCheck leaks;
  spool_test::ErrorCapture errors;
  {
    Scheduler scheduler;
    for (int round = 0; round < 5; ++round) {
      spool::Event done;
      g_posted_done = &done;
      EM_ASM({ setTimeout(() => Module._spool_test_post_signal_from_js(), 0); });
      REQUIRE(done.wait() == Status::ok);
    }
    g_posted_done = nullptr;
  }
  CHECK(errors.all().empty());
}

#endif
