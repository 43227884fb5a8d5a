// spool::Pool: a Scheduler per worker thread, and work spawned onto the pool shared between them.
//
// Each worker is a std::thread with its own Scheduler. Pool::spawn() queues a task on one worker
// (the caller's own when called from a worker, else the next in turn) without starting it; a
// worker with nothing ready takes the oldest task of its own queue, or else steals one from
// another worker's, and runs it as a fiber. Only tasks that have not started move between
// workers: once a task's fiber has started it stays on its worker until it ends. Natively spool
// does not migrate started fibers (yet; marl does); in wasm it never could, since a suspended JSPI
// stack resumes only on its own thread. Spread long-lived work as many tasks, not as one task
// that spawns local fibers.
//
// Fibers on different workers synchronise with the cross-thread primitives
// (spool/cross_thread/: Event, WaitGroup, Channel); the other primitives serve the fibers of one
// thread, and signalling them from another thread is reported (Status::wrong_thread).
//
// An idle worker sleeps on a condition variable until it is given work, so a spawn or a post
// wakes it at once, never after a timer.
//
// Native only for now: in wasm builds constructing a Pool is a fatal error naming the gap (an
// idle wasm scheduler does not yet park on Atomics.waitAsync, so a spawn from another thread
// would not wake it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "scheduler.h"
#include "status.h"

namespace spool {

namespace detail {
struct PoolState;  // scheduler/pool.cpp
}  // namespace detail

struct PoolConfig {
  // Worker threads; 0: as many as the machine has cores (std::thread::hardware_concurrency, at
  // least 1).
  std::size_t workers = 0;
  // Every worker's Scheduler is made with this (its clock must be thread-safe, and is shared).
  Scheduler::Config scheduler{};
};

struct PoolStats {
  std::uint64_t spawned = 0;  // tasks spawned onto the pool
  std::uint64_t finished = 0;
  std::vector<std::uint64_t> ran;     // per worker: tasks it ran
  std::vector<std::uint64_t> stolen;  // per worker: ... of which it took from another's queue
};

class Pool {
 public:
  using Config = PoolConfig;
  using Stats = PoolStats;
  using Task = Scheduler::Task;

  // Starts the workers; returns once each has its Scheduler. Any thread (natively).
  explicit Pool(std::size_t workers = 0);
  explicit Pool(const Config& config);
  // Waits for every task spawned onto the pool (wait_idle()), then stops the workers; each one's
  // Scheduler runs its own fibers to their end first. Call from outside the pool's workers.
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Queues `fn` to run as a detached fiber on some worker. Any thread, any context (a JS callback
  // too); never blocks, never switches. Tasks from one thread start in order on any one worker;
  // across workers they run in parallel. A task that throws is reported (fiber_failed).
  template <class F>
  void spawn(F&& fn) {
    spawn_task(Task(std::forward<F>(fn)));
  }

  // Runs `fn` as a new fiber on worker `index` (< size(); another index is reported and the task
  // dropped); it never moves. Any thread, until ~Pool begins. ~Pool does not wait for it: the
  // worker's Scheduler runs it to its end as the worker stops.
  template <class F>
  void post_to(std::size_t index, F&& fn) {
    post_task(index, Task(std::forward<F>(fn)));
  }

  // Waits until every task spawned onto the pool so far (and those they spawn) has finished:
  // parks the calling fiber, or blocks a thread without a Scheduler. ok, timeout or cancelled.
  // From outside the pool only: on one of its own workers it would wait for itself, and is
  // reported instead (Status::wrong_thread, returned at once).
  Status wait_idle();
  Status wait_idle_for(Duration timeout);

  std::size_t size() const noexcept;
  Stats stats() const;

  // The pool whose worker runs the calling code, and that worker's index; nullptr / SIZE_MAX
  // outside every pool's workers.
  static Pool* current() noexcept;
  static std::size_t current_worker() noexcept;

 private:
  void spawn_task(Task task);
  void post_task(std::size_t index, Task task);
  std::unique_ptr<detail::PoolState> shared_;
};

}  // namespace spool
