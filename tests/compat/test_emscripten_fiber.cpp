// Code written for Emscripten's <emscripten/fiber.h>, unchanged, linked against spool (no
// -sASYNCIFY; natively, on spool's native backends): ping-pong, rings, random swap orders, deep
// swaps, recycling, hand-filled structs, a static constructor, and the error cases.
//
// Every test runs under spool_test::LeakCheck, as the Catch2 suite does: when it ends, no JS
// resumer slot is held and every engine stack is parked (wasm), no fiber record is alive and no C
// stack of spool's pool is in use. Emscripten's API has no call that ends a fiber, so each test
// ends the fibers it left suspended the way a program would: it initialises each again with an
// entry that returns at once (release() below), which recycles the suspended run.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <emscripten/fiber.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "spool/status.h"
#include "src/context/context.h"
#include "tests/support.h"

namespace {

#if defined(__EMSCRIPTEN__)
constexpr std::size_t kStack = 16 * 1024;
#else
constexpr std::size_t kStack = 64 * 1024;  // sanitizer builds have larger frames
#endif
char g_asyncify_stack[1024];  // accepted and ignored

struct Fiber {
  emscripten_fiber_t fiber;
  void* stack = std::aligned_alloc(16, kStack);
  ~Fiber() { std::free(stack); }
  void init(em_arg_callback_func entry, void* arg) {
    emscripten_fiber_init(&fiber, entry, arg, stack, kStack, g_asyncify_stack, sizeof g_asyncify_stack);
  }
};

// Initialised from a static constructor, before main() runs (a plain call in spool's runtime).
emscripten_fiber_t g_main;
struct InitMain {
  InitMain() { emscripten_fiber_init_from_current_context(&g_main, g_asyncify_stack, sizeof g_asyncify_stack); }
} g_init_main;

// Ends a fiber left suspended mid-body: initialised again with an entry that returns at once, its
// last run is recycled (in wasm: unwound, its engine stack parked for reuse), and the new run ends
// (which the compat layer reports as `finished`, and main, its swapper, goes on).
void release(Fiber& f) {
  spool_test::ErrorCapture errors;
  f.init([](void*) {}, nullptr);
  emscripten_fiber_swap(&g_main, &f.fiber);
  CHECK(errors.count(spool::Status::finished) == 1);
}

std::uint32_t slots_held() {
  spool_context_stats s;
  spool_context_get_stats(&s);
  return s.js_slots_held;
}

}  // namespace

TEST_CASE("ping-pong between main and a fiber", "[compat]") {
  spool_test::LeakCheck leaks;
  static Fiber f;
  static int turns;
  turns = 0;
  f.init([](void*) {
    for (;;) {
      ++turns;
      emscripten_fiber_swap(&f.fiber, &g_main);
    }
  }, nullptr);
  for (int i = 1; i <= 1000; ++i) {
    emscripten_fiber_swap(&g_main, &f.fiber);
    REQUIRE(turns == i);
  }
  release(f);
}

TEST_CASE("a ring of fibers swapping in turn, in a seeded random order too", "[compat]") {
  spool_test::LeakCheck leaks;
  constexpr int kFibers = 50;
  static std::vector<Fiber>* fibers;
  static std::vector<int> trace;
  static std::vector<int> next_of;  // where each fiber swaps next (main when -1)
  std::vector<Fiber> storage(kFibers);
  fibers = &storage;
  trace.clear();
  next_of.assign(kFibers, -1);
  for (int i = 0; i < kFibers; ++i) {
    storage[i].init([](void* arg) {
      const int self = static_cast<int>(reinterpret_cast<std::intptr_t>(arg));
      for (;;) {
        trace.push_back(self);
        const int next = next_of[self];
        emscripten_fiber_swap(&(*fibers)[self].fiber, next < 0 ? &g_main : &(*fibers)[next].fiber);
      }
    }, reinterpret_cast<void*>(static_cast<std::intptr_t>(i)));
  }
  // A ring: 0 -> 1 -> ... -> 49 -> main.
  for (int i = 0; i + 1 < kFibers; ++i) next_of[i] = i + 1;
  emscripten_fiber_swap(&g_main, &storage[0].fiber);
  REQUIRE(trace.size() == kFibers);
  for (int i = 0; i < kFibers; ++i) CHECK(trace[i] == i);
  // Random orders against a model: a random permutation, each fiber handing to the next.
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::vector<int> order(kFibers);
    for (int i = 0; i < kFibers; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    for (int i = 0; i < kFibers; ++i) next_of[order[i]] = i + 1 < kFibers ? order[i + 1] : -1;
    trace.clear();
    emscripten_fiber_swap(&g_main, &storage[order[0]].fiber);
    REQUIRE(trace == order);
  }
  for (Fiber& f : storage) release(f);
}

TEST_CASE("a swap 64 calls deep keeps every frame's locals", "[compat]") {
  spool_test::LeakCheck leaks;
  static Fiber f;
  static bool intact;
  struct Deep {
    static int down(int depth) {
      volatile int local[4] = {depth, depth * 3, depth * 7, depth * 11};
      int below = depth > 1 ? down(depth - 1) : (emscripten_fiber_swap(&f.fiber, &g_main), 0);
      if (local[0] != depth || local[1] != depth * 3 || local[2] != depth * 7 || local[3] != depth * 11) intact = false;
      return below + local[0];
    }
  };
  intact = true;
  f.init([](void*) {
    for (;;) {
      Deep::down(64);
      emscripten_fiber_swap(&f.fiber, &g_main);
    }
  }, nullptr);
  for (int i = 0; i < 50; ++i) {
    volatile int mine = i;
    emscripten_fiber_swap(&g_main, &f.fiber);  // into the bottom of the chain
    emscripten_fiber_swap(&g_main, &f.fiber);  // back up through 64 frames
    REQUIRE(mine == i);
  }
  CHECK(intact);
  release(f);
}

TEST_CASE("10,000 fibers created, recycled and reused without leaking engine stacks", "[compat]") {
  spool_test::LeakCheck leaks;
  constexpr int kPool = 100;
  static std::vector<Fiber>* pool;
  static long done;
  std::vector<Fiber> storage(kPool);
  pool = &storage;
  done = 0;
  const std::uint32_t before = slots_held();
  spool_context_stats stacks_before;
  spool_context_get_stats(&stacks_before);
  for (int n = 0; n < 10000; ++n) {
    Fiber& f = storage[n % kPool];
    // Re-initialising a fiber left suspended mid-body (as koishi recycles coroutines).
    f.init([](void* arg) {
      ++done;
      emscripten_fiber_swap(&static_cast<Fiber*>(arg)->fiber, &g_main);
      for (;;) emscripten_fiber_swap(&static_cast<Fiber*>(arg)->fiber, &g_main);
    }, &f);
    emscripten_fiber_swap(&g_main, &f.fiber);
  }
  CHECK(done == 10000);
  // Only the last kPool are still suspended; the recycled ones let go of their engine stacks.
  CHECK(slots_held() - before <= kPool);
#if defined(__EMSCRIPTEN__)
  // ...which went back to the pool (their frames unwound) for the next fibers: after the first
  // round of the pool, fibers start on engine stacks that recycled ones gave back.
  spool_context_stats stacks_after;
  spool_context_get_stats(&stacks_after);
  CHECK(stacks_after.carriers_created - stacks_before.carriers_created <= 2 * kPool);
  CHECK(stacks_after.carriers_reused - stacks_before.carriers_reused >= 10000 - 2 * kPool);
#else
  (void)stacks_before;  // natively there are no engine stacks: the C stacks are the caller's
#endif
  for (Fiber& f : storage) release(f);
  CHECK(slots_held() == before);
}

// In wasm a recycled run is unwound (its engine stack serves the next fiber), so destructors in its
// frames run; natively its stack is simply reused, as with Emscripten's own fibers, and they don't.
TEST_CASE("a recycled fiber's last run: unwound in wasm, dropped natively", "[compat]") {
  spool_test::LeakCheck leaks;
#if defined(__EMSCRIPTEN__) && defined(__cpp_exceptions)
  constexpr bool kUnwinds = true;
#else
  constexpr bool kUnwinds = false;
#endif
  struct CountsDestruction {
    int* count;
    ~CountsDestruction() { ++*count; }
  };
  static Fiber f;
  static int destroyed;
  static int runs;
  destroyed = 0;
  runs = 0;
  for (int n = 0; n < 3; ++n) {
    f.init([](void*) {
      CountsDestruction guard{&destroyed};
      ++runs;
      for (;;) emscripten_fiber_swap(&f.fiber, &g_main);  // abandoned here, never returns
    }, nullptr);
    emscripten_fiber_swap(&g_main, &f.fiber);
    CHECK(runs == n + 1);
    // In wasm the previous run unwound when the fiber switched (a microtask after the re-init).
    CHECK(destroyed == (kUnwinds ? n : 0));
  }
  f.init([](void*) {}, nullptr);  // recycles the third run; this entry returns (reported)
  spool_test::ErrorCapture errors;
  emscripten_fiber_swap(&g_main, &f.fiber);
  CHECK(destroyed == (kUnwinds ? 3 : 0));
  CHECK(errors.count(spool::Status::finished) == 1);
}

// koishi (Taisei's coroutine library) recycles a coroutine by rewriting the struct's fields
// itself: entry, user_data, stack_ptr, and asyncify_data.stack_ptr back to its asyncify buffer.
// As with Asyncify, a non-NULL entry means "start afresh at the next swap", and the abandoned run
// must give back what it holds: engine stacks stay bounded however many recycles there are.
TEST_CASE("structs re-armed by hand, as koishi does, keep engine stacks bounded", "[compat]") {
  constexpr int kPool = 256;
  constexpr int kRecycles = 100000;
  struct Koishi {
    emscripten_fiber_t fiber;
    char asyncify_stack[256];
    void* stack = std::aligned_alloc(16, kStack);
    ~Koishi() { std::free(stack); }
  };
  static std::vector<Koishi>* pool;
  static long runs;
  std::vector<Koishi> storage(kPool);
  pool = &storage;
  runs = 0;
  auto entry = [](void* arg) {
    auto* k = static_cast<Koishi*>(arg);
    ++runs;
    emscripten_fiber_swap(&k->fiber, &g_main);  // "finished": never resumed, only recycled
    std::abort();
  };
  spool_context_stats before;
  spool_context_get_stats(&before);
  for (auto& k : storage) {
    emscripten_fiber_init(&k.fiber, entry, &k, k.stack, kStack, k.asyncify_stack, sizeof k.asyncify_stack);
  }
  for (int n = 0; n < kRecycles; ++n) {
    Koishi& k = storage[(n * 7) % kPool];
    if (n >= kPool) {  // koishi_fiber_recycle
      k.fiber.stack_ptr = k.fiber.stack_base;
      k.fiber.entry = entry;
      k.fiber.user_data = &k;
      k.fiber.asyncify_data.stack_ptr = k.asyncify_stack;
    }
    emscripten_fiber_swap(&g_main, &k.fiber);
  }
  CHECK(runs == kRecycles);
  spool_context_stats after;
  spool_context_get_stats(&after);
  // At most one suspended run per struct holds a JS slot and an engine stack.
  CHECK(after.js_slots_held - before.js_slots_held <= kPool);
#if defined(__EMSCRIPTEN__)
  CHECK(after.carriers_live - before.carriers_live <= kPool + 1);
  CHECK(after.carriers_created - before.carriers_created <= 2 * kPool);
#endif
}

// Asyncify's rule: emscripten_fiber_swap clears `entry` when it starts a fiber; a struct whose
// entry is still set is started afresh, whatever else it holds.
TEST_CASE("a started fiber's entry is cleared; setting it again starts afresh", "[compat]") {
  static Fiber f;
  static int starts, resumes;
  starts = resumes = 0;
  f.init([](void*) {
    ++starts;
    for (;;) {
      emscripten_fiber_swap(&f.fiber, &g_main);
      ++resumes;
    }
  }, nullptr);
  auto entry = f.fiber.entry;
  emscripten_fiber_swap(&g_main, &f.fiber);
  CHECK(f.fiber.entry == nullptr);
  emscripten_fiber_swap(&g_main, &f.fiber);  // resumes
  CHECK(starts == 1);
  CHECK(resumes == 1);
  f.fiber.entry = entry;  // re-armed by hand, asyncify_data untouched
  emscripten_fiber_swap(&g_main, &f.fiber);
  CHECK(starts == 2);
  CHECK(resumes == 1);
}

TEST_CASE("a fiber struct filled in by hand, without emscripten_fiber_init", "[compat]") {
  spool_test::LeakCheck leaks;
  static Fiber f;
  static int ran;
  ran = 0;
  std::memset(&f.fiber, 0, sizeof f.fiber);
  f.fiber.stack_limit = f.stack;
  f.fiber.stack_base = static_cast<char*>(f.stack) + kStack;
  f.fiber.stack_ptr = f.fiber.stack_base;
  f.fiber.entry = [](void* arg) {
    ran = static_cast<int>(reinterpret_cast<std::intptr_t>(arg));
    for (;;) emscripten_fiber_swap(&f.fiber, &g_main);
  };
  f.fiber.user_data = reinterpret_cast<void*>(42);
  emscripten_fiber_swap(&g_main, &f.fiber);
  CHECK(ran == 42);
  release(f);
}

TEST_CASE("errors: a never-initialised fiber, swapping to yourself, an entry that returns",
          "[compat][errors]") {
  spool_test::LeakCheck leaks;
  spool_test::ErrorCapture errors;  // spool's error handler sees the compat layer's reports
  emscripten_fiber_t never;
  std::memset(&never, 0, sizeof never);
  emscripten_fiber_swap(&g_main, &never);   // reported, nothing switched: we are still here
  emscripten_fiber_swap(&g_main, &g_main);  // reported, nothing switched
  static Fiber f;
  static int ran;
  ran = 0;
  f.init([](void*) { ++ran; }, nullptr);  // returns: reported, and main (its swapper) resumes
  emscripten_fiber_swap(&g_main, &f.fiber);
  CHECK(ran == 1);
  emscripten_fiber_swap(&g_main, &f.fiber);  // finished: reported, nothing switched
  CHECK(ran == 1);
  const auto& reports = errors.all();
  REQUIRE(reports.size() == 4);
  CHECK(reports[0].status == spool::Status::invalid_handle);
  CHECK(reports[0].message.find("never initialised") != std::string::npos);
  CHECK(reports[1].status == spool::Status::already_running);
  CHECK(reports[1].message.find("to itself") != std::string::npos);
  CHECK(reports[2].status == spool::Status::finished);
  CHECK(reports[2].message.find("entry function returned") != std::string::npos);
  CHECK(reports[3].status == spool::Status::finished);
  CHECK(reports[3].message.find("initialise it again") != std::string::npos);
}
