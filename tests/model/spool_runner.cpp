#include "spool_runner.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>

#if !defined(__EMSCRIPTEN__)
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#endif

#include "../support.h"

namespace spool_model {

namespace {

using spool::Status;

constexpr std::size_t kSmallStack = 32 * 1024;

int g_crash_on = -1;  // an OpKind, or -1 (see set_crash_on)

// A pattern in a local array on the actor's own stack, checked after every operation, that is
// after every point where its fiber may have been switched out and back in: a switch that
// restored another stack, or a stack handed to someone else while still in use, breaks it.
class StackCanary {
 public:
  explicit StackCanary(int actor) : actor_(actor) {
    for (std::size_t i = 0; i < kWords; ++i) words_[i] = expected(i);
  }
  bool intact() const {
    for (std::size_t i = 0; i < kWords; ++i) {
      if (words_[i] != expected(i)) return false;
    }
    return true;
  }

 private:
  static constexpr std::size_t kWords = 32;
  std::uint64_t expected(std::size_t i) const {
    return 0x9E3779B97F4A7C15ull * (static_cast<std::uint64_t>(actor_) * kWords + i + 1);
  }
  int actor_;
  volatile std::uint64_t words_[kWords];  // volatile: kept on the stack and read back each time
};

// Coroutines a run let go mid-body with their abandoned fibers (now dead), and any that spool
// would not let go (still `running`: a bug, reported as a problem; kept alive, since destroying
// a running coroutine stops the process).
std::size_t g_lost_fiber_coroutines = 0;
std::vector<std::unique_ptr<spool::Coroutine>>& undestroyable_coroutines() {
  static auto* kept = new std::vector<std::unique_ptr<spool::Coroutine>>();
  return *kept;
}

// What spool_test::LeakCheck checks, as text instead of Catch2 assertions, so that the shrinker
// can run many programs quietly and say which one leaked.
class LeakProbe {
 public:
  LeakProbe() { spool_context_get_stats(&before_); }
  void report(std::vector<std::string>& problems) const {
    spool_context_stats after;
    spool_context_get_stats(&after);
    const long records = spool::detail::g_fiber_records_alive.load();
    const std::size_t stacks = spool::detail::StackPool::for_this_thread().in_use();
    if (records != 0) problems.push_back(std::to_string(records) + " fiber records left alive");
    if (stacks != 0) problems.push_back(std::to_string(stacks) + " C stacks still in use");
    if (after.js_slots_held != before_.js_slots_held) problems.push_back("JS resumer slots leaked");
    if (after.carriers_live != after.carriers_parked + after.engine_stacks_dropping) {
      problems.push_back("engine stacks left suspended");
    }
  }

 private:
  spool_context_stats before_{};
};

#if !defined(__EMSCRIPTEN__)
// Makes each post() on a thread of its own, one at a time: the posting fiber blocks its thread
// until the task is in the scheduler's inbox. Posts keep program order, so the model still
// applies, while the inbox is written by another thread.
class PostCourier {
 public:
  explicit PostCourier(spool::Scheduler& scheduler)
      : scheduler_(scheduler), thread_([this] { serve(); }) {}
  ~PostCourier() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  PostCourier(const PostCourier&) = delete;
  PostCourier& operator=(const PostCourier&) = delete;

  void post(spool::Scheduler::Task task) {
    std::unique_lock<std::mutex> lock(mutex_);
    request_ = std::move(task);
    changed_.notify_all();
    changed_.wait(lock, [this] { return !request_; });
  }

 private:
  void serve() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return request_ || stopping_; });
      if (!request_) return;
      scheduler_.post(std::move(*request_));
      request_.reset();
      changed_.notify_all();
    }
  }

  spool::Scheduler& scheduler_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<spool::Scheduler::Task> request_;
  bool stopping_ = false;
  std::thread thread_;  // last: it starts once the members it uses exist
};

// Posts trivial fibers from a third thread while the program runs, spread over the run by the
// program's progress. The progress counter is relaxed on purpose: it must not give TSan a
// happens-before edge that would hide a missing one in spool's inbox.
class NoisePoster {
 public:
  NoisePoster(spool::Scheduler& scheduler, int posts, std::size_t expected_ops, int& ran)
      : thread_([this, &scheduler, posts, expected_ops, &ran] {
          for (int i = 0; i < posts; ++i) {
            const std::size_t due = expected_ops * static_cast<std::size_t>(i) / static_cast<std::size_t>(posts);
            while (progress_.load(std::memory_order_relaxed) < due && !stopping_.load(std::memory_order_relaxed)) {
              std::this_thread::yield();
            }
            scheduler.post([&ran] { ++ran; });  // runs on the scheduler's thread
          }
        }) {}
  NoisePoster(const NoisePoster&) = delete;
  NoisePoster& operator=(const NoisePoster&) = delete;

  void progressed() { progress_.store(progress_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
  // Posts what is left at once and waits for the thread.
  void finish() {
    stopping_.store(true, std::memory_order_relaxed);
    thread_.join();
  }

 private:
  std::atomic<std::size_t> progress_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;  // last: it starts once the counters exist
};
#endif

class SpoolRun {
 public:
  explicit SpoolRun(const Program& program)
      : program_(program),
        trace_(program),
        events_{spool::Event(spool::Event::Mode::auto_reset), spool::Event(spool::Event::Mode::manual_reset)},
        channel_(program.channel_capacity),
        fiber_states_(program.scripts.size()) {}

  Observation run() {
    Observation seen;
    const std::size_t lost_before = g_lost_fiber_coroutines;
    const std::size_t undestroyable_before = undestroyable_coroutines().size();
    LeakProbe leaks;
    spool_test::ErrorCapture errors;
    errors_ = &errors;
    {
      spool::ManualClock manual_clock;
      spool::Scheduler::Config config;
      if (program_.clock_quantum_ms) {
        // The Scheduler's own clock (steady_clock), and deadlines on steps (see deadline_in()).
        real_clock_ = true;
        unit_ = std::chrono::milliseconds(program_.clock_quantum_ms);
        // Nothing comes from another thread in these runs: an idle scheduler with no timer has
        // deadlocked, and need not wait the default 10 s to say so.
        config.deadlock_after = unit_;
      } else {
        config.clock = &manual_clock;
      }
      if (program_.max_live_fibers) config.max_live_fibers = program_.max_live_fibers;
      if (program_.small_caches) {
        config.default_stack_size = kSmallStack;
        config.max_cached_stacks = 1;
        config.max_parked_engine_stacks = 2;
      }
#if !defined(__EMSCRIPTEN__)
      // Declared before the Scheduler so that it outlives it: fibers that run in its destructor
      // post through it too.
      std::optional<PostCourier> courier;
#endif
      spool::Scheduler scheduler(config);
      scheduler_ = &scheduler;
#if !defined(__EMSCRIPTEN__)
      if (program_.posts_from_other_thread) courier_ = &courier.emplace(scheduler);
      std::optional<NoisePoster> noise;
      if (program_.noise_posts) noise_ = &noise.emplace(scheduler, program_.noise_posts, program_.op_count(), noise_ran_);
#endif
      if (real_clock_) origin_ = scheduler.now();  // step 0 starts with main's first operation
      {
        ActorState main_state(0);
        run_actor(main_state, nullptr);
      }
#if !defined(__EMSCRIPTEN__)
      // Noise must all be posted before the Scheduler's destructor, which runs what was posted.
      if (noise_) noise_->finish();
      noise_ = nullptr;
#endif
    }
#if !defined(__EMSCRIPTEN__)
    courier_ = nullptr;
#endif
    sync_reports();
    scheduler_ = nullptr;
    errors_ = nullptr;
    // What fibers abandoned by a deadlock held (the model's rule: their handles dropped, their
    // coroutines destroyed, except those mid-body, which spool cannot destroy).
    fiber_states_.clear();
    if (noise_ran_ != program_.noise_posts) {
      problems_.push_back(std::to_string(program_.noise_posts - noise_ran_) + " of " +
                          std::to_string(program_.noise_posts) + " noise posts never ran");
    }
    seen.lost_fiber_coroutines = g_lost_fiber_coroutines - lost_before;
    if (undestroyable_coroutines().size() != undestroyable_before) {
      problems_.push_back(std::to_string(undestroyable_coroutines().size() - undestroyable_before) +
                          " coroutines left running by their abandoned fibers cannot be destroyed");
    }
    leaks.report(problems_);
    seen.trace = trace_.lines();
    seen.problems = problems_;
    return seen;
  }

 private:
  struct ActorState;
  // A coroutine an actor created, with the state of the actor it runs. That state lives here,
  // not on the coroutine's stack, because a coroutine abandoned mid-body never unwinds. One left
  // mid-body by a fiber abandoned after a deadlock is dead by now: counted, then destroyed.
  struct OwnedCoroutine {
    OwnedCoroutine() = default;
    OwnedCoroutine(OwnedCoroutine&&) = default;
    OwnedCoroutine& operator=(OwnedCoroutine&&) = default;
    ~OwnedCoroutine() {
      if (!coroutine) return;
      const spool::CoroutineState now = coroutine->state();
      if (now == spool::CoroutineState::running || now == spool::CoroutineState::normal) {
        undestroyable_coroutines().push_back(std::move(coroutine));
      } else if (now == spool::CoroutineState::dead && !state->finished) {
        ++g_lost_fiber_coroutines;  // its body never ended: its fiber was let go under it
      }
      coroutine.reset();  // before its state
    }
    std::unique_ptr<ActorState> state;
    std::unique_ptr<spool::Coroutine> coroutine;
  };
  struct ActorState {
    explicit ActorState(int script) : script(script) {}
    int script;
    bool finished = false;  // its script ran to the end
    std::map<int, spool::Fiber> children;  // by the script they run
    std::map<int, OwnedCoroutine> coroutines;
  };

  void run_actor(ActorState& self, spool::Coroutine* as_coroutine) {
    StackCanary canary(self.script);
    const spool::FiberId fiber = spool::this_fiber::id();
    const Script& script = program_.scripts[self.script];
    for (std::size_t i = 0; i < script.ops.size(); ++i) {
      sync_reports();
      trace_.op(self.script, i, snapshot());
      execute(self, i, as_coroutine);
      if (!canary.intact()) problem(self.script, i, "the canary on its stack is broken");
      if (spool::this_fiber::id() != fiber) problem(self.script, i, "it goes on in another fiber");
#if !defined(__EMSCRIPTEN__)
      if (noise_) noise_->progressed();
#endif
    }
    sync_reports();
    trace_.end(self.script, snapshot());
    self.finished = true;
    // As the model has it: handles dropped (detaching), coroutines destroyed (abandoning).
    self.children.clear();
    self.coroutines.clear();
  }

  void execute(ActorState& self, std::size_t index, spool::Coroutine* as_coroutine) {
    const Op& op = program_.scripts[self.script].ops[index];
    if (static_cast<int>(op.kind) == g_crash_on) {
      std::fprintf(stderr, "model: --crash-on: aborting at %s.%zu %s\n", actor_name(program_, self.script).c_str(),
                   index, describe(program_, op).c_str());
      std::abort();
    }
    switch (op.kind) {
      case OpKind::spawn: {
        const std::string name = actor_name(program_, op.arg);
        spool::FiberOptions options;
        options.name = name.c_str();
        self.children[op.arg] = scheduler_->spawn(fiber_body(op.arg), options);
        break;
      }
      case OpKind::post:
#if !defined(__EMSCRIPTEN__)
        if (courier_) {
          courier_->post(fiber_body(op.arg));
          break;
        }
#endif
        scheduler_->post(fiber_body(op.arg));
        break;
      case OpKind::yield:
        returned_unless_ok(spool::this_fiber::yield(), self.script, index);
        break;
      case OpKind::sleep:
        if (real_clock_ && op.arg > 0) {
          returned_unless_ok(spool::this_fiber::sleep_until(deadline_in(op.arg)), self.script, index);
        } else {
          returned_unless_ok(spool::this_fiber::sleep_for(op.arg * unit_), self.script, index);
        }
        break;
      case OpKind::join: {
        const Status status = self.children[op.arg].join();
        sync_reports();
        trace_.joined(self.script, index, status);
        break;
      }
      case OpKind::detach:
        self.children[op.arg].detach();
        break;
      case OpKind::inspect:
        trace_.inspected(self.script, index, self.children[op.arg].state());
        break;
      case OpKind::create:
        create_coroutine(self, op.arg);
        break;
      case OpKind::resume: {
        const auto it = self.coroutines.find(op.arg);
        if (it == self.coroutines.end()) break;
        spool::Coroutine& coroutine = *it->second.coroutine;
        const spool::Coroutine::Result result = coroutine.resume(transfer_value(self.script, index));
        sync_reports();
        trace_.resumed(self.script, index, result.status, result.value, coroutine.state());
        break;
      }
      case OpKind::cancel:
        if (const auto it = self.children.find(op.arg); it != self.children.end()) it->second.cancel();
        break;
      case OpKind::signal:
        events_[op.arg].signal();
        break;
      case OpKind::wait: {
        const Status status = real_clock_ ? events_[op.arg].wait_until(deadline_in(op.param))
                                          : events_[op.arg].wait_for(op.param * unit_);
        sync_reports();
        trace_.returned(self.script, index, status);
        break;
      }
      case OpKind::send: {
        const Status status = channel_.send(reinterpret_cast<std::uintptr_t>(transfer_value(self.script, index)));
        sync_reports();
        trace_.returned(self.script, index, status);
        break;
      }
      case OpKind::receive: {
        std::uintptr_t value = 0;
        const Status status = channel_.receive(value);
        sync_reports();
        trace_.took(self.script, index, status, reinterpret_cast<void*>(value));
        break;
      }
      case OpKind::close:
        channel_.close();
        break;
      case OpKind::tick:
        returned_unless_ok(scheduler_->tick(), self.script, index);
        break;
      case OpKind::wait_frames:
        returned_unless_ok(spool::this_fiber::wait_frames(static_cast<std::uint64_t>(op.arg)), self.script, index);
        break;
      case OpKind::yield_to_resumer:
        if (as_coroutine) {
          void* got = as_coroutine->yield(transfer_value(self.script, index));
          sync_reports();
          trace_.received(self.script, index, got);
        }
        break;
    }
  }

  // A fiber's actor state lives here, not on its stack: a fiber abandoned after a deadlock never
  // unwinds, and what it holds (handles, coroutines) is let go once the Scheduler is gone.
  spool::Scheduler::Task fiber_body(int script) {
    return [this, script] {
      auto& slot = fiber_states_[static_cast<std::size_t>(script)];
      slot = std::make_unique<ActorState>(script);
      run_actor(*slot, nullptr);
      slot.reset();
    };
  }

  void create_coroutine(ActorState& self, int script) {
    OwnedCoroutine& owned = self.coroutines[script];
    owned.state = std::make_unique<ActorState>(script);
    const std::string name = actor_name(program_, script);
    spool::CoroutineOptions options;
    options.name = name.c_str();
    if (program_.small_caches) options.stack_size = kSmallStack;
    ActorState* state = owned.state.get();
    owned.coroutine = std::make_unique<spool::Coroutine>(
        [this, state](spool::Coroutine& coroutine, void* first) -> void* {
          sync_reports();
          trace_.received(state->script, std::string::npos, first);
          run_actor(*state, &coroutine);
          return transfer_value(state->script, program_.scripts[state->script].ops.size());
        },
        options);
  }

  Snapshot snapshot() const {
    const spool::Scheduler::Stats stats = scheduler_->stats();
    Snapshot seen;
    seen.fiber = spool::this_fiber::name();
    seen.frame = scheduler_->frame();
    seen.now_ms = real_clock_ ? steps_now() : static_cast<long long>((scheduler_->now() - origin_) / unit_);
    seen.live = stats.live_fibers;
    seen.ready = stats.ready_fibers;
    seen.waiting = stats.waiting_fibers;
    seen.queued = stats.queued_spawns;
    // Noise fibers that ran have finished (they never block); the model knows nothing of them.
    seen.finished = stats.finished - static_cast<std::uint64_t>(noise_ran_);
    return seen;
  }

  // On the real clock, time is counted in steps of Program::clock_quantum_ms since the run began,
  // and every deadline falls on a step: sleeps with one deadline in the program have one deadline
  // when they run, whatever real time separates their starts. A reading less than a quarter step
  // before a step counts as that step (a timer may fire a little early: Node's loop time is in
  // whole milliseconds).
  long long steps_now() const {
    const auto elapsed = scheduler_->now() - origin_ + unit_ / 4;
    return static_cast<long long>(elapsed / unit_);
  }
  spool::TimePoint deadline_in(int steps) const { return origin_ + (steps_now() + steps) * unit_; }

  // Puts what spool reported to its error handler since the last line into the trace, where the
  // model puts it: right after the call that reported it.
  void sync_reports() {
    if (!errors_) return;
    const auto& reports = errors_->all();
    for (; reports_written_ < reports.size(); ++reports_written_) trace_.reported(reports[reports_written_].status);
  }

  void returned_unless_ok(Status status, int actor, std::size_t index) {
    if (status == Status::ok) return;
    sync_reports();
    trace_.returned(actor, index, status);
  }

  void problem(int actor, std::size_t index, const std::string& what) {
    problems_.push_back(actor_name(program_, actor) + "." + std::to_string(index) + ": " + what);
  }

  const Program& program_;
  Trace trace_;
  spool::Event events_[kEvents];  // kAutoEvent, kManualEvent
  spool::Channel<std::uintptr_t> channel_;
  std::vector<std::unique_ptr<ActorState>> fiber_states_;  // by script, while the fiber runs
  std::vector<std::string> problems_;
  spool::Scheduler* scheduler_ = nullptr;
  spool_test::ErrorCapture* errors_ = nullptr;
  std::size_t reports_written_ = 0;
  bool real_clock_ = false;                              // see Program::clock_quantum_ms
  spool::Duration unit_ = std::chrono::milliseconds(1);  // one millisecond of the program
  spool::TimePoint origin_{};                            // the clock's time at the start
  int noise_ran_ = 0;  // touched on the scheduler's thread only
#if !defined(__EMSCRIPTEN__)
  PostCourier* courier_ = nullptr;
  NoisePoster* noise_ = nullptr;
#endif
};

}  // namespace

Observation run_on_spool(const Program& program) { return SpoolRun(program).run(); }

bool set_crash_on(const std::string& operation) {
  Program names;
  names.scripts.push_back(Script{ScriptKind::main, {}});
  for (int kind = 0; kind <= static_cast<int>(OpKind::wait_frames); ++kind) {
    const std::string text = describe(names, Op{static_cast<OpKind>(kind), 0});
    if (text.substr(0, text.find(' ')) == operation) {
      g_crash_on = kind;
      return true;
    }
  }
  return false;
}

}  // namespace spool_model
