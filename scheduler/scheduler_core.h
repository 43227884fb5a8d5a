// The scheduler proper: fiber lifecycle, switching, timers, admission control, idling. Internal;
// the public face is spool::Scheduler (include/spool/scheduler.h).
#pragma once

#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "fiber_record.h"
#include "inbox.h"
#include "scheduling_policy.h"
#include "spool/scheduler.h"
#include "frame_wheel.h"
#include "timer_heap.h"

namespace spool::detail {

// Formats a message and hands it to the installed error handler (include/spool/status.h).
void report(Status status, const char* format, ...) __attribute__((format(printf, 2, 3)));

class SchedulerCore {
 public:
  SchedulerCore(Scheduler* owner, const Scheduler::Config& config);
  // Calls shut_down() if the Scheduler did not.
  ~SchedulerCore();
  SchedulerCore(const SchedulerCore&) = delete;
  SchedulerCore& operator=(const SchedulerCore&) = delete;

  // The core bound to the calling thread, or nullptr.
  static SchedulerCore* current() noexcept;
  // False if another scheduler was already bound to this thread (reported): this one is inert.
  bool usable() const noexcept { return usable_; }
  Scheduler* owner() const noexcept { return owner_; }

  // Creates a fiber (queued past the cap). The returned record carries one reference for the
  // caller's handle.
  FiberRecord* spawn(Scheduler::Task task, const FiberOptions& options,
                     FiberRecord* parent = nullptr);
  void post(Scheduler::Task task);

  Status yield();
  Status sleep_until(TimePoint deadline);
  Status join(FiberRecord* target);
  Status join_children();

  // Frames (Scheduler::tick()).
  Status tick();
  Status wait_frames(std::uint64_t frames);
  Status wait_until(detail::UniqueFunction<bool()>& predicate);
  std::uint64_t frame() const noexcept { return frame_; }

  // Cancellation: see Fiber::cancel() and Fiber::kill().
  void cancel(FiberRecord* fiber) noexcept;
  Status kill(FiberRecord* fiber) noexcept;

  // FiberLocal storage of the running fiber.
  void* local_get(const void* key) const noexcept;
  void local_set(const void* key, void* value, void (*destroy)(void*));

  // Blocks the running fiber on `list` until a wake (or the deadline: Status::timeout). `what`
  // names the call in error reports.
  Status wait(WaitList& list, TimePoint deadline, const char* what, bool cancellable = true);
  // Makes a waiting fiber ready; its wait returns `status`.
  void wake(FiberRecord* fiber, Status status) noexcept;

  // Whether the running context may block now; reports not_suspendable for `what` if not.
  bool can_block(const char* what) const;

  FiberRecord* running() const noexcept { return running_; }
  TimePoint now() const { return clock_->now(); }
  const Scheduler::Config& config() const noexcept { return config_; }
  Scheduler::Stats stats() const;

  // The Scheduler's destructor: runs every fiber to its end (drain()), then frees what is left
  // and unbinds the thread. Called while the Scheduler and this core are still whole, since the
  // fibers it runs may call the Scheduler (spawn, post, stats). Idempotent.
  void shut_down();

  // Waits until no fiber is live or queued.
  void drain();

  // JSPI: the engine stack of the running fiber failed (a trap). Called from a plain call.
  void on_context_lost();

  // Drops one reference to `record`, freeing it at zero.
  static void release(FiberRecord* record) noexcept;

 private:
  static spool_context* fiber_entry(void* arg);

  void admit(FiberRecord* fiber);
  void admit_queued();
  void make_ready(FiberRecord* fiber) noexcept;
  // The running fiber is queued or waiting: run others until it is resumed.
  Status suspend_running();
  FiberRecord* next_to_run(FiberRecord* self);
  void switch_to(FiberRecord* self, FiberRecord* next);
  void on_resumed(FiberRecord* self);
  spool_context* on_finished(FiberRecord* fiber);
  void poll();
  void fire_timers();
  void drain_inbox();
  void idle(FiberRecord* self);
  void declare_deadlock();
  void reclaim_zombies() noexcept;
  void link(FiberRecord* fiber) noexcept;
  void unlink(FiberRecord* fiber) noexcept;
  void notify_idle() noexcept;
  void abandon_blocked() noexcept;
  // Ends a wait: a cancelled fiber spawned with cancel_by_exception throws FiberCancelled here.
  Status finish_wait(Status status);
  Status block(const char* what);
  void unbind(FiberRecord* fiber) noexcept;
  void leave_parent(FiberRecord* fiber) noexcept;
  static void destroy_locals(FiberRecord* fiber) noexcept;
  void finalize_killed(FiberRecord* fiber) noexcept;
  void stop_waiting(FiberRecord* fiber) noexcept;

  Scheduler::Config config_;
  Scheduler* owner_;
  bool usable_ = true;
  bool shut_down_ = false;
  std::thread::id owner_thread_;
  std::unique_ptr<TimeSource> own_clock_;
  TimeSource* clock_ = nullptr;
  std::unique_ptr<SchedulingPolicy> policy_;
  TimerHeap timers_;
  FrameWheel frames_;
  std::uint64_t frame_ = 0;
  std::vector<FiberRecord*> predicate_waiters_;
  std::vector<FiberRecord*> bound_;
  Inbox inbox_;
  FiberQueue admission_;
  WaitList all_done_;  // the main fiber waiting in drain()
  FiberRecord main_;
  FiberRecord* running_ = nullptr;
  FiberRecord* all_ = nullptr;      // every record the scheduler owns
  FiberRecord* zombies_ = nullptr;  // finished fibers whose stacks await reclaiming (queue_next)
  FiberRecord* parked_ = nullptr;   // JSPI: the fiber parked on the event loop while idle
  // JSPI: contexts that finish a fiber whose engine stack failed; freed like zombies.
  struct Reaper;
  Reaper* reapers_ = nullptr;
  std::size_t live_ = 0;
  std::size_t waiting_ = 0;
  std::size_t peak_live_ = 0;
  std::uint64_t spawns_ = 0;
  std::uint64_t finished_ = 0;
  std::uint64_t switches_ = 0;
  bool draining_ = false;
};

}  // namespace spool::detail
