// The scheduler proper: fiber lifecycle, waiting and switching, timers, frames, admission
// control. Internal; the public face is spool::Scheduler (include/spool/scheduler.h). Its code is
// split by concern: lifecycle.cpp (spawning, ending, teardown), waiting.cpp (blocking, waking,
// timers, frames), switching.cpp (picking the next fiber and switching to it); idling is the
// platform driver's (driver.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "driver.h"
#include "fiber_record.h"
#include "frame_wheel.h"
#include "inbox.h"
#include "scheduling_policy.h"
#include "spool/scheduler.h"
#include "../src/report.h"
#include "timer_heap.h"
#include "work_source.h"

namespace spool::detail {

class SchedulerCore {
 public:
  SchedulerCore(Scheduler* owner, const Scheduler::Config& config);
  // Calls shut_down() if the Scheduler did not.
  ~SchedulerCore();
  SchedulerCore(const SchedulerCore&) = delete;
  SchedulerCore& operator=(const SchedulerCore&) = delete;

  // The core of the calling thread whose fibers run now (inside its tick(), a join() of one of
  // its fibers, or its destructor), else the first one made on the thread; nullptr if none.
  static SchedulerCore* current() noexcept;
  // Makes `core` the current one of its thread for the scope's lifetime (a thread may have
  // several schedulers; each runs its fibers only while it is current). Every switch makes the
  // core of the context it resumes current too, so scopes left open by suspended contexts do not
  // leave a stale value behind.
  class Enter {
   public:
    explicit Enter(SchedulerCore* core) noexcept;
    ~Enter();
    Enter(const Enter&) = delete;
    Enter& operator=(const Enter&) = delete;

   private:
    SchedulerCore* previous_;
  };
  // False if it was made where it cannot work (reported): this one is inert.
  bool usable() const noexcept { return usable_; }
  bool on_owner_thread() const noexcept { return std::this_thread::get_id() == owner_thread_; }
  Scheduler* owner() const noexcept { return owner_; }

  // ---- lifecycle (lifecycle.cpp) ----
  // Creates a fiber (queued past the cap or the engine-stack budget). The returned record carries
  // one reference for the caller's handle.
  FiberRecord* spawn(Scheduler::Task task, const FiberOptions& options,
                     FiberRecord* parent = nullptr);
  void post(Scheduler::Task task);
  // Any thread: a fiber of this scheduler blocked on a cross-thread primitive was notified
  // (scheduler/cross_waiter.h); it is woken at the next poll, and an idle scheduler wakes for it.
  void post_wake(CrossWaiter* waiter);
  // Any thread: an idle scheduler wakes and asks its work source again (a Pool got work).
  void nudge() { inbox_.nudge(); }
  // The scheduler's thread: where it takes work it has not been given when it has nothing ready
  // (a Pool worker's queue, and its siblings' to steal from). Null: none. Must outlive it or be
  // unset first.
  void set_work_source(WorkSource* source) noexcept { work_source_ = source; }
  Status join(FiberRecord* target, TimePoint deadline);
  Status join_children(TimePoint deadline);
  // Cancellation: see Fiber::cancel() and Fiber::kill().
  void cancel(FiberRecord* fiber) noexcept;
  Status kill(FiberRecord* fiber) noexcept;
  // FiberLocal storage of the running fiber.
  void* local_get(const void* key) const noexcept;
  void local_set(const void* key, void* value, void (*destroy)(void*));
  // The Scheduler's destructor: runs every fiber to its end (drain(); fibers left waiting for
  // frames that no tick can bring are cancelled), then frees what is left and unbinds the thread. Called
  // while the Scheduler and this core are still whole, since the fibers it runs may call the
  // Scheduler (spawn, post, stats). Idempotent.
  void shut_down();
  // wasm, from the driver's reaper: ends `lost` (its engine stack failed), queues the reaper's own
  // record for reclaiming, and returns the context to run next.
  spool_context* finish_lost_fiber(FiberRecord* lost, FiberRecord* reaper);
  // Drops one reference to `record`, freeing it at zero.
  static void release(FiberRecord* record) noexcept;

  // ---- waiting (waiting.cpp) ----
  Status yield();
  Status sleep_until(TimePoint deadline);
  Status wait_frames(std::uint64_t frames);
  Status wait_until(detail::UniqueFunction<bool()>& predicate);
  Status tick();
  // Blocks the running fiber on `list` until a wake (or the deadline: Status::timeout;
  // TimePoint::max(): none). `what` names the call in error reports.
  Status wait(WaitQueue& list, TimePoint deadline, const char* what, bool cancellable = true);
  // Makes a waiting fiber ready; its wait returns `status`.
  void wake(FiberRecord* fiber, Status status) noexcept;
  // Whether the running context may block now; reports not_suspendable for `what` if not.
  bool can_block(const char* what) const;
  // A fiber awaits something outside the scheduler (a JS promise): an idle scheduler with a
  // ManualClock parks for it instead of reporting a deadlock.
  void begin_external_wait() noexcept { ++external_waits_; }
  void end_external_wait() noexcept { --external_waits_; }

  // ---- state ----
  FiberRecord* running() const noexcept { return running_; }
  // The fiber whose identity the running code has: the running one, or the killed fiber whose
  // on_kill cleanups run now (they act as it, so they may unlock a Mutex it held).
  FiberRecord* acting() const noexcept { return acting_ ? acting_ : running_; }
  std::uint64_t frame() const noexcept { return frame_; }
  std::uint64_t schedule_hash() const noexcept { return schedule_hash_; }
  std::uint64_t tick_hash() const noexcept { return last_tick_hash_; }
  TimePoint now() const { return clock_->now(); }
  // Frames and time of this scheduler (Scheduler::pause, set_time_scale).
  void set_paused(bool paused);
  bool paused() const noexcept { return paused_; }
  void set_time_scale(double scale);
  double time_scale() const noexcept { return paused_ ? paused_scale_ : clock_->scale(); }
  const Scheduler::Config& config() const noexcept { return config_; }
  Scheduler::Stats stats() const;
  Inspection inspect() const;  // inspect.cpp
  Driver& driver() noexcept { return *driver_; }
  Inbox& inbox() noexcept { return inbox_; }

 private:
  // lifecycle.cpp
  static spool_context* fiber_entry(void* arg);
  void admit_queued();
  bool try_admit(FiberRecord* fiber, bool start_now = false);
  void end(FiberRecord* fiber, Ending how) noexcept;
  void retire(FiberRecord* fiber) noexcept;
  void retire_zombies() noexcept;
  void drain();
  void abandon_blocked() noexcept;
  void cancel_frame_waiters() noexcept;
  void link(FiberRecord* fiber) noexcept;
  void unlink(FiberRecord* fiber) noexcept;
  void unbind(FiberRecord* fiber) noexcept;
  void leave_parent(FiberRecord* fiber) noexcept;
  void run_kill_cleanups(FiberRecord* fiber) noexcept;
  static void give_up_held(FiberRecord* fiber) noexcept;
  static void destroy_locals(FiberRecord* fiber) noexcept;
  static void fill_stack_pattern(const Stack& stack) noexcept;  // inspect.cpp

  // waiting.cpp
  Status block(const char* what);
  // Ends a wait: a cancelled fiber spawned with cancel_by_exception throws FiberCancelled here,
  // unless an exception is already unwinding it (a destructor that blocks).
  Status finish_wait(Status status);
  void stop_waiting(FiberRecord* fiber) noexcept;
  void make_ready(FiberRecord* fiber) noexcept;
  // Takes in posted work, fires due timers and admits queued spawns: before every pick.
  void poll() {
    if (inbox_.has_pending()) drain_inbox();
    if (!timers_.empty()) fire_timers();
    if (!admission_.empty() && live_ < config_.max_live_fibers) admit_queued();
  }
  void fire_timers();
  void drain_inbox();
  // Spawns one task from the work source, if it has one.
  bool take_work();
  void idle(FiberRecord* self);
  Driver::Idle idle_in_driver(FiberRecord* self, Duration timeout);
  void declare_deadlock();
  void notify_idle() noexcept {
    if (idling_) driver_->wake();
  }
  // Ready fibers, less the entries of fibers killed while ready (skipped when taken out).
  std::size_t ready_count() const noexcept { return policy_->ready_count() - ended_in_ready_queue_; }

  // switching.cpp
  // The running fiber is queued or waiting: run others until it is resumed.
  Status suspend_running();
  FiberRecord* next_to_run(FiberRecord* self);
  void switch_to(FiberRecord* self, FiberRecord* next);
  void on_resumed(FiberRecord* self);
  static void make_current(SchedulerCore* core) noexcept;

  Scheduler::Config config_;
  Scheduler* owner_;
  bool usable_ = true;
  bool shut_down_ = false;
  bool draining_ = false;
  bool idling_ = false;
  std::thread::id owner_thread_;
  std::unique_ptr<TimeSource> own_clock_;
  std::unique_ptr<ScaledClock> clock_;  // this scheduler's time, over the configured clock
  bool paused_ = false;
  double paused_scale_ = 1.0;  // the scale to go back to when resumed
  bool admitting_ = false;     // in admit_queued(): the end() of a refused spawn comes back there
  std::unique_ptr<SchedulingPolicy> policy_;
  std::unique_ptr<Driver> driver_;
  TimerHeap timers_;
  FrameWheel frames_;
  std::uint64_t frame_ = 0;
  std::vector<FiberRecord*> predicate_waiters_;
  std::vector<FiberRecord*> bound_;
  Inbox inbox_;
  WorkSource* work_source_ = nullptr;
  FiberQueue admission_;
  WaitQueue all_done_;  // the main fiber waiting in drain()
  FiberRecord main_;
  FiberRecord* running_ = nullptr;
  FiberRecord* acting_ = nullptr;
  FiberRecord* all_ = nullptr;      // every record the scheduler owns
  FiberRecord* zombies_ = nullptr;  // ended on their own stacks, retired by the next context (queue_next)
  std::size_t live_ = 0;
  std::size_t waiting_ = 0;
  std::size_t peak_live_ = 0;
  std::size_t external_waits_ = 0;
  std::size_t ended_in_ready_queue_ = 0;
  std::uint64_t spawns_ = 0;
  std::uint64_t finished_ = 0;
  std::uint64_t switches_ = 0;
  // Config::hash_schedule: the schedule so far, the tick in progress, the last tick.
  std::uint64_t schedule_hash_ = 0;
  std::uint64_t tick_hash_ = 0;
  std::uint64_t last_tick_hash_ = 0;
  bool in_tick_ = false;

};

}  // namespace spool::detail
