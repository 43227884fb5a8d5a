// SchedulerCore, part 2: blocking and waking. Every blocking call ends in block(); every wake in
// wake(). Timers, frame waits, predicates and posted work are checked here; an idle scheduler
// hands over to the platform's driver, or reports a deadlock when nothing can ever wake it.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <limits>
#include <string>

#include "cross_waiter.h"
#include "scheduler_core.h"

namespace spool::detail {

bool SchedulerCore::can_block(const char* what) const {
  if (std::this_thread::get_id() != owner_thread_) {
    report(Status::wrong_thread,
           "%s was called on a thread other than its Scheduler's; a fiber belongs to the thread "
           "whose Scheduler spawned it. Use Scheduler::post() to hand work to that thread.",
           what);
    return false;
  }
  if (!spool_context_can_switch()) {
    report(Status::not_suspendable,
           "%s was called from a plain call of a wasm export (a JavaScript callback), where the "
           "stack cannot be suspended (JSPI suspends only inside WebAssembly.promising calls). "
           "Call it from a fiber or main(); from a JS callback, use Scheduler::post() to run the "
           "work in a fiber.",
           what);
    return false;
  }
  return true;
}

Status SchedulerCore::finish_wait(Status status) {
#if defined(__cpp_exceptions)
  // Only when the fiber itself was cancelled (not, say, an Event it waits on), and not while an
  // exception unwinds it: a destructor that blocks (a join guard) gets the status, since
  // throwing from it would call std::terminate.
  if (status == Status::cancelled && running_->cancel_requested && running_->cancel_by_exception &&
      std::uncaught_exceptions() == 0) {
    throw FiberCancelled{};
  }
#endif
  return status;
}

Status SchedulerCore::yield() {
  if (!can_block("spool::this_fiber::yield()")) return Status::not_suspendable;
  if (running_->cancel_requested) return finish_wait(Status::cancelled);
  poll();
  // Nobody else to run (nor work to take, for a Pool worker): go on at once.
  if (ready_count() == 0 && !take_work()) return Status::ok;
  make_ready(running_);
  return finish_wait(suspend_running());
}

// Puts the running fiber in the waiting state, to be woken by wake(); returns why it woke.
Status SchedulerCore::block(const char* what) {
  FiberRecord* self = running_;
  self->state = FiberState::waiting;
  self->wait_reason = what;
  ++waiting_;
  const Status status = suspend_running();
  if (self->handed_by) self->handed_by->take_handed(self);  // it has what it was handed
  return finish_wait(status);
}

Status SchedulerCore::sleep_until(TimePoint deadline) {
  if (!can_block("spool::this_fiber::sleep_for()/sleep_until()")) return Status::not_suspendable;
  if (running_->cancel_requested) return finish_wait(Status::cancelled);
  if (deadline <= clock_->now()) return yield();
  if (deadline != TimePoint::max()) {  // max: no timer at all (forever, until cancelled)
    timers_.push(running_, deadline);
    running_->heap = FiberRecord::Heap::timers;
  }
  return block("sleep");
}

Status SchedulerCore::wait_frames(std::uint64_t frames) {
  if (!can_block("spool::this_fiber::wait_frames()")) return Status::not_suspendable;
  if (running_->cancel_requested) return finish_wait(Status::cancelled);
  if (frames == 0) return yield();
  const std::uint64_t room = std::numeric_limits<std::uint64_t>::max() - frame_;
  frames_.push(running_, frames >= room ? std::numeric_limits<std::uint64_t>::max() : frame_ + frames,
               frame_);
  return block("wait_frames");
}

Status SchedulerCore::wait_until(detail::UniqueFunction<bool()>& predicate) {
  if (!can_block("spool::this_fiber::wait_until()")) return Status::not_suspendable;
  if (running_->cancel_requested) return finish_wait(Status::cancelled);
  if (predicate()) return Status::ok;
  running_->predicate = &predicate;
  predicate_waiters_.push_back(running_);
  return block("wait_until");
}

Status SchedulerCore::tick() {
  if (!can_block("spool::Scheduler::tick()")) return Status::not_suspendable;
  if (paused_) return Status::ok;  // no frame: nothing counts down, nothing runs
  Enter entered(this);
  ++frame_;
  // Lifetimes first, so that a task whose object died this frame wakes cancelled, not for its
  // frame: detected without switching into the task.
  for (std::size_t i = 0; i < bound_.size();) {
    FiberRecord* f = bound_[i];
    if (f->bound_to.expired()) {
      unbind(f);  // bound_[i] is now another fiber
      cancel(f);
    } else {
      ++i;
    }
  }
  while (FiberRecord* due = frames_.due(frame_)) wake(due, Status::ok);
  // Predicates, checked in place: no switch into the waiting fibers.
  for (std::size_t i = 0; i < predicate_waiters_.size();) {
    FiberRecord* f = predicate_waiters_[i];
    if ((*f->predicate)()) {
      wake(f, Status::ok);  // removes it from the list (swap with the last)
    } else {
      ++i;
    }
  }
  poll();
  tick_hash_ = frame_;
  in_tick_ = true;
  Status status = Status::ok;
  if (ready_count() > 0) {
    // Every fiber ready now runs once; the ticking context comes back after them.
    make_ready(running_);
    status = suspend_running();
  }
  in_tick_ = false;
  last_tick_hash_ = config_.hash_schedule ? tick_hash_ : 0;
  return status;
}

Status SchedulerCore::wait(WaitQueue& list, TimePoint deadline, const char* what,
                           bool cancellable) {
  if (!can_block(what)) return Status::not_suspendable;
  FiberRecord* self = running_;
  if (cancellable && self->cancel_requested) return finish_wait(Status::cancelled);
  list.push_back(self);
  if (deadline != TimePoint::max()) {
    timers_.push(self, deadline);
    self->heap = FiberRecord::Heap::timers;
  }
  self->wait_cancellable = cancellable;
  Status status = block(what);
  self->wait_cancellable = true;
  return status;
}

// Takes a waiting fiber off everything it waits on: a wait list, a heap, the predicate list.
void SchedulerCore::stop_waiting(FiberRecord* f) noexcept {
  if (f->waiting_on) f->waiting_on->remove(f);
  if (f->heap == FiberRecord::Heap::timers) timers_.remove(f);
  if (f->heap == FiberRecord::Heap::frames || f->heap == FiberRecord::Heap::frame_wheel) frames_.remove(f);
  f->heap = FiberRecord::Heap::none;
  if (f->predicate) {
    auto it = std::find(predicate_waiters_.begin(), predicate_waiters_.end(), f);
    *it = predicate_waiters_.back();
    predicate_waiters_.pop_back();
    f->predicate = nullptr;
  }
}

void SchedulerCore::wake(FiberRecord* f, Status status) noexcept {
  stop_waiting(f);
  --waiting_;
  f->wait_reason = nullptr;
  f->wake_status = status;
  make_ready(f);
  notify_idle();  // woken from a JS callback while the scheduler is parked: resume it
}

void SchedulerCore::make_ready(FiberRecord* f) noexcept {
  f->state = FiberState::ready;
  policy_->awakened(f);
}

void SchedulerCore::fire_timers() {
  const TimePoint now = clock_->now();
  while (!timers_.empty() && timers_.earliest() <= now) {
    FiberRecord* f = timers_.earliest_fiber();
    wake(f, f->waiting_on ? Status::timeout : Status::ok);
  }
}

void SchedulerCore::drain_inbox() {
  inbox_.drain_wakes([](CrossWaiter* waiter) { deliver_cross_wake(waiter); });
  inbox_.drain([this](Scheduler::Task task) {
    FiberOptions options;
    options.name = "posted";
    FiberRecord* f = spawn(std::move(task), options);
    f->detached = true;
    release(f);  // no handle
  });
}

bool SchedulerCore::take_work() {
  // Only as much as can start now: a task taken while spawns wait for a slot would sit in this
  // scheduler's admission queue, where no idle sibling can steal it.
  if (!work_source_ || !admission_.empty() || live_ >= config_.max_live_fibers) return false;
  Scheduler::Task task;
  if (!work_source_->take(task)) return false;
  FiberOptions options;
  options.name = "pool task";
  FiberRecord* f = spawn(std::move(task), options);
  f->detached = true;
  release(f);  // no handle
  return true;
}

// Nothing is ready: wait for a timer, posted work or a wake from the outside; declare a deadlock
// if none of them can come.
void SchedulerCore::idle(FiberRecord* self) {
  const bool has_timers = !timers_.empty() && clock_->scale() > 0;  // paused: none can fire
  if (draining_ && !has_timers && external_waits_ == 0 && !inbox_.has_pending() &&
      (!frames_.empty() || !predicate_waiters_.empty())) {
    // The Scheduler is being destroyed and nothing runs that could tick: those waits can never
    // end. Cancel them (they see Status::cancelled and can clean up) instead of hanging.
    cancel_frame_waiters();
    return;
  }
  if (clock_->is_manual()) {
    // Virtual time: jump to the next deadline. Only something awaited outside the scheduler (a
    // JS promise) is worth waiting for in real time.
    if (has_timers) {
      clock_->advance_to(timers_.earliest());
      return;
    }
    if (inbox_.has_pending()) return;
    if (external_waits_ == 0 || idle_in_driver(self, Duration::max()) == Driver::Idle::drained) {
      declare_deadlock();
    }
    return;
  }
  Duration timeout = Duration::max();
  if (has_timers) {
    timeout = std::max(Duration::zero(), clock_->real_until(timers_.earliest()));  // max: paused
  } else if (external_waits_ == 0) {
    timeout = config_.deadlock_after;
  }
  const Driver::Idle result = idle_in_driver(self, timeout);
  if (result == Driver::Idle::drained ||
      (result == Driver::Idle::timed_out && !has_timers && external_waits_ == 0 &&
       !inbox_.has_pending() && ready_count() == 0)) {
    declare_deadlock();
  }
}

Driver::Idle SchedulerCore::idle_in_driver(FiberRecord* self, Duration timeout) {
  idling_ = true;
  const Driver::Idle result = driver_->wait(self, timeout);
  idling_ = false;
  return result;
}

void SchedulerCore::declare_deadlock() {
  std::string blocked;
  int listed = 0;
  for (FiberRecord* f = all_; f; f = f->all_next) {
    if (f->state != FiberState::waiting) continue;
    if (listed++ == 8) {
      blocked += ", ...";
      break;
    }
    blocked += listed > 1 ? ", '" : "'";
    blocked += display_name(f);
    blocked += "' in ";
    blocked += f->wait_reason ? f->wait_reason : "a wait";
  }
  if (main_.state == FiberState::waiting) {
    blocked += listed ? ", 'main' in " : "'main' in ";
    blocked += main_.wait_reason ? main_.wait_reason : "a wait";
  }
  char queued[320] = "";
  if (!admission_.empty()) {
    if (live_ < config_.max_live_fibers) {
      spool_context_stats cs;
      spool_context_get_stats(&cs);
      std::snprintf(queued, sizeof queued,
                    " %zu spawns wait for an engine stack: all %u the engine-stack budget allows "
                    "are held (spool::set_engine_stack_budget), by blocked fibers and coroutines; "
                    "let some finish before spawning more.",
                    admission_.size(), cs.engine_budget);
    } else {
      std::snprintf(queued, sizeof queued,
                    " %zu spawns wait for a free slot: all %zu live fibers (Config::max_live_fibers) "
                    "are blocked; raise the cap or let fibers finish before spawning more.",
                    admission_.size(), live_);
    }
  }
  report(Status::deadlock,
         "deadlock: every fiber is blocked and nothing can wake them (no timer pending, nothing "
         "posted). Blocked: %s.%s The main fiber's wait returns Status::deadlock.",
         blocked.c_str(), queued);
  if (main_.state != FiberState::waiting) {
    internal_error("the main fiber to be waiting when every fiber is blocked", to_string(main_.state));
  }
  wake(&main_, Status::deadlock);
}

}  // namespace spool::detail
