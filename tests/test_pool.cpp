// spool::Pool: tasks spawned onto the pool run on its workers, idle workers steal tasks that have
// not started, fibers on different workers meet on the cross-thread primitives, and the pool's
// destructor waits for everything spawned onto it. Native only (Pool is not in wasm builds yet).
// Catch2's assertions are not thread-safe: tasks record what they saw; the test checks it after.
#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "support.h"
#include "support/eventually.h"

#if !defined(__EMSCRIPTEN__)

using spool::Pool;
using spool::Status;
namespace cross_thread = spool::cross_thread;
namespace this_fiber = spool::this_fiber;
using namespace std::chrono_literals;

using spool_test::eventually;

SPOOL_TEST_CASE("every task spawned onto a pool runs once, as a fiber of one of its workers", "[pool]") {
  const std::size_t workers = GENERATE(std::size_t{1}, std::size_t{2}, std::size_t{4});
  constexpr int kTasks = 1000;
  std::vector<std::atomic<int>> runs(kTasks);
  std::atomic<int> outside_worker{0};
  {
    Pool pool(workers);
    CHECK(pool.size() == workers);
    CHECK(Pool::current() == nullptr);
    for (int i = 0; i < kTasks; ++i) {
      pool.spawn([&, i] {
        if (Pool::current() != &pool || Pool::current_worker() >= workers) ++outside_worker;
        this_fiber::yield();  // a real fiber: it may switch
        ++runs[i];
      });
    }
    CHECK(pool.wait_idle() == Status::ok);
    const auto stats = pool.stats();
    CHECK(stats.spawned == kTasks);
    CHECK(stats.finished == kTasks);
    std::uint64_t ran = 0;
    for (auto r : stats.ran) ran += r;
    CHECK(ran == kTasks);
  }
  CHECK(outside_worker == 0);
  for (int i = 0; i < kTasks; ++i) CHECK(runs[i] == 1);
}

SPOOL_TEST_CASE("an idle worker steals a task its busy sibling has not started", "[pool]") {
  std::atomic<bool> stolen_ran{false};
  std::atomic<std::size_t> spinner_worker{SIZE_MAX}, stolen_worker{SIZE_MAX};
  std::atomic<bool> gave_up{false};
  {
    Pool pool(2);
    pool.spawn([&] {
      spinner_worker = Pool::current_worker();
      // Queued on this worker, which never switches until the task has run: only the other
      // worker can take it.
      pool.spawn([&] {
        stolen_worker = Pool::current_worker();
        stolen_ran = true;
      });
      if (!eventually([&] { return stolen_ran.load(); })) gave_up = true;
    });
  }
  CHECK_FALSE(gave_up);
  CHECK(stolen_ran);
  CHECK(spinner_worker != stolen_worker);
}

SPOOL_TEST_CASE("a pool's destructor waits for tasks that spawn more tasks", "[pool]") {
  std::atomic<int> leaves{0};
  // Declared before the pool: the pool's destructor (which waits for the tasks) runs first.
  std::function<void(int)> grow;
  {
    Pool pool(2);
    // A tree: 1 + 4 + 16 + 64 tasks, each level spawned from the pool's own tasks.
    grow = [&](int depth) {
      if (depth == 3) {
        ++leaves;
        return;
      }
      for (int i = 0; i < 4; ++i) pool.spawn([&grow, depth] { grow(depth + 1); });
    };
    pool.spawn([&grow] { grow(0); });
  }  // no wait_idle(): the destructor waits
  CHECK(leaves == 64);
}

SPOOL_TEST_CASE("fibers on different workers meet on cross-thread primitives", "[pool]") {
  const std::size_t workers = GENERATE(std::size_t{2}, std::size_t{3});
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 500;
  cross_thread::Channel<int> values(16);
  cross_thread::WaitGroup producers(kProducers);
  cross_thread::Event start(cross_thread::Event::Mode::manual_reset);
  std::atomic<long long> sum{0};
  std::atomic<int> failures{0};
  std::set<std::size_t> producer_workers;
  std::mutex producer_workers_mutex;
  {
    Pool pool(workers);
    for (int p = 0; p < kProducers; ++p) {
      pool.spawn([&, p] {
        {
          std::lock_guard<std::mutex> lock(producer_workers_mutex);
          producer_workers.insert(Pool::current_worker());
        }
        if (start.wait() != Status::ok) ++failures;
        for (int i = 0; i < kPerProducer; ++i) {
          if (values.send(p * kPerProducer + i) != Status::ok) ++failures;
        }
        producers.done();
      });
    }
    for (int c = 0; c < 2; ++c) {
      pool.spawn([&] {
        while (auto v = values.receive()) sum += *v;
      });
    }
    pool.spawn([&] {
      if (producers.wait() != Status::ok) ++failures;
      values.close();
    });
    start.signal();  // from the test's thread, which has no Scheduler
  }
  CHECK(failures == 0);
  const long long n = kProducers * kPerProducer;
  CHECK(sum == n * (n - 1) / 2);
}

SPOOL_TEST_CASE("post_to runs on the worker named; a task spawned while the pool stops is reported", "[pool]") {
  std::atomic<std::size_t> ran_on{SIZE_MAX};
  cross_thread::Event ran;
  {
    Pool pool(3);
    pool.post_to(2, [&] {
      ran_on = Pool::current_worker();
      ran.signal();
    });
    CHECK(ran.wait() == Status::ok);
    spool_test::ErrorCapture errors;
    pool.post_to(3, [] {});
    CHECK(errors.count(Status::invalid_argument) == 1);
  }
  CHECK(ran_on == 2);
}

SPOOL_TEST_CASE("wait_idle from one of the pool's own tasks is reported, not a hang", "[pool][errors]") {
  std::atomic<Status> status{Status::ok};
  std::size_t reports = 0;
  std::string message;
  {
    spool_test::ErrorCapture errors;  // reports from the workers: read after they are joined
    {
      Pool pool(2);
      pool.spawn([&] { status = pool.wait_idle_for(10s); });
    }
    reports = errors.count(Status::wrong_thread, &message);
  }
  CHECK(status == Status::wrong_thread);
  CHECK(reports == 1);
  CHECK(message.find("wait_idle") != std::string::npos);
}

SPOOL_TEST_CASE("a fiber waits for the pool without blocking its thread", "[pool]") {
  spool::Scheduler scheduler;
  Pool pool(2);
  std::atomic<int> done{0};
  int ticks = 0;
  for (int i = 0; i < 100; ++i) pool.spawn([&] { ++done; });
  // A fiber of this thread keeps running while main waits for the pool.
  auto ticker = scheduler.spawn([&] {
    while (done.load() < 100) {
      ++ticks;
      this_fiber::yield();
    }
  });
  CHECK(pool.wait_idle() == Status::ok);
  CHECK(ticker.join() == Status::ok);
  CHECK(done == 100);
}

#endif
