// spool::Pool (include/spool/pool.h): a thread and a Scheduler per worker, a queue of not yet
// started tasks per worker, and stealing between those queues.
//
// A worker's Scheduler asks its WorkSource (the worker) for a task whenever it has nothing ready
// (scheduler/work_source.h): its own queue first, then the others', each a moodycamel
// ConcurrentQueue. A task becomes a fiber only when a worker takes it, so nothing has started
// (no stack, no engine stack) while it can still move. Spawning nudges the target worker and, if
// one sleeps, an idle sibling that may steal; both wake through their inbox (a condition
// variable). The worker's main fiber waits on a cross-thread Event until the pool stops, so an
// idle worker is never a deadlock.
#include "spool/pool.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include <concurrentqueue/concurrentqueue.h>

#include "../src/report.h"
#include "scheduler_core.h"
#include "spool/cross_thread/event.h"
#include "spool/cross_thread/wait_group.h"
#include "work_source.h"

namespace spool {

namespace {

struct Worker;
thread_local Worker* tls_worker = nullptr;

}  // namespace

struct detail::PoolState {
  using Task = Pool::Task;
  Pool* owner = nullptr;
  Pool::Config config;
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<std::size_t> next{0};  // round robin for spawns from outside the workers
  // Tasks spawned onto the pool and not yet finished; at zero wait_idle() returns.
  cross_thread::WaitGroup pending;
  cross_thread::WaitGroup started;
  cross_thread::Event stop{cross_thread::Event::Mode::manual_reset};
  std::mutex stop_mutex;  // stopping, and pending's count when it is set
  bool stopping = false;
  std::atomic<std::uint64_t> spawned{0};
  std::atomic<std::uint64_t> finished{0};

  void push(std::size_t index, Task task);
};

namespace {

struct Worker final : detail::WorkSource {
  detail::PoolState* pool = nullptr;
  std::size_t index = 0;
  moodycamel::ConcurrentQueue<Pool::Task> queue;
  // Set before the worker counts as started, cleared after the pool has stopped.
  detail::SchedulerCore* core = nullptr;
  std::atomic<std::uint64_t> ran{0};
  std::atomic<std::uint64_t> stolen{0};
  std::thread thread;

  bool take(Pool::Task& task) override {
    if (queue.try_dequeue(task)) {
      ran.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    const std::size_t n = pool->workers.size();
    for (std::size_t i = 1; i < n; ++i) {
      Worker& victim = *pool->workers[(index + i) % n];
      if (victim.queue.try_dequeue(task)) {
        ran.fetch_add(1, std::memory_order_relaxed);
        stolen.fetch_add(1, std::memory_order_relaxed);
        return true;
      }
    }
    return false;
  }

  void run() {
    tls_worker = this;
    {
      Scheduler scheduler(pool->config.scheduler);
      core = detail::core_of(scheduler);
      core->set_work_source(this);
      pool->started.done();
      // The main fiber waits here; the worker's fibers (pool tasks among them) run meanwhile.
      pool->stop.wait();
      core->set_work_source(nullptr);
      // ~Scheduler: the worker's own fibers (not spawned onto the pool) run to their end.
    }
    core = nullptr;
    tls_worker = nullptr;
  }
};

// Counts a pool task as finished when the task is destroyed: after it ran, or dropped unrun (its
// fiber killed first).
class Finished {
 public:
  explicit Finished(detail::PoolState* pool) : pool_(pool) {}
  Finished(Finished&& other) noexcept : pool_(std::exchange(other.pool_, nullptr)) {}
  Finished(const Finished&) = delete;
  Finished& operator=(const Finished&) = delete;
  ~Finished() {
    if (!pool_) return;
    pool_->finished.fetch_add(1, std::memory_order_relaxed);
    pool_->pending.done();  // last: the pool may be stopping once this returns
  }

 private:
  detail::PoolState* pool_;
};

}  // namespace

void detail::PoolState::push(std::size_t index, Task task) {
  Worker& target = *workers[index];
  target.queue.enqueue(std::move(task));
  target.core->nudge();
  // A sibling that sleeps may steal it at once (if the target is busy, it would wait).
  for (const auto& w : workers) {
    if (w.get() != &target && w->core->inbox().idle()) {
      w->core->nudge();
      break;
    }
  }
}

Pool::Pool(std::size_t workers) : Pool(Config{workers, {}}) {}

Pool::Pool(const Config& config) : shared_(std::make_unique<detail::PoolState>()) {
#if defined(__EMSCRIPTEN__)
  // A worker's idle scheduler parks on the JS event loop, which a spawn from another thread does
  // not wake yet (issue 17's Atomics.waitAsync part): it would wait for its next timer, or for
  // ever. Stopped here rather than left to hang.
  detail::fatal(Status::wrong_thread,
                "spool::Pool is not available in wasm builds yet: it runs natively only. Use one "
                "Scheduler on the main thread instead.");
#endif
  detail::PoolState& s = *shared_;
  s.owner = this;
  s.config = config;
  std::size_t n = config.workers;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  s.config.workers = n;
  s.started.add(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto w = std::make_unique<Worker>();
    w->pool = &s;
    w->index = i;
    s.workers.push_back(std::move(w));
  }
  // Every worker exists before any starts: each one's stealing walks all of them.
  for (auto& w : s.workers) w->thread = std::thread([worker = w.get()] { worker->run(); });
  s.started.wait();
}

Pool::~Pool() {
  detail::PoolState& s = *shared_;
  if (tls_worker && tls_worker->pool == &s) {
    detail::fatal(Status::wrong_thread,
                  "a spool::Pool was destroyed by one of its own workers (worker %zu), which would "
                  "wait for itself; destroy it from outside the pool.",
                  tls_worker->index);
  }
  // Until nothing spawned onto the pool is left; a spawn made meanwhile (a task spawning more)
  // is waited for too.
  for (;;) {
    s.pending.wait();
    std::lock_guard<std::mutex> lock(s.stop_mutex);
    if (s.pending.count() == 0) {
      s.stopping = true;
      break;
    }
  }
  s.stop.signal();
  for (auto& w : s.workers) w->thread.join();
}

void Pool::spawn_task(Task task) {
  detail::PoolState& s = *shared_;
  Worker* self = tls_worker && tls_worker->pool == &s ? tls_worker : nullptr;
  {
    std::lock_guard<std::mutex> lock(s.stop_mutex);
    if (s.stopping) {
      // Only a worker's own fiber can still spawn now (the pool's tasks are all done): it runs on
      // that worker, whose Scheduler runs it before it goes.
      if (self) {
        self->core->post(std::move(task));
        return;
      }
      detail::report(Status::invalid_argument,
                     "a task was spawned onto a spool::Pool that is being destroyed; spawn before "
                     "~Pool begins (or from the pool's own tasks). The task was dropped.");
      return;
    }
    s.pending.add(1);
  }
  s.spawned.fetch_add(1, std::memory_order_relaxed);
  Task wrapped([fn = std::move(task), finished = Finished(&s)]() mutable { fn(); });
  const std::size_t index =
      self ? self->index : s.next.fetch_add(1, std::memory_order_relaxed) % s.workers.size();
  s.push(index, std::move(wrapped));
}

void Pool::post_task(std::size_t index, Task task) {
  detail::PoolState& s = *shared_;
  if (index >= s.workers.size()) {
    detail::report(Status::invalid_argument,
                   "spool::Pool::post_to(%zu) names no worker: the pool has %zu (0 to %zu). The "
                   "task was dropped.",
                   index, s.workers.size(), s.workers.size() - 1);
    return;
  }
  s.workers[index]->core->post(std::move(task));
}

namespace {

// wait_idle() on one of the pool's own workers could wait for itself (the calling task counts as
// pending) or starve the tasks queued behind it: reported instead of a hang.
bool waits_on_own_worker(const detail::PoolState& s, const char* what) {
  if (!tls_worker || tls_worker->pool != &s) return false;
  detail::report(Status::wrong_thread,
                 "%s was called on worker %zu of the same spool::Pool, which would wait for its "
                 "own tasks (the caller's among them); call it from outside the pool, or wait on "
                 "a spool::cross_thread::WaitGroup the tasks you wait for signal.",
                 what, tls_worker->index);
  return true;
}

}  // namespace

Status Pool::wait_idle() {
  if (waits_on_own_worker(*shared_, "spool::Pool::wait_idle()")) return Status::wrong_thread;
  return shared_->pending.wait();
}
Status Pool::wait_idle_for(Duration timeout) {
  if (waits_on_own_worker(*shared_, "spool::Pool::wait_idle_for()")) return Status::wrong_thread;
  return shared_->pending.wait_for(timeout);
}

std::size_t Pool::size() const noexcept { return shared_->workers.size(); }

Pool::Stats Pool::stats() const {
  Stats stats;
  stats.spawned = shared_->spawned.load(std::memory_order_relaxed);
  stats.finished = shared_->finished.load(std::memory_order_relaxed);
  for (const auto& w : shared_->workers) {
    stats.ran.push_back(w->ran.load(std::memory_order_relaxed));
    stats.stolen.push_back(w->stolen.load(std::memory_order_relaxed));
  }
  return stats;
}

Pool* Pool::current() noexcept { return tls_worker ? tls_worker->pool->owner : nullptr; }
std::size_t Pool::current_worker() noexcept { return tls_worker ? tls_worker->index : SIZE_MAX; }

}  // namespace spool
