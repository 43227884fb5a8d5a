// spool's stress demo: waves of short-lived fibers, as a game spawns every frame, plus switch and
// memory figures. Prints what it measured; run by the README's first command under Node with JSPI.
//
//   spool_stress [waves] [fibers per wave] [held fibers]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <spool/spool.h>

#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
#else
#include <sys/resource.h>
#include <unistd.h>
#endif

#include "../../src/context/context.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace this_fiber = spool::this_fiber;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Resident memory of the whole process now, in bytes (the engine's stacks included in wasm).
double resident_bytes() {
#if defined(__EMSCRIPTEN__)
  return EM_ASM_DOUBLE({ return typeof process == 'object' ? process.memoryUsage().rss : 0; });
#else
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
#endif
}

double wasm_heap_bytes() {
#if defined(__EMSCRIPTEN__)
  return EM_ASM_DOUBLE({ return HEAP8.length; });
#else
  return 0;
#endif
}

struct Peak {
  double rss = 0;
  void sample() {
    double now = resident_bytes();
    if (now > rss) rss = now;
  }
} peak;

std::string with_commas(double value) {
  std::string digits = std::to_string(static_cast<long long>(value + 0.5));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Waves of short fibers: each yields a few times and finishes, `per_wave` alive per wave.
void waves(spool::Scheduler& scheduler, int wave_count, int per_wave) {
  const auto before = scheduler.stats();
  long long finished = 0;
  std::vector<spool::Fiber> fibers;
  fibers.reserve(per_wave);
  const auto start = Clock::now();
  for (int wave = 0; wave < wave_count; ++wave) {
    for (int i = 0; i < per_wave; ++i) {
      fibers.push_back(scheduler.spawn([&finished] {
        for (int turn = 0; turn < 3; ++turn) this_fiber::yield();
        ++finished;
      }));
    }
    for (auto& f : fibers) f.join();
    fibers.clear();
    peak.sample();
  }
  const double elapsed = seconds_since(start);
  const auto after = scheduler.stats();
  const double created = static_cast<double>(after.engine_stacks_created - before.engine_stacks_created);
  const double reused = static_cast<double>(after.engine_stacks_reused - before.engine_stacks_reused);
  std::printf("waves: %d x %s short-lived fibers (each yields 3 times, then finishes)\n", wave_count,
              with_commas(per_wave).c_str());
  std::printf("  fibers run:          %s in %.2f s = %s fibers/s (%.0f ns per fiber: spawn, 4 runs, finish)\n",
              with_commas(static_cast<double>(finished)).c_str(), elapsed,
              with_commas(finished / elapsed).c_str(), elapsed * 1e9 / static_cast<double>(finished));
  std::printf("  peak live fibers:    %s\n", with_commas(static_cast<double>(after.peak_live_fibers)).c_str());
  std::printf("  switches:            %s\n", with_commas(static_cast<double>(after.switches - before.switches)).c_str());
  if (created + reused > 0) {
    std::printf("  engine stacks:       %s created, %s reused (%.1f%% of starts reused a parked one)\n",
                with_commas(created).c_str(), with_commas(reused).c_str(), 100.0 * reused / (created + reused));
  }
}

// n fibers in a ring, each yielding `rounds` times: ns per switch.
double ring(int fibers, int rounds) {
  spool::Scheduler::Config config;
  config.default_stack_size = 16 * 1024;
  spool::Scheduler scheduler(config);
  for (int i = 0; i < fibers; ++i) {
    scheduler.spawn([rounds] {
      for (int r = 0; r < rounds; ++r) this_fiber::yield();
    });
  }
  this_fiber::yield();  // start them all: creation cost stays out of the timing
  const auto switches_before = scheduler.stats().switches;
  const auto start = Clock::now();
  // Main waits: every switch from here on is fiber to fiber.
  while (scheduler.stats().live_fibers > 0) this_fiber::yield();
  const double elapsed = seconds_since(start);
  const auto switches = scheduler.stats().switches - switches_before;
  peak.sample();
  return elapsed * 1e9 / static_cast<double>(switches);
}

// `count` fibers all suspended at once: memory per suspended fiber. Run first, on a fresh process,
// so that nothing cached by earlier phases hides what the fibers take.
void hold(int count) {
  const double rss_before = resident_bytes();
  const double heap_before = wasm_heap_bytes();
  spool::Scheduler scheduler;
  bool release = false;
  for (int i = 0; i < count; ++i) {
    scheduler.spawn([&release] {
      while (!release) this_fiber::yield();
    });
  }
  this_fiber::yield();  // every fiber has started and is suspended now
  const double rss_held = resident_bytes();
  const double heap_held = wasm_heap_bytes();
  peak.sample();
  const auto stats = scheduler.stats();
  release = true;
  std::printf("held: %s fibers suspended at once (default C stack: %s bytes each)\n",
              with_commas(count).c_str(), with_commas(static_cast<double>(spool::kDefaultStackSize)).c_str());
  std::printf("  live fibers:         %s (engine stacks live: %u)\n",
              with_commas(static_cast<double>(stats.live_fibers)).c_str(), stats.engine_stacks_live);
  std::printf("  resident memory:     %.1f KB per suspended fiber (process RSS growth / fibers)\n",
              (rss_held - rss_before) / count / 1024.0);
  std::printf("  C stacks reserved:   %.1f KB per fiber (%s bytes in the stack pool)\n",
              static_cast<double>(stats.stack_bytes) / count / 1024.0,
              with_commas(static_cast<double>(stats.stack_bytes)).c_str());
#if defined(__EMSCRIPTEN__)
  std::printf("  wasm linear memory:  grew %.1f KB per fiber\n", (heap_held - heap_before) / count / 1024.0);
#else
  (void)heap_held;
  (void)heap_before;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  const int wave_count = argc > 1 ? std::atoi(argv[1]) : 50;
  const int per_wave = argc > 2 ? std::atoi(argv[2]) : 2000;
  const int held = argc > 3 ? std::atoi(argv[3]) : 10000;
  std::printf("spool stress demo: context backend '%s'\n\n", spool_context_backend_name());
  hold(held);
  std::printf("\n");
  {
    spool::Scheduler scheduler;
    waves(scheduler, wave_count, per_wave);
  }
  std::printf("\nswitch (fiber to fiber, ready queue round-robin):\n");
  const int ring_sizes[] = {2, 100, 1000, 10000};
  for (int n : ring_sizes) {
    const int rounds = n <= 100 ? 20000 / n * 10 : 20;
    std::printf("  ring of %6s fibers: %6.0f ns per switch\n", with_commas(n).c_str(), ring(n, rounds));
  }
  peak.sample();
  std::printf("\npeak memory: %.1f MB resident", peak.rss / (1024.0 * 1024.0));
#if defined(__EMSCRIPTEN__)
  std::printf(", wasm linear memory %.1f MB", wasm_heap_bytes() / (1024.0 * 1024.0));
#endif
  std::printf("\n");
  return 0;
}
