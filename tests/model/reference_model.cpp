#include "reference_model.h"

#include <algorithm>
#include <deque>
#include <map>

namespace spool_model {

void Coverage::add(const Coverage& o) {
  programs += o.programs;
  ops += o.ops;
  switches += o.switches;
  blocked_joins += o.blocked_joins;
  finished_joins += o.finished_joins;
  refused_joins += o.refused_joins;
  tied_wakeups += o.tied_wakeups;
  queued_spawns += o.queued_spawns;
  posted_fibers += o.posted_fibers;
  resumes += o.resumes;
  nested_resumes += o.nested_resumes;
  switches_in_coroutines += o.switches_in_coroutines;
  finished_resumes += o.finished_resumes;
  abandoned_coroutines += o.abandoned_coroutines;
  cancelled_waits += o.cancelled_waits;
  cancelled_calls += o.cancelled_calls;
  event_wakeups += o.event_wakeups;
  event_timeouts += o.event_timeouts;
  blocked_sends += o.blocked_sends;
  blocked_receives += o.blocked_receives;
  rewaits += o.rewaits;
  closed_results += o.closed_results;
  frame_wakeups += o.frame_wakeups;
  deadlocks += o.deadlocks;
  abandoned_fibers += o.abandoned_fibers;
  lost_fiber_coroutines += o.lost_fiber_coroutines;
}

std::string Coverage::summary() const {
  const std::pair<const char*, std::uint64_t> items[] = {
      {"programs", programs},
      {"operations", ops},
      {"switches", switches},
      {"joins that blocked", blocked_joins},
      {"joins of finished fibers", finished_joins},
      {"refused joins", refused_joins},
      {"sleepers woken on a tied deadline", tied_wakeups},
      {"spawns queued behind the cap", queued_spawns},
      {"posted fibers", posted_fibers},
      {"coroutine resumes", resumes},
      {"nested resumes", nested_resumes},
      {"switches inside coroutines", switches_in_coroutines},
      {"resumes of finished coroutines", finished_resumes},
      {"coroutines abandoned mid-body", abandoned_coroutines},
      {"blocked fibers woken by cancel", cancelled_waits},
      {"calls refused as cancelled", cancelled_calls},
      {"event waiters woken by a signal", event_wakeups},
      {"event waits timed out", event_timeouts},
      {"sends that blocked", blocked_sends},
      {"receives that blocked", blocked_receives},
      {"channel waiters that checked again", rewaits},
      {"sends or receives that returned closed", closed_results},
      {"frame waiters woken by a tick", frame_wakeups},
      {"deadlocks", deadlocks},
      {"fibers abandoned", abandoned_fibers},
      {"coroutines left mid-body on abandoned fibers", lost_fiber_coroutines},
  };
  std::string text;
  for (const auto& [name, count] : items) {
    text += text.empty() ? "" : ", ";
    text += std::to_string(count) + " " + name;
  }
  return text;
}

bool g_model_mutation_reverse_ties = false;

namespace {

using spool::FiberState;
using spool::Status;

class Model {
 public:
  explicit Model(const Program& program)
      : program_(program),
        trace_(program),
        actors_(program.scripts.size()),
        cap_(program.max_live_fibers ? program.max_live_fibers : spool::kDefaultMaxLiveFibers) {
    events_[kAutoEvent].manual = false;
    events_[kManualEvent].manual = true;
    channel_.capacity = program.channel_capacity;
  }

  Prediction run() {
    fibers_.push_back(Fiber{"main", FiberState::running, {0}});
    current_ = kMain;
    while (!done_ && model_error_.empty()) step();
    coverage_.programs = 1;
    Prediction prediction;
    prediction.trace = trace_.lines();
    prediction.coverage = coverage_;
    prediction.deadlocks = coverage_.deadlocks;
    prediction.lost_fiber_coroutines = coverage_.lost_fiber_coroutines;
    prediction.model_error = model_error_;
    return prediction;
  }

 private:
  static constexpr int kMain = 0;
  using WaitList = std::deque<int>;  // fibers, longest waiting first

  // What a fiber does when it runs again after blocking.
  enum class Pending : std::uint8_t { nothing, join, sleep, wait, send, receive, drain };

  struct Handle {
    int fiber = -1;
    bool joined = false;
  };
  struct Actor {
    std::size_t pc = 0;
    bool started = false;
    std::map<int, Handle> handles;      // by the script of the fiber spawned
    std::map<int, bool> coroutines;     // by script: whether it has finished
  };
  struct Fiber {
    std::string name;
    FiberState state;
    std::vector<int> frames;  // actors: the fiber's own, then the coroutines it runs inside
    WaitList joiners{};
    bool cancel_requested = false;
    WaitList* waiting_on = nullptr;  // the list it is blocked in, if any
    Status wake_status = Status::ok;
    Pending pending = Pending::nothing;
    int pending_actor = -1;
    std::size_t pending_index = 0;
  };
  struct Timer {
    long long deadline_ms;
    std::uint64_t sequence;
    int fiber;
  };
  struct FrameWait {
    std::uint64_t deadline;
    std::uint64_t sequence;
    int fiber;
  };
  struct EventState {
    bool manual = false;
    bool set = false;
    WaitList waiters;
  };
  struct ChannelState {
    std::size_t capacity = 1;
    std::deque<void*> items;
    bool closed = false;
    WaitList senders;
    WaitList receivers;
  };

  Snapshot snapshot() const {
    Snapshot seen;
    seen.fiber = fibers_[current_].name;
    seen.now_ms = now_ms_;
    seen.frame = frame_;
    seen.live = live_;
    seen.ready = ready_.size();
    seen.waiting = waiting_;
    seen.queued = admission_.size();
    seen.finished = finished_;
    return seen;
  }

  void step() {
    Fiber& fiber = fibers_[current_];
    if (fiber.pending != Pending::nothing) {
      continue_after_wake();
      return;
    }
    if (fiber.frames.empty()) {
      drain_step();  // main ran its script: the Scheduler's destructor
      return;
    }
    const int actor = fiber.frames.back();
    const Script& script = program_.scripts[actor];
    if (actors_[actor].pc == script.ops.size()) {
      end_actor(actor);
      return;
    }
    const std::size_t index = actors_[actor].pc++;
    trace_.op(actor, index, snapshot());
    ++coverage_.ops;
    execute(actor, index, script.ops[index]);
  }

  void execute(int actor, std::size_t index, const Op& op) {
    Actor& self = actors_[actor];
    switch (op.kind) {
      case OpKind::spawn:
        self.handles[op.arg] = Handle{spawn(op.arg, actor_name(program_, op.arg)), false};
        break;
      case OpKind::post:
        inbox_.push_back(op.arg);
        break;
      case OpKind::yield:
        if (refused_as_cancelled(actor, index)) break;
        yield();
        break;
      case OpKind::sleep:
        if (refused_as_cancelled(actor, index)) break;
        if (op.arg == 0) {
          yield();  // a deadline that is not in the future
        } else {
          add_timer(now_ms_ + op.arg);
          block(nullptr, Pending::sleep, actor, index);
        }
        break;
      case OpKind::join:
        join(actor, index, op.arg);
        break;
      case OpKind::detach:
        self.handles.erase(op.arg);  // the handle is empty from now on
        break;
      case OpKind::inspect: {
        const auto it = self.handles.find(op.arg);
        // An empty handle says `finished`.
        trace_.inspected(actor, index, it == self.handles.end() ? FiberState::finished
                                                                : fibers_[it->second.fiber].state);
        break;
      }
      case OpKind::create:
        self.coroutines[op.arg] = false;
        break;
      case OpKind::resume:
        resume(actor, index, op.arg);
        break;
      case OpKind::yield_to_resumer:
        if (program_.scripts[actor].kind == ScriptKind::coroutine) leave_coroutine(actor, index);
        break;
      case OpKind::cancel: {
        const auto it = self.handles.find(op.arg);
        if (it != self.handles.end()) cancel(it->second.fiber);
        break;
      }
      case OpKind::signal:
        signal(events_[op.arg]);
        break;
      case OpKind::wait:
        wait_event(actor, index, events_[op.arg], op.param);
        break;
      case OpKind::send:
        send(actor, index);
        break;
      case OpKind::receive:
        receive(actor, index);
        break;
      case OpKind::close:
        channel_.closed = true;
        notify_all(channel_.senders, Status::closed);
        notify_all(channel_.receivers, Status::closed);
        break;
      case OpKind::tick:
        tick();
        break;
      case OpKind::wait_frames:
        if (refused_as_cancelled(actor, index)) break;
        if (op.arg == 0) {
          yield();
        } else {
          frame_waits_.push_back(FrameWait{frame_ + static_cast<std::uint64_t>(op.arg), next_frame_sequence_++, current_});
          block(nullptr, Pending::sleep, actor, index);
        }
        break;
    }
  }

  // The fiber runs again after blocking: finish the call it blocked in.
  void continue_after_wake() {
    Fiber& fiber = fibers_[current_];
    const Pending pending = fiber.pending;
    const Status status = fiber.wake_status;
    const int actor = fiber.pending_actor;
    const std::size_t index = fiber.pending_index;
    fiber.pending = Pending::nothing;
    fiber.wake_status = Status::ok;
    switch (pending) {
      case Pending::nothing:
        break;
      case Pending::drain:
        // A deadlock while the destructor waits: what is left is abandoned (spool's drain stops).
        if (status == Status::ok) {
          drain_step();
        } else {
          abandon_all();
        }
        break;
      case Pending::join:
        // A join that did not return ok leaves the handle joinable.
        if (status == Status::ok) actors_[actor].handles[program_.scripts[actor].ops[index].arg].joined = true;
        trace_.joined(actor, index, status);
        break;
      case Pending::sleep:
        if (status != Status::ok) trace_.returned(actor, index, status);
        break;
      case Pending::wait:
        if (status == Status::timeout) ++coverage_.event_timeouts;
        if (status == Status::ok) ++coverage_.event_wakeups;
        trace_.returned(actor, index, status);
        break;
      case Pending::send:
        if (status == Status::ok) {
          ++coverage_.rewaits;
          send(actor, index);  // checks again: the room may be gone
        } else {
          if (status == Status::closed) ++coverage_.closed_results;
          trace_.returned(actor, index, status);
        }
        break;
      case Pending::receive:
        if (status == Status::ok) {
          ++coverage_.rewaits;
          receive(actor, index);
        } else {
          if (status == Status::closed) ++coverage_.closed_results;
          trace_.took(actor, index, status, nullptr);
        }
        break;
    }
  }

  // A cancelled fiber's yield and sleep return cancelled without switching.
  bool refused_as_cancelled(int actor, std::size_t index) {
    if (!fibers_[current_].cancel_requested) return false;
    ++coverage_.cancelled_calls;
    trace_.returned(actor, index, Status::cancelled);
    return true;
  }

  void join(int actor, std::size_t index, int target) {
    auto& handles = actors_[actor].handles;
    const auto it = handles.find(target);
    if (it == handles.end() || it->second.joined) {
      ++coverage_.refused_joins;
      trace_.reported(Status::invalid_handle);
      trace_.joined(actor, index, Status::invalid_handle);
      return;
    }
    Fiber& joined = fibers_[it->second.fiber];
    if (joined.state == FiberState::finished) {
      ++coverage_.finished_joins;
      it->second.joined = true;
      trace_.joined(actor, index, Status::ok);
      return;
    }
    if (fibers_[current_].cancel_requested) {
      ++coverage_.cancelled_calls;
      trace_.joined(actor, index, Status::cancelled);
      return;
    }
    ++coverage_.blocked_joins;
    block(&joined.joiners, Pending::join, actor, index);
  }

  void signal(EventState& event) {
    if (event.manual) {
      event.set = true;
      notify_all(event.waiters, Status::ok);
    } else if (!notify_one(event.waiters, Status::ok)) {
      event.set = true;  // nobody waits: the next wait goes through
    }
  }

  void wait_event(int actor, std::size_t index, EventState& event, int timeout_ms) {
    if (event.set) {
      if (!event.manual) event.set = false;
      trace_.returned(actor, index, Status::ok);
      return;
    }
    if (fibers_[current_].cancel_requested) {
      ++coverage_.cancelled_calls;
      trace_.returned(actor, index, Status::cancelled);
      return;
    }
    add_timer(now_ms_ + timeout_ms);
    block(&event.waiters, Pending::wait, actor, index);
  }

  void send(int actor, std::size_t index) {
    if (!channel_.closed && channel_.items.size() >= channel_.capacity) {
      if (fibers_[current_].cancel_requested) {
        ++coverage_.cancelled_calls;
        trace_.returned(actor, index, Status::cancelled);
        return;
      }
      ++coverage_.blocked_sends;
      block(&channel_.senders, Pending::send, actor, index);
      return;
    }
    if (channel_.closed) {
      ++coverage_.closed_results;
      trace_.returned(actor, index, Status::closed);
      return;
    }
    channel_.items.push_back(transfer_value(actor, index));
    notify_one(channel_.receivers, Status::ok);
    trace_.returned(actor, index, Status::ok);
  }

  void receive(int actor, std::size_t index) {
    if (channel_.items.empty() && !channel_.closed) {
      if (fibers_[current_].cancel_requested) {
        ++coverage_.cancelled_calls;
        trace_.took(actor, index, Status::cancelled, nullptr);
        return;
      }
      ++coverage_.blocked_receives;
      block(&channel_.receivers, Pending::receive, actor, index);
      return;
    }
    if (channel_.items.empty()) {
      ++coverage_.closed_results;
      trace_.took(actor, index, Status::closed, nullptr);
      return;
    }
    void* value = channel_.items.front();
    channel_.items.pop_front();
    notify_one(channel_.senders, Status::ok);
    trace_.took(actor, index, Status::ok, value);
  }

  // Scheduler::tick(): the next frame; its waiters wake in the order their waits began; then every
  // fiber ready now runs once before the ticking one goes on (no cancellation check).
  void tick() {
    ++frame_;
    std::vector<FrameWait> due;
    for (const FrameWait& wait : frame_waits_) {
      if (wait.deadline <= frame_) due.push_back(wait);
    }
    std::sort(due.begin(), due.end(), [](const FrameWait& a, const FrameWait& b) { return a.sequence < b.sequence; });
    for (const FrameWait& wait : due) {
      ++coverage_.frame_wakeups;
      wake(wait.fiber, Status::ok);
    }
    poll();
    if (ready_.empty()) return;
    make_ready(current_);
    switch_to_next();
  }

  void cancel(int fiber) {
    Fiber& target = fibers_[fiber];
    if (target.state == FiberState::finished || target.cancel_requested) return;
    target.cancel_requested = true;
    if (target.state == FiberState::waiting) {
      ++coverage_.cancelled_waits;
      wake(fiber, Status::cancelled);
    }
  }

  void resume(int actor, std::size_t index, int coroutine) {
    const auto& coroutines = actors_[actor].coroutines;
    const auto it = coroutines.find(coroutine);
    if (it == coroutines.end()) return;  // this actor made no such coroutine: nothing to call
    if (it->second) {
      ++coverage_.finished_resumes;
      trace_.reported(Status::finished);
      trace_.resumed(actor, index, Status::finished, nullptr, spool::CoroutineState::dead);
      return;
    }
    ++coverage_.resumes;
    Fiber& fiber = fibers_[current_];
    if (fiber.frames.size() > 1) ++coverage_.nested_resumes;
    fiber.frames.push_back(coroutine);
    Actor& body = actors_[coroutine];
    // Where it continues from: its start, or the yield it stopped in.
    const std::size_t after = body.started ? body.pc - 1 : std::string::npos;
    body.started = true;
    trace_.received(coroutine, after, transfer_value(actor, index));
  }

  // The coroutine `actor` yields at `index` (or returns, index == its op count): back to the
  // actor that resumed it, on the same fiber.
  void leave_coroutine(int actor, std::size_t index) {
    Fiber& fiber = fibers_[current_];
    fiber.frames.pop_back();
    const int resumer = fiber.frames.back();
    const bool returned = index == program_.scripts[actor].ops.size();
    if (returned) actors_[resumer].coroutines[actor] = true;
    trace_.resumed(resumer, actors_[resumer].pc - 1, Status::ok, transfer_value(actor, index),
                   returned ? spool::CoroutineState::dead : spool::CoroutineState::suspended);
  }

  void end_actor(int actor) {
    trace_.end(actor, snapshot());
    // Its handles are dropped (detaching) and its coroutines destroyed, mid-body ones abandoned.
    for (const auto& [script, finished] : actors_[actor].coroutines) {
      if (!finished && actors_[script].started) ++coverage_.abandoned_coroutines;
    }
    switch (program_.scripts[actor].kind) {
      case ScriptKind::coroutine:
        leave_coroutine(actor, program_.scripts[actor].ops.size());
        break;
      case ScriptKind::main:
        fibers_[current_].frames.pop_back();  // what is left is the destructor: drain_step()
        break;
      case ScriptKind::fiber:
      case ScriptKind::posted:
        fibers_[current_].frames.pop_back();
        finish(current_);
        break;
    }
  }

  int spawn(int script, std::string name) {
    const int id = static_cast<int>(fibers_.size());
    fibers_.push_back(Fiber{std::move(name), FiberState::ready, {script}});
    if (live_ < cap_ && admission_.empty()) {
      admit(id);
    } else {
      ++coverage_.queued_spawns;
      fibers_[id].state = FiberState::queued;
      admission_.push_back(id);
    }
    return id;
  }

  void admit(int fiber) {
    ++live_;
    make_ready(fiber);
  }

  void make_ready(int fiber) {
    fibers_[fiber].state = FiberState::ready;
    ready_.push_back(fiber);
  }

  // Takes a blocked fiber off what it waits on (its list and its timer) and makes it ready;
  // its blocking call will return `status`.
  void wake(int fiber, Status status) {
    Fiber& f = fibers_[fiber];
    if (f.waiting_on) {
      f.waiting_on->erase(std::find(f.waiting_on->begin(), f.waiting_on->end(), fiber));
      f.waiting_on = nullptr;
    }
    const auto timer = std::find_if(timers_.begin(), timers_.end(), [&](const Timer& t) { return t.fiber == fiber; });
    if (timer != timers_.end()) timers_.erase(timer);
    const auto frame_wait = std::find_if(frame_waits_.begin(), frame_waits_.end(), [&](const FrameWait& w) { return w.fiber == fiber; });
    if (frame_wait != frame_waits_.end()) frame_waits_.erase(frame_wait);
    --waiting_;
    f.wake_status = status;
    make_ready(fiber);
  }

  bool notify_one(WaitList& list, Status status) {
    if (list.empty()) return false;
    wake(list.front(), status);
    return true;
  }

  void notify_all(WaitList& list, Status status) {
    while (!list.empty()) wake(list.front(), status);
  }

  void finish(int fiber) {
    fibers_[fiber].state = FiberState::finished;
    --live_;
    ++finished_;
    notify_all(fibers_[fiber].joiners, Status::ok);
    while (live_ < cap_ && !admission_.empty()) {
      const int next = admission_.front();
      admission_.pop_front();
      admit(next);
    }
    wake_drain_if_done();
    switch_to_next();
  }

  void wake_drain_if_done() {
    Fiber& main = fibers_[kMain];
    if (live_ == 0 && admission_.empty() && main.pending == Pending::drain &&
        main.state == FiberState::waiting) {
      wake(kMain, Status::ok);
    }
  }

  // The destructor gave up after a deadlock: every fiber not finished (blocked, or queued behind
  // the cap) is abandoned; coroutines mid-body on them stay so for good.
  void abandon_all() {
    for (std::size_t id = 0; id < fibers_.size(); ++id) {
      if (static_cast<int>(id) == kMain) continue;
      const Fiber& f = fibers_[id];
      if (f.state == FiberState::finished) continue;
      ++coverage_.abandoned_fibers;
      if (f.frames.size() > 1) coverage_.lost_fiber_coroutines += f.frames.size() - 1;
    }
    done_ = true;
  }

  // Scheduler::~Scheduler, on main: take in what was posted; wait until no fiber is left.
  void drain_step() {
    draining_ = true;
    drain_inbox();
    if (live_ == 0 && admission_.empty()) {
      done_ = true;
      return;
    }
    block(nullptr, Pending::drain, -1, 0);
  }

  void yield() {
    poll();
    if (ready_.empty()) return;  // nobody else to run
    make_ready(current_);
    switch_to_next();
  }

  void add_timer(long long deadline_ms) {
    timers_.push_back(Timer{deadline_ms, next_timer_sequence_++, current_});
  }

  void block(WaitList* list, Pending pending, int actor, std::size_t index) {
    Fiber& self = fibers_[current_];
    if (list) list->push_back(current_);
    self.waiting_on = list;
    self.pending = pending;
    self.pending_actor = actor;
    self.pending_index = index;
    self.state = FiberState::waiting;
    ++waiting_;
    switch_to_next();
  }

  void switch_to_next() {
    if (fibers_[current_].frames.size() > 1) ++coverage_.switches_in_coroutines;
    int next = next_to_run();
    if (next < 0) {
      // Nothing can wake anyone: spool reports it and wakes main with deadlock.
      Fiber& main = fibers_[kMain];
      if (main.state != FiberState::waiting) {
        model_error_ = "a deadlock while main is not waiting (state " + std::string(spool::to_string(main.state)) + ")";
        return;
      }
      ++coverage_.deadlocks;
      // On the real clock spool sees a deadlock only after Config::deadlock_after of idle time,
      // which the runs set to one step (one millisecond of the program).
      if (program_.clock_quantum_ms) now_ms_ += 1;
      trace_.reported(Status::deadlock);
      wake(kMain, Status::deadlock);
      next = next_to_run();
    }
    ++coverage_.switches;
    current_ = next;
    fibers_[next].state = FiberState::running;
  }

  int next_to_run() {
    for (;;) {
      poll();
      if (!ready_.empty()) {
        const int next = ready_.front();
        ready_.pop_front();
        return next;
      }
      if (timers_.empty()) {
        // The destructor waits and nothing runs that could tick: spool cancels every fiber waiting
        // for frames, the most recently spawned first (its list of records), instead of hanging.
        if (draining_ && !frame_waits_.empty()) {
          for (int fiber = static_cast<int>(fibers_.size()) - 1; fiber >= 0; --fiber) {
            const bool waits_for_frames = std::any_of(frame_waits_.begin(), frame_waits_.end(),
                                                      [&](const FrameWait& w) { return w.fiber == fiber; });
            if (waits_for_frames) cancel(fiber);
          }
          continue;
        }
        return -1;  // nothing can wake anyone: a deadlock
      }
      // A ManualClock jumps to the earliest deadline when nothing is ready.
      now_ms_ = std::max(now_ms_, earliest_timer()->deadline_ms);
    }
  }

  void poll() {
    drain_inbox();
    fire_timers();
  }

  void drain_inbox() {
    for (int script : inbox_) {
      ++coverage_.posted_fibers;
      spawn(script, "posted");
    }
    inbox_.clear();
  }

  std::vector<Timer>::iterator earliest_timer() {
    const bool reverse = g_model_mutation_reverse_ties;
    return std::min_element(timers_.begin(), timers_.end(), [reverse](const Timer& a, const Timer& b) {
      if (a.deadline_ms != b.deadline_ms) return a.deadline_ms < b.deadline_ms;
      return reverse ? a.sequence > b.sequence : a.sequence < b.sequence;
    });
  }

  void fire_timers() {
    long long previous_deadline = -1;
    while (!timers_.empty()) {
      const auto earliest = earliest_timer();
      if (earliest->deadline_ms > now_ms_) break;
      if (earliest->deadline_ms == previous_deadline) ++coverage_.tied_wakeups;
      previous_deadline = earliest->deadline_ms;
      const int fiber = earliest->fiber;
      // A sleeper's timer ends its sleep; a timed wait's ends the wait with timeout.
      wake(fiber, fibers_[fiber].waiting_on ? Status::timeout : Status::ok);
    }
  }

  const Program& program_;
  Trace trace_;
  std::vector<Actor> actors_;  // by script: each script runs at most once
  std::deque<Fiber> fibers_;   // a deque: wait lists inside fibers keep their addresses
  const std::size_t cap_;
  int current_ = kMain;
  std::deque<int> ready_;
  std::deque<int> admission_;
  std::vector<int> inbox_;
  std::vector<Timer> timers_;
  std::uint64_t next_timer_sequence_ = 0;
  long long now_ms_ = 0;
  std::uint64_t frame_ = 0;
  std::vector<FrameWait> frame_waits_;
  std::uint64_t next_frame_sequence_ = 0;
  std::size_t live_ = 0;
  std::size_t waiting_ = 0;
  std::uint64_t finished_ = 0;
  EventState events_[kEvents];
  ChannelState channel_;
  bool done_ = false;
  bool draining_ = false;  // main is in the Scheduler's destructor
  std::string model_error_;
  Coverage coverage_;
};

}  // namespace

Prediction predict(const Program& program) { return Model(program).run(); }

}  // namespace spool_model
