// Stress: 1,000,000 fibers in waves, with 30,000 held live at once while more are
// spawned, so that the live-fiber cap is reached. Nothing aborts, no spawn is lost, spawns start in
// order, and afterwards memory returns close to where it started. Prints its figures.
//
//   spool_program_stress_cap [max_live_fibers [engine_stack_budget]]   (0: the defaults)
// With the cap and the engine-stack budget both above the engine's limit (~32,000 suspended
// engine stacks), the same program makes V8 abort the process: tests/programs/CMakeLists.txt runs
// it that way too, to show that they are what keeps it alive.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <spool/spool.h>

#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
double resident_mb() {
  return EM_ASM_DOUBLE({ return typeof process == 'object' ? process.memoryUsage().rss / 1048576 : 0; });
}
#else
#include <unistd.h>
double resident_mb() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1048576.0;
}
#endif

int main(int argc, char** argv) {
  using spool::Status;
  spool::Scheduler::Config config;
  const long cap = argc > 1 ? std::atol(argv[1]) : 0;
  if (cap > 0) config.max_live_fibers = static_cast<std::size_t>(cap);
  const long budget = argc > 2 ? std::atol(argv[2]) : 0;
  if (budget > 0) spool::set_engine_stack_budget(static_cast<std::size_t>(budget));
#if defined(__SANITIZE_ADDRESS__)
  config.default_stack_size = 64 * 1024;  // AddressSanitizer's frames are several times larger
#else
  config.default_stack_size = 4096;
#endif
  config.max_parked_engine_stacks = 16384;  // waves of 10,000 reuse engine stacks, not remake them
  const double start_mb = resident_mb();
  int failures = 0;
  {
    spool::Scheduler scheduler(config);
    // 1. 30,000 fibers held live at once (each waits on an event), then 10,000 more spawned.
    spool::Event release(spool::Event::Mode::manual_reset);
    std::vector<int> start_order;
    start_order.reserve(40000);
    std::vector<spool::Fiber> held;
    for (int i = 0; i < 40000; ++i) {
      held.push_back(scheduler.spawn([&start_order, release, i]() mutable {
        start_order.push_back(i);
        release.wait();
      }));
    }
    spool::this_fiber::yield();  // everything admitted starts and blocks
    const auto peak = scheduler.stats();
    std::printf("held: %zu live (cap %zu), %zu queued, engine stacks live %u, %.0f MB resident\n",
                peak.live_fibers, scheduler.config().max_live_fibers, peak.queued_spawns,
                peak.engine_stacks_live, resident_mb());
    release.signal();
    for (auto& f : held) {
      if (f.join() != Status::ok) ++failures;
    }
    for (std::size_t i = 0; i < start_order.size(); ++i) {
      if (start_order[i] != static_cast<int>(i)) {
        std::printf("FAIL: spawn %zu started out of order\n", i);
        ++failures;
        break;
      }
    }
    if (start_order.size() != 40000) {
      std::printf("FAIL: %zu of 40000 held fibers ran\n", start_order.size());
      ++failures;
    }
    // 2. 1,000,000 short fibers in waves of 10,000.
    long long ran = 0;
    for (int wave = 0; wave < 100; ++wave) {
      std::vector<spool::Fiber> fibers;
      fibers.reserve(10000);
      for (int i = 0; i < 10000; ++i) {
        fibers.push_back(scheduler.spawn([&ran] {
          spool::this_fiber::yield();
          ++ran;
        }));
      }
      for (auto& f : fibers) f.join();
    }
    if (ran != 1000000) {
      std::printf("FAIL: %lld of 1000000 fibers ran\n", ran);
      ++failures;
    }
    const auto after = scheduler.stats();
    std::printf("waves: %lld fibers ran; spawns %llu, peak live %zu, engine stacks created %llu, reused %llu\n",
                ran, static_cast<unsigned long long>(after.spawns), after.peak_live_fibers,
                static_cast<unsigned long long>(after.engine_stacks_created),
                static_cast<unsigned long long>(after.engine_stacks_reused));
    scheduler.trim_caches();
    // Engine stacks let go are freed by the engine once the JS event loop turns.
    spool::this_fiber::sleep_for(std::chrono::milliseconds(1));
    // What spool holds must be back to nothing: C stacks, engine stacks, fiber records.
    const auto trimmed = scheduler.stats();
    std::printf("after trim: C stacks in use %zu, cached %zu (%zu bytes); engine stacks live %u, parked %u\n",
                trimmed.stacks_in_use, trimmed.stacks_cached, trimmed.stack_bytes,
                trimmed.engine_stacks_live, trimmed.engine_stacks_parked);
    if (trimmed.stacks_in_use || trimmed.stacks_cached || trimmed.engine_stacks_live) {
      std::printf("FAIL: memory was not given back\n");
      ++failures;
    }
  }
#if defined(__EMSCRIPTEN__)
  EM_ASM({ if (typeof gc == 'function') gc(); });
#endif
  const double end_mb = resident_mb();
  // Wasm linear memory never shrinks: what malloc freed stays resident for reuse, so the process
  // keeps the high-water mark of the C heap even when spool holds nothing.
  std::printf("memory: %.0f MB resident at start, %.0f MB at the end\n", start_mb, end_mb);
  std::printf("%s: %d failures\n", failures ? "FAIL" : "stress passed", failures);
  return failures ? 1 : 0;
}
