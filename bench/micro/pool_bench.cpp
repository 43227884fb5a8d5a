// spool::Pool (native only for now): independent fiber work on 1 vs 2 workers, and the latency
// of a post from another thread into an idle scheduler. Prints RESULT lines (bench_report.h).
//   pool_bench [quick]
//
// The machines these run on change speed by 2-5x within minutes, so the scaling figure is a
// ratio of runs taken back to back: each round times the same work on 1 worker, then on 2, and
// the median of the per-round ratios is reported (with the median times).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <spool/spool.h>

#include "bench_report.h"

namespace {

namespace this_fiber = spool::this_fiber;
bool g_quick = false;

std::string param(const char* name, long long value) {
  return "\"" + std::string(name) + "\":" + std::to_string(value);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// Work that stays in registers (no shared memory between tasks): what scales with cores.
std::uint64_t compute(std::uint64_t seed, int rounds) {
  std::uint64_t x = seed | 1;
  for (int i = 0; i < rounds; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

std::atomic<std::uint64_t> g_sink{0};  // keeps compute() from being optimised away
std::atomic<long long> g_tasks_ran{0};  // checked: a figure from lost tasks would be meaningless

// `tasks` independent tasks (compute, yield, compute) spawned onto a pool of `workers` from this
// thread; returns the ns from the first spawn until the last task ended. The pool is made before
// the clock starts, so thread start-up is not timed.
double run_pool(std::size_t workers, int tasks, int rounds) {
  spool::Pool pool(workers);
  g_tasks_ran = 0;
  const double start = bench_now_ns();
  for (int t = 0; t < tasks; ++t) {
    pool.spawn([t, rounds] {
      std::uint64_t x = compute(static_cast<std::uint64_t>(t), rounds / 2);
      this_fiber::yield();  // a fiber that switches, not just a function call
      x = compute(x, rounds / 2);
      g_sink.fetch_xor(x, std::memory_order_relaxed);
      g_tasks_ran.fetch_add(1, std::memory_order_relaxed);
    });
  }
  pool.wait_idle();
  const double elapsed = bench_now_ns() - start;
  if (g_tasks_ran.load() != tasks) {
    std::fprintf(stderr, "pool_bench: %lld of %d tasks ran on %zu workers\n", g_tasks_ran.load(),
                 tasks, workers);
    std::exit(1);
  }
  return elapsed;
}

void scaling() {
  const int tasks = g_quick ? 200 : 4000;
  const int rounds = 20000;  // ~20-60 us of work per task on these machines
  const int samples = g_quick ? 3 : 9;
  run_pool(2, tasks / 4, rounds);  // warm-up: stacks, caches, thread start-up paths
  std::vector<double> one, two, ratio;
  for (int s = 0; s < samples; ++s) {
    const double t1 = run_pool(1, tasks, rounds);
    const double t2 = run_pool(2, tasks, rounds);
    one.push_back(t1);
    two.push_back(t2);
    ratio.push_back(t1 / t2);
  }
  const std::string p = param("tasks", tasks) + "," + param("rounds", rounds) + "," +
                        param("samples", samples) + "," +
                        param("cores", std::thread::hardware_concurrency());
  bench_result("pool_work", "native", "ms_1_worker", median(one) / 1e6, "ms", p.c_str());
  bench_result("pool_work", "native", "ms_2_workers", median(two) / 1e6, "ms", p.c_str());
  bench_result("pool_work", "native", "speedup_2_vs_1", median(ratio), "x", p.c_str());
}

// A scheduler on its own thread, idle with no timer (its main fiber waits on a cross-thread
// Event); this thread posts one task at a time and times until the task runs there. Between
// posts this thread waits long enough for the scheduler to fall asleep again, so every post
// measures a wake from idle (a condition variable), not a scheduler that happened to be awake.
void post_latency() {
  const int posts = g_quick ? 200 : 5000;
  spool::cross_thread::Event stop, ran;
  std::atomic<spool::Scheduler*> target{nullptr};
  std::thread worker([&] {
    spool::Scheduler scheduler;
    target = &scheduler;
    stop.wait();
  });
  while (!target.load()) std::this_thread::yield();
  std::vector<double> latency;
  latency.reserve(posts);
  std::atomic<double> ran_at{0};
  for (int i = 0; i < posts; ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // let it fall asleep
    const double posted_at = bench_now_ns();
    target.load()->post([&] {
      ran_at = bench_now_ns();
      ran.signal();
    });
    ran.wait();  // this thread has no Scheduler: blocks it
    latency.push_back(ran_at.load() - posted_at);
  }
  stop.signal();
  worker.join();
  const std::string p = param("posts", posts);
  bench_result("post_latency", "native", "p50", percentile(latency, 0.50) / 1e3, "us", p.c_str());
  bench_result("post_latency", "native", "p99", percentile(latency, 0.99) / 1e3, "us", p.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  g_quick = argc > 1 && std::strcmp(argv[1], "quick") == 0;
  scaling();
  post_latency();
  return g_sink.load() == 42 ? 1 : 0;  // uses the sink; practically never 42
}
