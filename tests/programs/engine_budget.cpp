// Every holder of an engine stack counts against one budget kept under the engine's limit (V8
// aborts the whole process at ~32,000 suspended engine stacks); natively the limit that stacks
// run into is the kernel's vm.max_map_count. Past the budget: queued admission, or a clear error
// (Status::no_memory), never an abort.
//
//   spool_program_engine_budget coroutines   16,384 fibers, each holding a suspended Coroutine
//   spool_program_engine_budget burst        a burst of 16,384 fibers, then 30,000 held at once
//                                            under max_live_fibers = 30,000
#include <cstdio>
#include <cstring>
#include <vector>

#include <spool/spool.h>

namespace {
long g_no_memory_reports = 0;
char g_first_report[1024];

void count_reports(spool::Status status, const char* message) {
  if (status == spool::Status::no_memory && g_no_memory_reports++ == 0) {
    std::snprintf(g_first_report, sizeof g_first_report, "%s", message);
  } else if (status != spool::Status::no_memory) {
    std::fprintf(stderr, "spool: %s\n", message);
  }
}

int coroutines() {
  constexpr int kFibers = 16384;
  long started = 0, refused = 0, finished = 0;
  {
    spool::Scheduler scheduler;  // default settings
    spool::Event release(spool::Event::Mode::manual_reset);
    for (int i = 0; i < kFibers; ++i) {
      scheduler.spawn([&, release]() mutable {
        spool::Coroutine co([](spool::Coroutine& self, void*) -> void* {
          self.yield();
          return nullptr;
        });
        const auto first = co.resume();
        if (first.status == spool::Status::ok) {
          ++started;
        } else {
          ++refused;
          if (first.status != spool::Status::no_memory) std::printf("FAIL: resume gave %s\n", spool::to_string(first.status));
        }
        release.wait();
        if (first.status == spool::Status::ok && co.resume().status == spool::Status::ok) ++finished;
      });
    }
    spool::this_fiber::yield();
    const auto stats = scheduler.stats();
    std::printf("fibers live: %zu, queued: %zu; coroutines started: %ld, refused: %ld; engine stacks live: %u\n",
                stats.live_fibers, stats.queued_spawns, started, refused, stats.engine_stacks_live);
    release.signal();
  }
  std::printf("no_memory reports: %ld%s%s\n", g_no_memory_reports, g_no_memory_reports ? "; first: " : "",
              g_first_report);
  std::printf("coroutines finished: %ld of %ld started\n", finished, started);
  return started + refused == kFibers && finished == started ? 0 : 1;
}

int burst() {
  spool::Scheduler::Config config;
  config.max_live_fibers = 30000;
  config.default_stack_size = 4096;
  spool::Scheduler scheduler(config);
  spool::Event release(spool::Event::Mode::manual_reset);
  for (int round = 0; round < 2; ++round) {
    const int count = round == 0 ? 16384 : 30000;
    std::vector<spool::Fiber> fibers;
    for (int i = 0; i < count; ++i) fibers.push_back(scheduler.spawn([release]() mutable { release.wait(); }));
    spool::this_fiber::yield();
    const auto stats = scheduler.stats();
    std::printf("round %d: %d spawned, %zu live, %zu queued, engine stacks live %u\n", round, count,
                stats.live_fibers, stats.queued_spawns, stats.engine_stacks_live);
    release.signal();
    for (auto& f : fibers) {
      if (f.join() != spool::Status::ok) return 1;
    }
    release.reset();
  }
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  spool::set_error_handler(&count_reports);
  const char* mode = argc > 1 ? argv[1] : "coroutines";
  const int rc = std::strcmp(mode, "burst") == 0 ? burst() : coroutines();
  std::printf("%s\n", rc == 0 ? "ended cleanly" : "FAIL");
  return rc;
}
