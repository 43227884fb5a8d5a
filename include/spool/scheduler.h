// spool::Scheduler: runs fibers on the thread that created it.
//
// The scheduler picks the next fiber; who drives it depends on the platform. Natively, a fiber
// that blocks switches straight to the next ready one, and an idle scheduler blocks the thread
// until a timer is due or work is posted. In wasm (JSPI), the same happens on engine stacks, and
// an idle scheduler returns control to the JavaScript event loop, which wakes it on its next timer
// or on post(). See docs/scheduler.md for the internals.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include "clock.h"
#include "detail/unique_function.h"
#include "fiber.h"
#include "future.h"
#include "inspect.h"
#include "status.h"

namespace spool {

class Scheduler;
namespace detail {
class SchedulerCore;
// The core behind a Scheduler, for spool's own parts (Pool) and its tests. Internal.
SchedulerCore* core_of(Scheduler& scheduler) noexcept;
// Reports Status::no_scheduler for `what` (a call that needs the thread's Scheduler).
void report_no_scheduler(const char* what);
}  // namespace detail

// How much C stack a fiber gets unless it asks (FiberOptions::stack_size). In wasm the C stack
// holds only what cannot live in wasm locals (address-taken locals, large arrays): 16 KiB keeps a
// suspended fiber small. Natively it is the machine stack, reserved with mmap and a guard page.
#if defined(__EMSCRIPTEN__)
inline constexpr std::size_t kDefaultStackSize = 16 * 1024;
#else
inline constexpr std::size_t kDefaultStackSize = 256 * 1024;
#endif

// The engine aborts the whole process at about 32,000 suspended engine stacks (V8: two memory
// mappings each against vm.max_map_count). The default cap on live fibers keeps well below it.
inline constexpr std::size_t kDefaultMaxLiveFibers = 16384;

// wasm (JSPI): every holder of an engine stack (a started fiber, a started Coroutine, an
// emscripten_fiber run, a parked spare) counts against one budget per thread, kept under the
// engine's limit with a margin for the rest of the process's memory mappings. Past it, spawns
// wait in the admission queue and a Coroutine's first resume() returns Status::no_memory; the
// engine never aborts. Natively stacks are limited by memory and vm.max_map_count instead, and
// these have no effect.
inline constexpr std::size_t kDefaultEngineStackBudget = 24576;
// Sets the budget of the calling thread (at least 1). Raising it above the engine's limit lets
// the engine abort the process again.
void set_engine_stack_budget(std::size_t stacks) noexcept;
std::size_t engine_stack_budget() noexcept;  // 0 natively

// How a Scheduler runs (Scheduler::Config).
struct SchedulerConfig {
  // Fibers started and not finished, at most. Spawns beyond it are queued and start in order as
  // fibers finish; none is dropped.
  std::size_t max_live_fibers = kDefaultMaxLiveFibers;
  std::size_t default_stack_size = kDefaultStackSize;
  // Freed C stacks kept for reuse, per size class, at most. The cache follows the working set
  // (as many as were in use at once lately, see src/stack/stack_pool.h); this caps it.
  std::size_t max_cached_stacks = SIZE_MAX;
  // JSPI: parked engine stacks kept for reuse (about 5 KB each, and each is scanned at every
  // young-generation GC), at most. The pool follows the working set like the C stack cache;
  // this caps it. Creating one costs ~10 us, reusing one nothing. Native: no effect.
  std::uint32_t max_parked_engine_stacks = UINT32_MAX;
  // Time for sleep_for/sleep_until; nullptr: std::chrono::steady_clock. Must outlive the
  // Scheduler. With a ManualClock, an idle scheduler jumps to the next deadline.
  TimeSource* clock = nullptr;
  // An idle scheduler with no timer pending and nothing posted for this long reports a deadlock
  // and wakes the thread's main context with Status::deadlock. With a ManualClock it is
  // reported at once. In Node, a drained event loop reports it too.
#if defined(__EMSCRIPTEN__)
  Duration deadlock_after = Duration::max();
#else
  Duration deadlock_after = std::chrono::seconds(10);
#endif
  // Keeps a hash of the schedule: which fiber ran (by spawn order), in what order, with what wake
  // status (Scheduler::schedule_hash, tick_hash). Two runs of a deterministic game (the same
  // inputs, in recorded order) give the same hashes, on every platform and backend; the first
  // tick whose hash differs is where they diverged. Off: no cost but a branch per switch.
  bool hash_schedule = false;
  // Fills every fiber's C stack with a pattern when it is spawned, so that inspect() can report
  // how much of it the fiber ever used (FiberInfo::stack_high_water). Costs a write of the whole
  // stack per spawn (and natively makes all of it resident): for debugging and sizing stacks.
  bool measure_stacks = false;
  // wasm: each fiber's runs show as spans in the browser's performance tools (a
  // performance.measure() per run, named after the fiber). Costs a JS call per switch. Natively
  // no effect.
  bool performance_marks = false;
};

// What a Scheduler reports of itself (Scheduler::stats()).
struct SchedulerStats {
  std::size_t live_fibers = 0;     // started, not finished (the cap counts these)
  std::size_t ready_fibers = 0;
  std::size_t waiting_fibers = 0;  // blocked or sleeping
  std::size_t queued_spawns = 0;   // waiting for a live slot or an engine stack
  std::size_t peak_live_fibers = 0;
  std::uint64_t spawns = 0;
  std::uint64_t finished = 0;
  std::uint64_t switches = 0;
  std::size_t stacks_in_use = 0;   // C stacks
  std::size_t stacks_cached = 0;
  std::size_t stack_bytes = 0;     // reserved for C stacks, in use and cached
  std::uint64_t engine_stacks_created = 0;  // JSPI carriers
  std::uint64_t engine_stacks_reused = 0;
  std::uint32_t engine_stacks_live = 0;
  std::uint32_t engine_stacks_parked = 0;
  std::uint32_t engine_stacks_claimed = 0;  // held or reserved, against the budget
  std::uint32_t engine_stack_budget = 0;    // 0 natively
  std::uint64_t frame = 0;              // ticks so far (frames counted: not while paused)
  std::size_t frame_waiters = 0;        // in wait_frames()
  std::size_t predicate_waiters = 0;    // in this_fiber::wait_until_true()
};

class Scheduler {
 public:
  using Config = SchedulerConfig;
  using Stats = SchedulerStats;

  // Binds a scheduler to the calling thread; the calling context becomes its main fiber ("main").
  // A thread may have several (a stage and a menu, each with its frames and time): each runs its
  // fibers while it is driven (its tick(), a join() of one of its fibers, its destructor), and a
  // fiber of one may wait on what a fiber of another signals. In wasm, create it where a switch is
  // possible (main() is).
  Scheduler();
  explicit Scheduler(const Config& config);
  // Waits for every fiber to finish (queued spawns included), then frees everything. Call from the
  // context that created it. Fibers left waiting for frames or wait_until_true() predicates once
  // nothing runs that could tick are cancelled. A deadlock while waiting is reported; the fibers
  // that can never run again are abandoned (their stacks freed, their frames never run again).
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // The scheduler whose fibers run now (inside its tick() or a join of one of its fibers), else
  // the first one created on the calling thread; nullptr if the thread has none.
  static Scheduler* current() noexcept;

  // Starts `fn` as a fiber (or queues it, past the live-fiber cap). Call on the scheduler's
  // thread, from a fiber or from any plain call (a JS callback): spawning never switches.
  template <class F>
  Fiber spawn(F&& fn, const FiberOptions& options = {}) {
    return spawn_task(Task(std::forward<F>(fn)), options);
  }

  // As spawn(), returning the Future of what `fn` returns (or throws): see future.h. The fiber is
  // detached; cancelling or killing it before it returns makes the future `cancelled`.
  template <class F>
  auto spawn_future(F&& fn, const FiberOptions& options = {})
      -> Future<std::invoke_result_t<std::decay_t<F>&>> {
    using R = std::invoke_result_t<std::decay_t<F>&>;
    Promise<R> promise;
    Future<R> future = promise.future();
    spawn_task(Task([promise = std::move(promise), fn = std::forward<F>(fn)]() mutable {
                 detail::run_into(promise, fn);
               }),
               options);
    return future;
  }

  // Runs `fn` in a new detached fiber of this scheduler. Callable from any thread and from JS
  // callbacks; wakes an idle scheduler. Nothing posted is dropped: what is posted before the
  // Scheduler is destroyed runs before its destructor returns.
  template <class F>
  void post(F&& fn) {
    post_task(Task(std::forward<F>(fn)));
  }

  // Runs one frame, for a game loop: counts frame waits down, checks wait_until() predicates and
  // bound_to lifetimes (none of which switches into a fiber), then runs every ready fiber once.
  // Fibers that become ready during the tick run in the next one. Call from the context that
  // created the Scheduler (main), once per frame; in wasm that context must be in a JSPI call.
  Status tick();
  std::uint64_t frame() const noexcept;
  // With Config::hash_schedule: the hash of the whole schedule so far, and of the last tick()
  // alone (0 without it).
  std::uint64_t schedule_hash() const noexcept;
  std::uint64_t tick_hash() const noexcept;

  // Stops this scheduler's frames and time (a paused stage under a menu): tick() returns at once,
  // counting no frame, and its clock stands still, so its sleepers and wait_frames() wait on.
  // resume() goes on where it stopped. Fibers made ready meanwhile run at the next tick after.
  void pause();
  void resume();
  bool paused() const noexcept;
  // The speed of this scheduler's time against its clock (game time over real time): sleeps and
  // timed waits of its fibers last 1/scale as long in real time; 0 stops it. Never jumps.
  void set_time_scale(double scale);
  double time_scale() const noexcept;

  // Frees the C stacks and (JSPI) parked engine stacks kept for reuse, e.g. after a burst of
  // fibers. The next spawns allocate again.
  void trim_caches();

  Stats stats() const;
  // Every fiber not yet finished, as data, and as text (one line per fiber, children indented
  // under their parent). Cheap enough for a debug overlay every frame with hundreds of fibers.
  Inspection inspect() const;
  std::string describe() const;
  TimePoint now() const;
  const Config& config() const noexcept;

  using Task = detail::UniqueFunction<void()>;

 private:
  friend detail::SchedulerCore* detail::core_of(Scheduler& scheduler) noexcept;
  Fiber spawn_task(Task task, const FiberOptions& options);
  void post_task(Task task);
  std::unique_ptr<detail::SchedulerCore> core_;
};

// Spawns on the calling thread's scheduler. Without one, reports Status::no_scheduler and
// returns an empty handle.
template <class F>
Fiber spawn(F&& fn, const FiberOptions& options = {}) {
  Scheduler* scheduler = Scheduler::current();
  if (!scheduler) {
    Fiber none;
    detail::report_no_scheduler("spool::spawn()");
    return none;
  }
  return scheduler->spawn(std::forward<F>(fn), options);
}

}  // namespace spool
