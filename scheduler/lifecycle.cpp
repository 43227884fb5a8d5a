// SchedulerCore, part 1: a fiber's life from spawn to retirement, and the scheduler's own.
//
// Every way a fiber ends (its function returned, its engine stack failed, it was killed, it never
// got a stack, it was abandoned after a deadlock) goes through end(), and every ended record is
// freed by retire(): there is one place to get the bookkeeping right.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <mutex>
#include <string>
#include <utility>

#include "../src/coroutine_chain.h"
#include "cross_waiter.h"
#include "scheduler_core.h"

namespace spool::detail {

namespace {

// The thread's schedulers: the one whose fibers run now (inside its tick, a join, its destructor),
// and every one made on the thread, oldest first (the first is current when none runs).
thread_local SchedulerCore* tls_active = nullptr;
thread_local std::vector<SchedulerCore*> tls_schedulers;
std::atomic<FiberId> g_next_fiber_id{1};

class SteadyTimeSource final : public TimeSource {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
};

// The context layer's hooks (src/context/context.h). The same functions serve every thread:
// each finds its own scheduler. describe_running is called from signal handlers natively: it
// writes the name without allocating.
void describe_running(char* buf, std::size_t size) {
  SchedulerCore* core = SchedulerCore::current();
  const FiberRecord* f = core ? core->acting() : nullptr;
  if (!f || size == 0) return;
  std::size_t n = 0;
  auto put = [&](const char* text) {
    while (*text && n + 1 < size) buf[n++] = *text++;
  };
  if (!f->name.empty()) {
    put(f->name.c_str());
  } else {
    char digits[24];
    int i = sizeof digits - 1;
    digits[i] = 0;
    FiberId id = f->id;
    do {
      digits[--i] = static_cast<char>('0' + id % 10);
      id /= 10;
    } while (id && i > 0);
    put("fiber-");
    put(digits + i);
  }
  buf[n] = 0;
}

void context_lost() {
  if (SchedulerCore* core = SchedulerCore::current()) core->driver().on_context_lost();
}

void install_context_hooks() {
  static std::once_flag once;
  std::call_once(once, [] {
    spool_context_hooks hooks{};
    hooks.describe_running = &describe_running;
    hooks.context_lost = &context_lost;
    spool_context_set_hooks(&hooks);
  });
}

}  // namespace

SchedulerCore* SchedulerCore::current() noexcept {
  if (tls_active) return tls_active;
  return tls_schedulers.empty() ? nullptr : tls_schedulers.front();
}

void SchedulerCore::make_current(SchedulerCore* core) noexcept { tls_active = core; }

SchedulerCore::Enter::Enter(SchedulerCore* core) noexcept : previous_(tls_active) { tls_active = core; }
SchedulerCore::Enter::~Enter() { tls_active = previous_; }

// ---- the scheduler's own life ------------------------------------------------------------------

SchedulerCore::SchedulerCore(Scheduler* owner, const Scheduler::Config& config)
    : config_(config), owner_(owner) {
  if (!spool_context_can_switch()) {
    report(Status::not_suspendable,
           "spool::Scheduler was created in a plain call of a wasm export (a JS callback or a "
           "static constructor), where the stack cannot be suspended. Create it in main() or in "
           "another JSPI call; switches made from here will fail.");
  }
  tls_schedulers.push_back(this);
  owner_thread_ = std::this_thread::get_id();
  install_context_hooks();
  TimeSource* base = config_.clock;
  if (!base) {
    own_clock_ = std::make_unique<SteadyTimeSource>();
    base = own_clock_.get();
  }
  clock_ = std::make_unique<ScaledClock>(*base);
  if (config_.max_live_fibers == 0) config_.max_live_fibers = 1;
  if (config_.default_stack_size == 0) config_.default_stack_size = kDefaultStackSize;
  policy_ = std::make_unique<FifoPolicy>();
  StackPool::for_this_thread().set_max_cached_per_class(config_.max_cached_stacks);
  spool_context_set_max_parked(config_.max_parked_engine_stacks);
  driver_ = make_platform_driver(*this);

  main_.core = this;
  main_.is_main = true;
  main_.id = g_next_fiber_id.fetch_add(1, std::memory_order_relaxed);
  main_.name = "main";
  main_.state = FiberState::running;
  main_.refs = 1;  // a member: never freed through release()
  spool_context_init_current(&main_.ctx);
  running_ = &main_;
}

SchedulerCore::~SchedulerCore() { shut_down(); }

void SchedulerCore::shut_down() {
  if (!usable_ || shut_down_) return;
  shut_down_ = true;
  {
    Enter entered(this);
    drain();
    retire_zombies();
    abandon_blocked();
    // Notifications of cross-thread primitives for fibers that are gone now.
    inbox_.drain_wakes([](CrossWaiter* waiter) { deliver_cross_wake(waiter); });
    destroy_locals(&main_);
  }
  if (tls_active == this) tls_active = nullptr;  // it was current before its destructor ran
  tls_schedulers.erase(std::find(tls_schedulers.begin(), tls_schedulers.end(), this));
}

void SchedulerCore::set_paused(bool paused) {
  if (paused == paused_) return;
  if (paused) {
    paused_scale_ = clock_->scale();
    clock_->set_scale(0);
  } else {
    clock_->set_scale(paused_scale_);
  }
  paused_ = paused;
}

void SchedulerCore::set_time_scale(double scale) {
  if (paused_) {
    paused_scale_ = scale < 0 ? 0 : scale;
  } else {
    clock_->set_scale(scale);
  }
}

// Waits until no fiber is live or queued. Once nothing runs that could tick (the ticking context
// is the one destroying the Scheduler), fibers waiting for frames are cancelled rather than left
// to hang (see idle()).
void SchedulerCore::drain() {
  if (running_ != &main_) {
    fatal(Status::wrong_thread,
          "a Scheduler was destroyed from inside one of its fibers ('%s'); destroy it from the "
          "context that created it.",
          display_name(running_));
  }
  draining_ = true;
  for (;;) {
    drain_inbox();
    if (live_ == 0 && admission_.empty()) break;
    Status status = wait(all_done_, TimePoint::max(), "Scheduler::~Scheduler (waiting for fibers)");
    if (status != Status::ok) break;  // deadlock or cannot switch: the rest is abandoned
  }
  retire_zombies();
}

void SchedulerCore::cancel_frame_waiters() noexcept {
  for (FiberRecord* f = all_; f; f = f->all_next) {
    const bool frames = f->heap == FiberRecord::Heap::frames || f->heap == FiberRecord::Heap::frame_wheel;
    if (f->state == FiberState::waiting && (frames || f->predicate)) cancel(f);
  }
}

// Fibers that can never run again (after a deadlock): their frames never run, and what they hold
// is given back.
void SchedulerCore::abandon_blocked() noexcept {
  // Off every wait list first: the lists live inside records that are freed below.
  for (FiberRecord* f = all_; f; f = f->all_next) {
    if (f->state == FiberState::waiting) {
      stop_waiting(f);
      --waiting_;
    }
  }
  while (FiberRecord* f = admission_.pop_front()) {
    if (f->state != FiberState::finished) end(f, Ending::abandoned);
    else retire(f);
  }
  while (FiberRecord* f = policy_->pick_next()) {
    if (f->state != FiberState::finished) end(f, Ending::abandoned);
    else retire(f);
  }
  while (all_) end(all_, Ending::abandoned);
}

// ---- spawning ----------------------------------------------------------------------------------

FiberRecord* SchedulerCore::spawn(Scheduler::Task task, const FiberOptions& options,
                                  FiberRecord* parent) {
  auto* f = new FiberRecord;
  f->core = this;
  f->id = g_next_fiber_id.fetch_add(1, std::memory_order_relaxed);
  if (options.name) f->name = options.name;
  f->task = std::move(task);
  f->refs = 2;  // the scheduler's, and the caller's handle
  f->stack.size = options.stack_size ? options.stack_size : config_.default_stack_size;
  f->cancel_by_exception = options.cancel_by_exception;
  const std::weak_ptr<void> unbound;
  if (options.bound_to.owner_before(unbound) || unbound.owner_before(options.bound_to)) {
    // Bound (even to an object already gone: then it is cancelled at the next tick).
    f->bound_to = options.bound_to;
    f->bound_index = bound_.size();
    bound_.push_back(f);
  }
  if (parent) {
    f->parent = parent;
    f->sibling_next = parent->first_child;
    if (parent->first_child) parent->first_child->sibling_prev = f;
    parent->first_child = f;
    ++parent->live_children;
    if (parent->cancel_requested) f->cancel_requested = true;
  }
  link(f);
  ++spawns_;
  f->ordinal = spawns_;
  f->spawn_frame = frame_;
  f->spawned_at = clock_->now();
  f->state = FiberState::queued;
  admission_.push_back(f);
  // At once, unless the cap or the engine-stack budget says wait (then in order).
  if (admission_.front() == f && live_ < config_.max_live_fibers) {
    const bool run_now = options.start_now && on_owner_thread() && current() == this &&
                         spool_context_can_switch() && !idling_;
    try_admit(f, run_now);
  } else {
    admit_queued();
  }
  notify_idle();
  return f;
}

void SchedulerCore::admit_queued() {
  if (admitting_) return;
  admitting_ = true;
  while (!admission_.empty() && live_ < config_.max_live_fibers) {
    FiberRecord* f = admission_.front();
    if (f->state == FiberState::finished) {  // killed while queued
      admission_.pop_front();
      retire(f);
      continue;
    }
    if (!try_admit(f)) break;  // no engine stack to be had now: it stays first in line
  }
  admitting_ = false;
}

// Gives the first queued spawn its stacks and makes it ready; false if the engine-stack budget
// has no room for it now.
bool SchedulerCore::try_admit(FiberRecord* f, bool start_now) {
  Stack stack = StackPool::for_this_thread().acquire(f->stack.size);
  if (!stack) {
    admission_.pop_front();
    f->failed = true;
    f->error_what = "no C stack for it";
    report(Status::no_memory,
           "no %zu-byte C stack for fiber '%s': %s. It does not run; its join() returns "
           "fiber_failed.",
           f->stack.size, display_name(f), StackPool::for_this_thread().failure());
    end(f, Ending::refused);
    return true;
  }
  if (config_.measure_stacks) fill_stack_pattern(stack);
  spool_context_make(&f->ctx, stack.lo, stack.size, &SchedulerCore::fiber_entry, f);
  if (spool_context_reserve(&f->ctx) != SPOOL_CONTEXT_OK) {
    StackPool::for_this_thread().release(stack);
    return false;
  }
  admission_.pop_front();
  f->stack = stack;
  ++live_;
  peak_live_ = std::max(peak_live_, live_);
  if (!start_now) {
    make_ready(f);
    return true;
  }
  // Runs it up to its first blocking call; the spawner goes on first after that.
  FiberRecord* self = running_;
  f->state = FiberState::ready;
  self->state = FiberState::ready;
  policy_->awakened_first(self);
  switch_to(self, f);
  return true;
}

void SchedulerCore::post_wake(CrossWaiter* waiter) {
  inbox_.push_wake(waiter);
  if (std::this_thread::get_id() == owner_thread_) notify_idle();
}

void SchedulerCore::post(Scheduler::Task task) {
  inbox_.push(std::move(task));
  // Same thread (a JS callback in wasm, or a fiber): wake an idle scheduler ourselves. Another
  // thread: the inbox wakes a natively idle scheduler.
  if (std::this_thread::get_id() == owner_thread_) notify_idle();
}

spool_context* SchedulerCore::fiber_entry(void* arg) {
  auto* f = static_cast<FiberRecord*>(arg);
  SchedulerCore* core = f->core;
  core->on_resumed(f);
#if defined(__cpp_exceptions)
  try {
    f->task();
  } catch (const FiberCancelled&) {
    // Cancelled with cancel_by_exception: the stack unwound; the fiber ends normally.
  } catch (const std::exception& e) {
    f->failed = true;
    f->error = std::current_exception();
    f->error_what = e.what();
  } catch (...) {
    f->failed = true;
    f->error = std::current_exception();
    f->error_what = "an exception not derived from std::exception";
  }
#else
  f->task();
#endif
  f->task.reset();  // the callable's captures are destroyed on the fiber, as it ends
  destroy_locals(f);
  core->end(f, Ending::returned);
  FiberRecord* next = core->next_to_run(f);
  ++core->switches_;
  return &next->ctx;
}

spool_context* SchedulerCore::finish_lost_fiber(FiberRecord* lost, FiberRecord* reaper) {
  running_ = reaper;
  lost->failed = true;
  lost->error_what = "its engine stack stopped with an error (reported above)";
  end(lost, Ending::lost);
  FiberRecord* next = next_to_run(reaper);
  // The reaper's stack is in use until the next context runs, which retires it.
  reaper->queue_next = zombies_;
  zombies_ = reaper;
  ++switches_;
  return &next->ctx;
}

// ---- ending ------------------------------------------------------------------------------------

void SchedulerCore::end(FiberRecord* f, Ending how) noexcept {
  const bool was_live = f->state != FiberState::queued;
  if (how == Ending::killed) run_kill_cleanups(f);
  // What a primitive handed it and it never took, and locks it still holds, go to the next in
  // line: nothing is lost with the fiber.
  if (f->handed_by) f->handed_by->pass_on_from(f);
  if (f->cross_waiter) {  // it ended inside a cross-thread wait: it leaves that primitive
    cross_waiter_gone(f->cross_waiter);
    f->cross_waiter = nullptr;
  }
  if (f->held_locks) give_up_held(f);
  if (how != Ending::returned) {  // returned: done on its own stack already, as it ended
    f->task.reset();
    destroy_locals(f);
  }
  f->state = FiberState::finished;
  if (was_live) --live_;
  ++finished_;
  if (how == Ending::abandoned) {
    f->failed = true;
    if (f->error_what.empty()) f->error_what = "abandoned when its Scheduler was destroyed";
  } else if (f->failed && f->detached) {
    report(Status::fiber_failed, "detached fiber '%s' ended with an exception: %s",
           display_name(f), f->error_what.c_str());
  }
  const Status joiners_get = how == Ending::killed ? Status::cancelled : Status::ok;
  while (FiberRecord* j = f->joiners.front()) wake(j, joiners_get);
  if (f->finished_event) f->finished_event->signal();
  // Its children outlive it only as long as it takes them to see the cancellation.
  for (FiberRecord* child = f->first_child; child; child = child->sibling_next) cancel(child);
  leave_parent(f);
  unbind(f);
  if (how == Ending::returned) {
    f->queue_next = zombies_;  // it still runs on its stack: retired once the next context runs
    zombies_ = f;
  } else {
    retire(f);
  }
  admit_queued();
  if (live_ == 0 && admission_.empty()) {
    while (FiberRecord* w = all_done_.front()) wake(w, Status::ok);
  }
}

// Frees an ended fiber's stacks and the scheduler's reference to its record. A record still in
// the ready or admission queue is retired when it is taken out.
void SchedulerCore::retire(FiberRecord* f) noexcept {
  if (f->in_queue) return;
  if (!spool_context_stack_intact(f->stack.lo)) {
    fatal(Status::stack_overflow,
          "stack overflow in fiber '%s': it wrote past the end of its %zu-byte C stack (the "
          "canary at its low end was overwritten; found as its stack was given back), so memory "
          "next to it may be corrupted. Spawn it with a larger FiberOptions::stack_size. Stopping "
          "the process.",
          display_name(f), f->stack.size);
  }
  // A suspended run never runs again, nor do the coroutines it was running.
  if (f->running_coroutine) abandon_coroutine_chain(std::exchange(f->running_coroutine, nullptr));
  f->selector.reset();  // killed inside select(): nothing watches it any more
  spool_context_release(&f->ctx);
  StackPool::for_this_thread().release(f->stack);
  f->stack = {};
  unlink(f);
  f->core = nullptr;
  release(f);
}

void SchedulerCore::retire_zombies() noexcept {
  FiberRecord* z = zombies_;
  zombies_ = nullptr;
  while (z) {
    FiberRecord* next = z->queue_next;
    z->queue_next = nullptr;
    retire(z);
    z = next;
  }
}

Status SchedulerCore::kill(FiberRecord* f) noexcept {
  if (f->state == FiberState::finished) return Status::ok;
  if (f == running_) {
    report(Status::already_running,
           "fiber '%s' tried to kill itself; a fiber ends by returning from its function.",
           display_name(f));
    return Status::already_running;
  }
  if (f->is_main) {
    report(Status::invalid_handle, "the main fiber cannot be killed.");
    return Status::invalid_handle;
  }
  if (f->state == FiberState::waiting) {
    stop_waiting(f);
    --waiting_;
  } else if (f->state == FiberState::ready) {
    ++ended_in_ready_queue_;  // its entry there is skipped when taken out
  }
  f->killed = true;
  end(f, Ending::killed);
  return Status::ok;
}

// A killed fiber's on_kill cleanups run on the killer's stack, most recent first, acting as the
// killed fiber: a cleanup may unlock a Mutex the fiber held.
void SchedulerCore::run_kill_cleanups(FiberRecord* f) noexcept {
  FiberRecord* previous = acting_;
  acting_ = f;
  for (auto it = f->on_kill.rbegin(); it != f->on_kill.rend(); ++it) (*it)();
  f->on_kill.clear();
  acting_ = previous;
}

void SchedulerCore::give_up_held(FiberRecord* f) noexcept {
  while (HeldLock* lock = f->held_locks) {
    f->held_locks = lock->next;
    if (lock->next) lock->next->prev = nullptr;
    lock->prev = lock->next = nullptr;
    lock->give_up(lock->object, f);
  }
}

void SchedulerCore::cancel(FiberRecord* f) noexcept {
  if (f->state == FiberState::finished || f->cancel_requested) return;
  f->cancel_requested = true;
  for (FiberRecord* child = f->first_child; child; child = child->sibling_next) cancel(child);
  if (f->state == FiberState::waiting && f->wait_cancellable) wake(f, Status::cancelled);
  notify_idle();
}

Status SchedulerCore::join(FiberRecord* target, TimePoint deadline) {
  if (target == running_) {
    report(Status::join_self,
           "fiber '%s' called join() on itself, which would wait forever. Join it from another "
           "fiber, or detach() it.",
           display_name(target));
    return Status::join_self;
  }
  if (target->state == FiberState::finished) return Status::ok;
  return wait(target->joiners, deadline, "spool::Fiber::join()");
}

Status SchedulerCore::join_children(TimePoint deadline) {
  if (!can_block("spool::this_fiber::join_children()")) return Status::not_suspendable;
  FiberRecord* self = running_;
  while (self->live_children > 0) {
    Status status = wait(self->children_done, deadline, "spool::this_fiber::join_children()");
    if (status != Status::ok) return status;
  }
  return Status::ok;
}

}  // namespace spool::detail
