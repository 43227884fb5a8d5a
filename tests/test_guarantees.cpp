// Guarantees that a weaker test could pass without: an idle scheduler with no timer at all is woken
// by post() (and only by it), and the error table's rows that had no test of their own.
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

TEST_CASE("join() from another thread is refused with wrong_thread", "[errors][threads]") {
  spool_test::LeakCheck leaks;
  spool_test::ErrorCapture errors;
  Scheduler scheduler;
  spool::Event release;
  bool finished = false;
  spool::FiberOptions options;
  options.name = "elsewhere";
  auto fiber = scheduler.spawn([release, &finished]() mutable {
    REQUIRE(release.wait() == Status::ok);
    finished = true;
  }, options);
  REQUIRE(this_fiber::yield() == Status::ok);  // the fiber now waits on `release`
  Status from_other_thread = Status::ok;
  std::thread([&] { from_other_thread = fiber.join(); }).join();
  CHECK(from_other_thread == Status::wrong_thread);
  std::string message;
  REQUIRE(errors.count(Status::wrong_thread, &message) == 1);
  CHECK_THAT(message, Catch::Contains("'elsewhere'") && Catch::Contains("thread other than its Scheduler's"));
  CHECK_FALSE(finished);
  // Refused, nothing else happened: the handle still joins on its own thread.
  CHECK(fiber.joinable());
  release.signal();
  CHECK(fiber.join() == Status::ok);
  CHECK(finished);
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

// Every switch but yield (which test_errors.cpp checks) from a plain JS->wasm call.
namespace {
spool::Fiber* g_joinable = nullptr;
spool::Coroutine* g_coroutine = nullptr;
spool::Event* g_event = nullptr;
}  // namespace

extern "C" EMSCRIPTEN_KEEPALIVE int spool_test_switch_from_plain_call(int which) {
  switch (which) {
    case 0: return static_cast<int>(this_fiber::sleep_for(1ms));
    case 1: return static_cast<int>(g_joinable->join());
    case 2: return static_cast<int>(g_coroutine->resume().status);
    case 3: return static_cast<int>(g_event->wait());
    case 4: return static_cast<int>(this_fiber::wait_frames(1));
    case 5: return static_cast<int>(Scheduler::current()->tick());
  }
  return -1;
}

TEST_CASE("sleep, join, resume, waits and tick from a plain JS->wasm call are not_suspendable",
          "[errors][wasm]") {
  spool_test::LeakCheck leaks;
  spool_test::ErrorCapture errors;
  {
    Scheduler scheduler;
    bool other_ran = false;
    auto other = scheduler.spawn([&] { other_ran = true; });
    g_joinable = &other;
    int coroutine_ran = 0;
    spool::Coroutine coroutine([&](spool::Coroutine&, void*) -> void* {
      ++coroutine_ran;
      return nullptr;
    });
    g_coroutine = &coroutine;
    spool::Event event;
    g_event = &event;
    const char* what[] = {"sleep_for", "join", "resume", "Event::wait", "wait_frames", "tick"};
    for (int which = 0; which < 6; ++which) {
      INFO(what[which]);
      const int result = EM_ASM_INT({ return Module._spool_test_switch_from_plain_call($0); }, which);
      CHECK(result == static_cast<int>(Status::not_suspendable));
      CHECK(errors.count(Status::not_suspendable) == static_cast<std::size_t>(which + 1));
    }
    std::string message;
    errors.count(Status::not_suspendable, &message);
    CHECK_THAT(message, Catch::Contains("plain call") && Catch::Contains("post()"));
    // Nothing switched and nothing was consumed: the fiber has not run, the coroutine has not
    // started, the handle is still joinable.
    CHECK_FALSE(other_ran);
    CHECK(coroutine_ran == 0);
    CHECK(other.joinable());
    CHECK(scheduler.frame() == 0);
    // From main, a JSPI call, the same calls work.
    CHECK(other.join() == Status::ok);
    CHECK(other_ran);
    CHECK(coroutine.resume().status == Status::ok);
    CHECK(coroutine_ran == 1);
    g_joinable = nullptr;
    g_coroutine = nullptr;
    g_event = nullptr;
  }
}
#endif
