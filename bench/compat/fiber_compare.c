// One program, two fiber implementations: plain C on Emscripten's <emscripten/fiber.h>,
// built once against spool::spool (JSPI, no -sASYNCIFY) and once with Emscripten's own Asyncify
// fibers. scripts/compare_asyncify.sh runs both and compares them side by side.
//
// It prints RESULT lines (bench_report.h), the median over `repeats` timed repeats:
//   depth/ns_per_round_trip  main -> fiber -> main while the fiber is D calls deep, D = 1, 16, 64
//   spawn/ns_per_fiber       init a recycled fiber struct, run it, it swaps back for the last time
// and a last line "CHECKSUM <hex>": a hash of values the fibers read back after their swaps. It
// depends only on the arguments, so both builds must print the same one; a difference means one
// of them lost or corrupted state across a swap.
//   fiber_compare [round_trips [fibers [repeats]]]
#include <emscripten/fiber.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_report.h"

// The build says which implementation it links (CMake: FIBER_COMPARE_IMPL=spool or asyncify).
#ifndef FIBER_COMPARE_IMPL
#error "define FIBER_COMPARE_IMPL (spool or asyncify): the name printed in the RESULT lines"
#endif
#define FIBER_COMPARE_STRING(x) #x
#define FIBER_COMPARE_NAME(x) FIBER_COMPARE_STRING(x)
static const char* const kImpl = FIBER_COMPARE_NAME(FIBER_COMPARE_IMPL);

// 32 KiB of C stack is far more than 64 frames of descend() need; the Asyncify buffer holds the
// wasm locals of every frame unwound at a swap (spool ignores it).
enum { kCStackBytes = 32 * 1024, kAsyncifyStackBytes = 16 * 1024 };
enum { kMaxRepeats = 101 };
// Fiber structs recycled in turn by the spawn workload (koishi keeps a pool of them like this).
enum { kSpawnPoolSize = 16 };

typedef struct Fiber {
  emscripten_fiber_t fiber;
  void* c_stack;
  void* asyncify_stack;
} Fiber;

static emscripten_fiber_t g_main;
static char g_main_asyncify_stack[kAsyncifyStackBytes];
static uint32_t g_checksum = 2166136261u;

static void fail(const char* what) {
  fprintf(stderr, "fiber_compare (%s): %s\n", kImpl, what);
  exit(1);
}

static uint32_t mix(uint32_t hash, uint32_t value) {
  hash ^= value;
  hash *= 16777619u;  // FNV-1a prime
  return hash ^ (hash >> 15);
}

static void fiber_storage(Fiber* f) {
  f->c_stack = aligned_alloc(16, kCStackBytes);
  f->asyncify_stack = malloc(kAsyncifyStackBytes);
  if (!f->c_stack || !f->asyncify_stack) fail("out of memory for a fiber's stacks");
}

static void fiber_init(Fiber* f, em_arg_callback_func entry, void* arg) {
  emscripten_fiber_init(&f->fiber, entry, arg, f->c_stack, kCStackBytes, f->asyncify_stack,
                        kAsyncifyStackBytes);
}

// ---- depth: round trips main <-> a fiber whose swap is `depth` calls deep ----------------------
//
// Every frame keeps values in wasm locals and in a struct on the C stack, and reads them after
// the swaps: Asyncify must save and restore each frame's locals at every swap (its cost grows with
// depth), spool's engine stack keeps them where they are. The struct's address goes to the callee,
// so the compiler can neither turn the recursion into a loop nor drop the frames.

typedef struct Frame {
  const struct Frame* parent;
  uint32_t depth_left;
  uint32_t seed;
} Frame;

static Fiber g_deep;
static int g_deep_swaps;  // swaps to main the bottom frame makes before it returns
static uint32_t g_deep_turns;

static uint32_t __attribute__((noinline)) descend(const Frame* parent, uint32_t depth_left) {
  Frame frame = {parent, depth_left, parent ? mix(parent->seed, depth_left) : depth_left};
  uint32_t scrambled = frame.seed * 2654435761u;  // a live wasm local across the call below
  uint32_t below;
  if (depth_left > 1) {
    below = descend(&frame, depth_left - 1);
  } else {
    for (int i = 0; i < g_deep_swaps; ++i) {
      ++g_deep_turns;
      emscripten_fiber_swap(&g_deep.fiber, &g_main);
    }
    below = g_deep_turns;
  }
  if (frame.depth_left != depth_left || frame.seed * 2654435761u != scrambled)
    fail("a frame's locals changed across a swap");
  return mix(mix(below, frame.seed), scrambled);
}

static void deep_entry(void* arg) {
  g_checksum = mix(g_checksum, descend(NULL, (uint32_t)(uintptr_t)arg));
  emscripten_fiber_swap(&g_deep.fiber, &g_main);  // for good: the struct is initialised again
  fail("a finished fiber was resumed");
}

static double depth_round_trip_ns(uint32_t depth, int round_trips) {
  g_deep_swaps = round_trips + 1;  // one to arrive at the bottom, then one per round trip
  g_deep_turns = 0;
  fiber_init(&g_deep, deep_entry, (void*)(uintptr_t)depth);
  emscripten_fiber_swap(&g_main, &g_deep.fiber);  // descends and arrives: not timed
  double start = bench_now_ns();
  for (int i = 0; i < round_trips; ++i) emscripten_fiber_swap(&g_main, &g_deep.fiber);
  double elapsed = bench_now_ns() - start;
  emscripten_fiber_swap(&g_main, &g_deep.fiber);  // climbs back up, checks every frame, finishes
  if (g_deep_turns != (uint32_t)round_trips + 1) fail("the deep fiber missed round trips");
  return elapsed / round_trips;
}

// ---- spawn: a short fiber on a recycled struct, started and finished ---------------------------
//
// Emscripten fibers never return from their entry function: a finished one swaps away for the
// last time and its struct is initialised again for the next fiber, as koishi recycles coroutines.

static Fiber g_spawn_pool[kSpawnPoolSize];

static void short_entry(void* arg) {
  uint32_t n = (uint32_t)(uintptr_t)arg;
  uint32_t work = n;
  for (int i = 0; i < 8; ++i) work = mix(work, (uint32_t)i);  // "a little work"
  g_checksum = mix(g_checksum, work);
  Fiber* self = &g_spawn_pool[n % kSpawnPoolSize];
  emscripten_fiber_swap(&self->fiber, &g_main);  // the last swap: never resumed
  fail("a finished fiber was resumed");
}

static void run_short_fibers(uint32_t first, int count) {
  for (int i = 0; i < count; ++i) {
    uint32_t n = first + (uint32_t)i;
    Fiber* f = &g_spawn_pool[n % kSpawnPoolSize];
    fiber_init(f, short_entry, (void*)(uintptr_t)n);
    emscripten_fiber_swap(&g_main, &f->fiber);
  }
}

static double spawn_finish_ns(int fibers) {
  double start = bench_now_ns();
  run_short_fibers(0, fibers);
  return (bench_now_ns() - start) / fibers;
}

// ---- main ---------------------------------------------------------------------------------------

static int argument(int argc, char** argv, int index, int fallback, int max) {
  if (argc <= index) return fallback;
  int value = atoi(argv[index]);
  if (value < 1 || value > max) {
    fprintf(stderr, "usage: fiber_compare [round_trips [fibers [repeats (1..%d)]]]\n", kMaxRepeats);
    exit(2);
  }
  return value;
}

int main(int argc, char** argv) {
  const int round_trips = argument(argc, argv, 1, 100000, 100000000);
  const int fibers = argument(argc, argv, 2, 20000, 100000000);
  const int repeats = argument(argc, argv, 3, 7, kMaxRepeats);

  emscripten_fiber_init_from_current_context(&g_main, g_main_asyncify_stack, sizeof g_main_asyncify_stack);
  fiber_storage(&g_deep);
  for (int i = 0; i < kSpawnPoolSize; ++i) fiber_storage(&g_spawn_pool[i]);

  double samples[kMaxRepeats];
  char params[160];
  const uint32_t depths[] = {1, 16, 64};
  for (int d = 0; d < 3; ++d) {
    depth_round_trip_ns(depths[d], round_trips / 10 + 1);  // warm-up: JIT tiers, first stacks
    for (int r = 0; r < repeats; ++r) samples[r] = depth_round_trip_ns(depths[d], round_trips);
    snprintf(params, sizeof params, "\"depth\":%u,\"round_trips\":%d,\"repeats\":%d", depths[d],
             round_trips, repeats);
    bench_result("depth", kImpl, "ns_per_round_trip", bench_median(samples, repeats), "ns", params);
  }

  run_short_fibers(0, kSpawnPoolSize);  // warm-up: every struct of the pool used once
  for (int r = 0; r < repeats; ++r) samples[r] = spawn_finish_ns(fibers);
  snprintf(params, sizeof params, "\"fibers\":%d,\"pool\":%d,\"repeats\":%d", fibers,
           kSpawnPoolSize, repeats);
  bench_result("spawn_finish", kImpl, "ns_per_fiber", bench_median(samples, repeats), "ns", params);

  printf("CHECKSUM %08x\n", g_checksum);
  return 0;
}
