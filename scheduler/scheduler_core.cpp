#include "scheduler_core.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "../src/coroutine_chain.h"

#if defined(__EMSCRIPTEN__)
#include "../src/context/context_jspi.h"
#else
#include <csignal>
#include <mutex>
#include <unistd.h>
#endif

namespace spool::detail {

namespace {

thread_local SchedulerCore* tls_core = nullptr;
std::atomic<FiberId> g_next_fiber_id{1};

class SteadyTimeSource final : public TimeSource {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
};

[[noreturn]] void internal_error(const char* what, int code) {
  std::fprintf(stderr, "spool: internal error: %s (code %d); please report it\n", what, code);
  std::abort();
}

#if !defined(__EMSCRIPTEN__)
// abort() in a fiber natively: say which fiber before the process ends (wasm: the runtime names
// it when the engine stack fails). Async-signal-safe: write(2) and no allocation.
struct sigaction g_previous_abort_action;

void write_text(const char* text) {
  std::size_t n = 0;
  while (text[n]) ++n;
  if (write(STDERR_FILENO, text, n) < 0) return;
}

// The fiber's name as display_name() would give it, without allocating.
void write_fiber_name(const FiberRecord* f) {
  char id[24];
  int i = sizeof id - 1;
  id[i] = 0;
  FiberId value = f->id;
  do {
    id[--i] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value && i > 0);
  if (f->name.empty()) {
    write_text("fiber-");
    write_text(id + i);
  } else {
    write_text(f->name.c_str());
  }
}

void report_abort_in_fiber(int signal_number) {
  SchedulerCore* core = tls_core;
  FiberRecord* f = core ? core->running() : nullptr;
  if (f && !f->is_main) {
    write_text("spool: fiber '");
    write_fiber_name(f);
    write_text("' aborted\n");
  }
  const auto& previous = g_previous_abort_action;
  if (!(previous.sa_flags & SA_SIGINFO) && previous.sa_handler != SIG_DFL &&
      previous.sa_handler != SIG_IGN) {
    previous.sa_handler(signal_number);
  }
  // Returning lets abort() go on to end the process as it would have.
}

// A fault in the guard page below a fiber's stack is a stack overflow: name the fiber. The handler
// runs on an alternate signal stack (the fiber's own is exhausted), then hands the fault to
// whoever handled SIGSEGV before (a sanitizer, or the default: the process ends).
struct sigaction g_previous_segv_action;

void report_stack_overflow(int signal_number, siginfo_t* info, void* context) {
  SchedulerCore* core = tls_core;
  FiberRecord* f = core ? core->running() : nullptr;
  const auto fault = reinterpret_cast<uintptr_t>(info->si_addr);
  const auto low = f ? reinterpret_cast<uintptr_t>(f->stack.lo) : 0;
  const auto guard = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  if (f && low && fault < low && fault + guard >= low) {
    write_text("spool: stack overflow in fiber '");
    write_fiber_name(f);
    write_text("': it ran past the end of its C stack into the guard page. Spawn it with a larger "
               "FiberOptions::stack_size.\n");
  }
  const auto& previous = g_previous_segv_action;
  if (previous.sa_flags & SA_SIGINFO) {
    previous.sa_sigaction(signal_number, info, context);
    return;
  }
  if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    previous.sa_handler(signal_number);
    return;
  }
  // Default action: restore it; returning re-runs the faulting instruction, which now ends the
  // process as it would have.
  sigaction(SIGSEGV, &previous, nullptr);
}

// Each thread with a Scheduler gets an alternate signal stack for the overflow report.
void ensure_alternate_signal_stack() {
  thread_local std::unique_ptr<char[]> alternate;
  if (alternate) return;
  stack_t current{};
  if (sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE)) return;
  const std::size_t size = 64 * 1024;
  alternate.reset(new char[size]);
  stack_t stack{};
  stack.ss_sp = alternate.get();
  stack.ss_size = size;
  sigaltstack(&stack, nullptr);
}

void install_abort_report() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_handler = &report_abort_in_fiber;
    sigemptyset(&action.sa_mask);
    sigaction(SIGABRT, &action, &g_previous_abort_action);
    struct sigaction segv {};
    segv.sa_sigaction = &report_stack_overflow;
    segv.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&segv.sa_mask);
    sigaction(SIGSEGV, &segv, &g_previous_segv_action);
  });
  ensure_alternate_signal_stack();
}
#endif

}  // namespace

SchedulerCore* SchedulerCore::current() noexcept { return tls_core; }

SchedulerCore::SchedulerCore(Scheduler* owner, const Scheduler::Config& config)
    : config_(config), owner_(owner) {
  if (tls_core) {
    usable_ = false;
    report(Status::wrong_thread,
           "a second spool::Scheduler was created on a thread that already has one; use "
           "Scheduler::current() to reach the existing one. The new one does nothing.");
    return;
  }
  if (!spool_context_can_switch()) {
    report(Status::not_suspendable,
           "spool::Scheduler was created in a plain call of a wasm export (a JS callback or a "
           "static constructor), where the stack cannot be suspended. Create it in main() or in "
           "another JSPI call; switches made from here will fail.");
  }
  tls_core = this;
  owner_thread_ = std::this_thread::get_id();
#if !defined(__EMSCRIPTEN__)
  install_abort_report();
#endif
  if (config_.clock) {
    clock_ = config_.clock;
  } else {
    own_clock_ = std::make_unique<SteadyTimeSource>();
    clock_ = own_clock_.get();
  }
  if (config_.max_live_fibers == 0) config_.max_live_fibers = 1;
  if (config_.default_stack_size == 0) config_.default_stack_size = kDefaultStackSize;
  policy_ = std::make_unique<FifoPolicy>();
  StackPool::for_this_thread().set_max_cached_per_class(config_.max_cached_stacks);
  spool_context_set_max_parked(config_.max_parked_engine_stacks);

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
  drain();
  reclaim_zombies();
  abandon_blocked();
  destroy_locals(&main_);
  tls_core = nullptr;
}

// ---- lifecycle -----------------------------------------------------------------------------

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
  if (live_ < config_.max_live_fibers && admission_.empty()) {
    admit(f);
  } else {
    f->state = FiberState::queued;
    admission_.push_back(f);
  }
  notify_idle();
  return f;
}

void SchedulerCore::admit(FiberRecord* f) {
  const std::size_t wanted = f->stack.size;
  Stack stack = StackPool::for_this_thread().acquire(wanted);
  ++live_;
  peak_live_ = std::max(peak_live_, live_);
  if (!stack) {
    report(Status::stack_overflow,
           "no memory for a %zu-byte C stack for fiber '%s' (the largest size class is %zu "
           "bytes); it does not run. Ask for a smaller FiberOptions::stack_size or free memory.",
           wanted, display_name(f), StackPool::kMaxSize);
    f->failed = true;
    f->error_what = "no memory for its stack";
    f->stack = {};
    // It never runs: finish it as if it had returned at once.
    f->state = FiberState::finished;
    --live_;
    ++finished_;
    while (FiberRecord* j = f->joiners.front()) wake(j, Status::ok);
    f->queue_next = zombies_;
    zombies_ = f;
    return;
  }
  f->stack = stack;
  spool_context_make(&f->ctx, stack.lo, stack.size, &SchedulerCore::fiber_entry, f);
  make_ready(f);
}

void SchedulerCore::admit_queued() {
  while (live_ < config_.max_live_fibers && !admission_.empty()) {
    FiberRecord* f = admission_.pop_front();
    if (f->killed) {
      finalize_killed(f);  // never started: nothing to unwind
    } else {
      admit(f);
    }
  }
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
  return core->on_finished(f);
}

spool_context* SchedulerCore::on_finished(FiberRecord* f) {
  f->state = FiberState::finished;
  --live_;
  ++finished_;
  if (f->failed && f->detached) {
    report(Status::fiber_failed, "detached fiber '%s' ended with an exception: %s", display_name(f),
           f->error_what.c_str());
  }
  while (FiberRecord* j = f->joiners.front()) wake(j, Status::ok);
  if (f->finished_event) f->finished_event->signal();
  // Its children outlive it only as long as it takes them to see the cancellation.
  for (FiberRecord* child = f->first_child; child; child = child->sibling_next) cancel(child);
  leave_parent(f);
  unbind(f);
  admit_queued();
  if (live_ == 0 && admission_.empty()) {
    while (FiberRecord* w = all_done_.front()) wake(w, Status::ok);
  }
  // Its stack is returned once the next context runs: we are still on it.
  f->queue_next = zombies_;
  zombies_ = f;
  FiberRecord* next = next_to_run(f);
  ++switches_;
  return &next->ctx;
}

// A small context that does for a failed fiber what its own return would have done: the fiber's
// engine stack is gone, so this one runs on_finished() on a stack of its own.
struct SchedulerCore::Reaper {
  spool_context ctx{};
  Stack stack;
  SchedulerCore* core = nullptr;
  FiberRecord* victim = nullptr;
  Reaper* next = nullptr;
  static spool_context* entry(void* arg) {
    auto* reaper = static_cast<Reaper*>(arg);
    SchedulerCore* core = reaper->core;
    reaper->next = core->reapers_;
    core->reapers_ = reaper;  // freed once the next context runs (we are on its stack now)
    return core->on_finished(reaper->victim);
  }
};

void SchedulerCore::on_context_lost() {
#if defined(__EMSCRIPTEN__)
  FiberRecord* f = running_;
  if (!f || f->is_main) return;  // main's own call failed: the runtime reports it
  f->failed = true;
  f->error_what = "its engine stack stopped with an error (reported above)";
  f->task.reset();
  destroy_locals(f);
  auto* reaper = new Reaper;
  reaper->core = this;
  reaper->victim = f;
  reaper->stack = StackPool::for_this_thread().acquire(16 * 1024);
  spool_context_make(&reaper->ctx, reaper->stack.lo, reaper->stack.size, &Reaper::entry, reaper);
  spool_context_dispatch_from_plain_call(&reaper->ctx);
#endif
}

void SchedulerCore::reclaim_zombies() noexcept {
  while (Reaper* reaper = reapers_) {
    reapers_ = reaper->next;
    spool_context_release(&reaper->ctx);
    StackPool::for_this_thread().release(reaper->stack);
    delete reaper;
  }
  FiberRecord* z = zombies_;
  zombies_ = nullptr;
  while (z) {
    FiberRecord* next = z->queue_next;
    z->queue_next = nullptr;
    spool_context_release(&z->ctx);
    StackPool::for_this_thread().release(z->stack);
    z->stack = {};
    unlink(z);
    z->core = nullptr;
    release(z);
    z = next;
  }
}

void SchedulerCore::leave_parent(FiberRecord* f) noexcept {
  // Children of a finished fiber no longer have a parent.
  for (FiberRecord* child = f->first_child; child;) {
    FiberRecord* next = child->sibling_next;
    child->parent = nullptr;
    child->sibling_prev = child->sibling_next = nullptr;
    child = next;
  }
  f->first_child = nullptr;
  FiberRecord* parent = f->parent;
  if (!parent) return;
  if (f->sibling_prev) f->sibling_prev->sibling_next = f->sibling_next; else parent->first_child = f->sibling_next;
  if (f->sibling_next) f->sibling_next->sibling_prev = f->sibling_prev;
  f->sibling_prev = f->sibling_next = nullptr;
  f->parent = nullptr;
  if (--parent->live_children == 0) parent->children_done.notify_all();
}

void SchedulerCore::unbind(FiberRecord* f) noexcept {
  if (f->bound_index == FiberRecord::kNoTimer) return;
  FiberRecord* last = bound_.back();
  bound_[f->bound_index] = last;
  last->bound_index = f->bound_index;
  bound_.pop_back();
  f->bound_index = FiberRecord::kNoTimer;
  f->bound_to.reset();
}

void SchedulerCore::destroy_locals(FiberRecord* f) noexcept {
  while (!f->locals.empty()) {
    FiberRecord::Local local = f->locals.back();
    f->locals.pop_back();
    local.destroy(local.value);
  }
}

void* SchedulerCore::local_get(const void* key) const noexcept {
  for (const auto& local : running_->locals) {
    if (local.key == key) return local.value;
  }
  return nullptr;
}

void SchedulerCore::local_set(const void* key, void* value, void (*destroy)(void*)) {
  running_->locals.push_back(FiberRecord::Local{key, value, destroy});
}

void SchedulerCore::release(FiberRecord* record) noexcept {
  if (--record->refs == 0) delete record;
}

void SchedulerCore::link(FiberRecord* f) noexcept {
  f->all_prev = nullptr;
  f->all_next = all_;
  if (all_) all_->all_prev = f;
  all_ = f;
}

void SchedulerCore::unlink(FiberRecord* f) noexcept {
  if (f->all_prev) f->all_prev->all_next = f->all_next; else if (all_ == f) all_ = f->all_next;
  if (f->all_next) f->all_next->all_prev = f->all_prev;
  f->all_prev = f->all_next = nullptr;
}

// ---- blocking ------------------------------------------------------------------------------

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
  if (status == Status::cancelled && running_->cancel_by_exception) throw FiberCancelled{};
#endif
  return status;
}

Status SchedulerCore::yield() {
  if (!can_block("spool::this_fiber::yield()")) return Status::not_suspendable;
  if (running_->cancel_requested) return finish_wait(Status::cancelled);
  poll();
  if (policy_->ready_count() == 0) return Status::ok;  // nobody else to run
  make_ready(running_);
  return finish_wait(suspend_running());
}

// Puts the running fiber in the waiting state, to be woken by wake(); returns why it woke.
Status SchedulerCore::block(const char* what) {
  FiberRecord* self = running_;
  self->state = FiberState::waiting;
  self->wait_reason = what;
  ++waiting_;
  return finish_wait(suspend_running());
}

Status SchedulerCore::sleep_until(TimePoint deadline) {
  if (!can_block("spool::this_fiber::sleep_for()/sleep_until()")) return Status::not_suspendable;
  if (running_->cancel_requested) return finish_wait(Status::cancelled);
  if (deadline <= clock_->now()) return yield();
  timers_.push(running_, deadline);
  running_->heap = FiberRecord::Heap::timers;
  return block("sleep");
}

Status SchedulerCore::wait_frames(std::uint64_t frames) {
  if (!can_block("spool::this_fiber::wait_frames()")) return Status::not_suspendable;
  if (running_->cancel_requested) return finish_wait(Status::cancelled);
  if (frames == 0) return yield();
  frames_.push(running_, frame_ + frames, frame_);
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

Status SchedulerCore::join_children() {
  if (!can_block("spool::this_fiber::join_children()")) return Status::not_suspendable;
  FiberRecord* self = running_;
  while (self->live_children > 0) {
    if (self->cancel_requested) return finish_wait(Status::cancelled);
    self->children_done.push_back(self);
    Status status = block("join_children");
    if (status != Status::ok) return status;
  }
  return Status::ok;
}

Status SchedulerCore::tick() {
  if (!can_block("spool::Scheduler::tick()")) return Status::not_suspendable;
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
  if (policy_->ready_count() == 0) return Status::ok;
  // Every fiber ready now runs once; the ticking context comes back after them.
  make_ready(running_);
  return suspend_running();
}

Status SchedulerCore::kill(FiberRecord* f) noexcept {
  if (f->state == FiberState::finished || f->killed) return Status::ok;
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
  f->killed = true;
  if (f->state == FiberState::waiting) {
    stop_waiting(f);  // without making it ready
    --waiting_;
    finalize_killed(f);
  }
  // Ready or queued: finalized when the scheduler next picks or admits it.
  return Status::ok;
}

// A killed fiber ends here, on the scheduler's current context: it never runs again.
void SchedulerCore::finalize_killed(FiberRecord* f) noexcept {
  const bool started = f->state != FiberState::queued;
  for (auto it = f->on_kill.rbegin(); it != f->on_kill.rend(); ++it) (*it)();
  f->on_kill.clear();
  f->task.reset();
  destroy_locals(f);
  f->state = FiberState::finished;
  if (started) --live_;
  ++finished_;
  while (FiberRecord* j = f->joiners.front()) wake(j, Status::cancelled);
  if (f->finished_event) f->finished_event->signal();
  for (FiberRecord* child = f->first_child; child; child = child->sibling_next) cancel(child);
  leave_parent(f);
  unbind(f);
  // Its context never resumes: let the backend drop what it holds (JSPI: the engine stack).
  spool_context_release(&f->ctx);
  StackPool::for_this_thread().release(f->stack);
  f->stack = {};
  unlink(f);
  f->core = nullptr;
  release(f);
  admit_queued();
  if (live_ == 0 && admission_.empty()) {
    while (FiberRecord* w = all_done_.front()) wake(w, Status::ok);
  }
}

void SchedulerCore::cancel(FiberRecord* f) noexcept {
  if (f->state == FiberState::finished || f->cancel_requested) return;
  f->cancel_requested = true;
  for (FiberRecord* child = f->first_child; child; child = child->sibling_next) cancel(child);
  if (f->state == FiberState::waiting && f->wait_cancellable) wake(f, Status::cancelled);
  notify_idle();
}

Status SchedulerCore::join(FiberRecord* target) {
  if (target == running_) {
    report(Status::join_self,
           "fiber '%s' called join() on itself, which would wait forever. Join it from another "
           "fiber, or detach() it.",
           display_name(target));
    return Status::join_self;
  }
  if (target->state == FiberState::finished) return Status::ok;
  return wait(target->joiners, TimePoint::max(), "spool::Fiber::join()");
}

Status SchedulerCore::wait(WaitList& list, TimePoint deadline, const char* what,
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

// ---- switching -----------------------------------------------------------------------------

Status SchedulerCore::suspend_running() {
  FiberRecord* self = running_;
  FiberRecord* next = next_to_run(self);
  if (next != self) {
    switch_to(self, next);
  } else {
    on_resumed(self);
  }
  Status status = self->wake_status;
  self->wake_status = Status::ok;
  return status;
}

FiberRecord* SchedulerCore::next_to_run(FiberRecord* self) {
  for (;;) {
    poll();
    if (FiberRecord* next = policy_->pick_next()) {
      if (next->killed) {
        finalize_killed(next);
        continue;
      }
      return next;
    }
    idle(self);
  }
}

void SchedulerCore::switch_to(FiberRecord* self, FiberRecord* next) {
  ++switches_;
  // A coroutine mid-body on this fiber stays this fiber's: `next` starts or resumes outside it.
  void* running_coroutine = exchange_running_coroutine(nullptr);
  int rc = spool_context_swap(&self->ctx, &next->ctx);
  exchange_running_coroutine(running_coroutine);
  if (rc == SPOOL_CONTEXT_E_STACK_OVERFLOW) {
    report(Status::stack_overflow,
           "stack overflow in fiber '%s': it wrote past the end of its %zu-byte C stack (the "
           "canary at its low end was overwritten), so memory next to it may be corrupted. Spawn "
           "it with a larger FiberOptions::stack_size. Stopping the process.",
           display_name(self), self->stack.size);
    std::abort();
  }
  if (rc != SPOOL_CONTEXT_OK) internal_error("a scheduler switch failed", rc);
  on_resumed(self);
}

void SchedulerCore::on_resumed(FiberRecord* self) {
  running_ = self;
  self->state = FiberState::running;
  if (zombies_ || reapers_) reclaim_zombies();
}

void SchedulerCore::poll() {
  if (inbox_.has_pending()) drain_inbox();
  if (!timers_.empty()) fire_timers();
}

void SchedulerCore::fire_timers() {
  const TimePoint now = clock_->now();
  while (!timers_.empty() && timers_.earliest() <= now) {
    FiberRecord* f = timers_.earliest_fiber();
    wake(f, f->waiting_on ? Status::timeout : Status::ok);
  }
}

void SchedulerCore::drain_inbox() {
  inbox_.drain([this](Scheduler::Task task) {
    FiberOptions options;
    options.name = "posted";
    FiberRecord* f = spawn(std::move(task), options);
    f->detached = true;
    release(f);  // no handle
  });
}

void SchedulerCore::notify_idle() noexcept {
#if defined(__EMSCRIPTEN__)
  if (parked_) spool_context_wake(&parked_->ctx);
#endif
}

// Nothing is ready: wait for a timer or for posted work; declare a deadlock if neither can come.
void SchedulerCore::idle(FiberRecord* self) {
  const bool has_timers = !timers_.empty();
  if (clock_->is_manual()) {
    if (has_timers) {
      clock_->advance_to(timers_.earliest());
      return;
    }
    if (!inbox_.has_pending()) declare_deadlock();
    return;
  }
#if defined(__EMSCRIPTEN__)
  double timeout_ms = -1;
  if (has_timers) {
    auto wait = timers_.earliest() - clock_->now();
    timeout_ms = std::max(0.0, std::chrono::duration<double, std::milli>(wait).count());
  } else if (config_.deadlock_after != Duration::max()) {
    timeout_ms = std::chrono::duration<double, std::milli>(config_.deadlock_after).count();
  }
  parked_ = self;
  int result = spool_context_park(&self->ctx, timeout_ms);
  parked_ = nullptr;
  if (result < 0) internal_error("the scheduler could not park on the event loop", result);
  if (result == SPOOL_PARK_DRAINED ||
      (!has_timers && !inbox_.has_pending() && policy_->ready_count() == 0)) {
    declare_deadlock();
  }
#else
  (void)self;
  std::chrono::steady_clock::time_point deadline;
  if (has_timers) {
    deadline = timers_.earliest();
  } else {
    const auto now = std::chrono::steady_clock::now();
    const auto room = std::chrono::steady_clock::time_point::max() - now;
    deadline = config_.deadlock_after >= room ? std::chrono::steady_clock::time_point::max()
                                              : now + config_.deadlock_after;
  }
  const bool got_work = inbox_.sleep_until(deadline);
  if (!has_timers && !got_work) declare_deadlock();
#endif
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
  char queued[160] = "";
  if (!admission_.empty()) {
    std::snprintf(queued, sizeof queued,
                  " %zu spawns wait for a free slot: all %zu live fibers (Config::max_live_fibers) "
                  "are blocked; raise the cap or let fibers finish before spawning more.",
                  admission_.size(), live_);
  }
  report(Status::deadlock,
         "deadlock: every fiber is blocked and nothing can wake them (no timer pending, nothing "
         "posted). Blocked: %s.%s The main fiber's wait returns Status::deadlock.",
         blocked.c_str(), queued);
  if (main_.state == FiberState::waiting) {
    wake(&main_, Status::deadlock);
  } else {
    internal_error("a deadlock with the main fiber not waiting", static_cast<int>(main_.state));
  }
}

// ---- teardown ------------------------------------------------------------------------------

void SchedulerCore::drain() {
  if (running_ != &main_) {
    std::fprintf(stderr,
                 "spool: fatal: a Scheduler was destroyed from inside one of its fibers ('%s'); "
                 "destroy it from the context that created it.\n",
                 display_name(running_));
    std::abort();
  }
  draining_ = true;
  for (;;) {
    drain_inbox();
    if (live_ == 0 && admission_.empty()) break;
    Status status = wait(all_done_, TimePoint::max(), "Scheduler::~Scheduler (waiting for fibers)");
    if (status != Status::ok) break;  // deadlock or cannot switch: the rest is abandoned
  }
  reclaim_zombies();
}

// Frees what fibers that can never run again hold (after a deadlock): their stacks and records.
void SchedulerCore::abandon_blocked() noexcept {
  while (FiberRecord* f = admission_.pop_front()) {
    f->state = FiberState::finished;
  }
  // First take every fiber off the wait lists (which live inside other records) and the timers,
  // then free: a fiber may wait on the joiners of another that is freed before it.
  for (FiberRecord* f = all_; f; f = f->all_next) stop_waiting(f);
  for (FiberRecord* f = all_; f; f = f->all_next) {
    leave_parent(f);
    unbind(f);
  }
  for (FiberRecord* f = all_; f;) {
    FiberRecord* next = f->all_next;
    f->state = FiberState::finished;
    f->failed = true;
    if (f->error_what.empty()) f->error_what = "abandoned when its Scheduler was destroyed";
    spool_context_release(&f->ctx);
    StackPool::for_this_thread().release(f->stack);
    f->stack = {};
    unlink(f);
    f->core = nullptr;
    release(f);
    f = next;
  }
}

Scheduler::Stats SchedulerCore::stats() const {
  Scheduler::Stats s;
  s.live_fibers = live_;
  s.ready_fibers = policy_->ready_count();
  s.waiting_fibers = waiting_;
  s.queued_spawns = admission_.size();
  s.peak_live_fibers = peak_live_;
  s.spawns = spawns_;
  s.finished = finished_;
  s.switches = switches_;
  const StackPool& pool = StackPool::for_this_thread();
  s.stacks_in_use = pool.in_use();
  s.stacks_cached = pool.cached();
  s.stack_bytes = pool.bytes_reserved();
  spool_context_stats cs;
  spool_context_get_stats(&cs);
  s.engine_stacks_created = cs.carriers_created;
  s.engine_stacks_reused = cs.carriers_reused;
  s.engine_stacks_live = cs.carriers_live;
  s.engine_stacks_parked = cs.carriers_parked;
  s.frame = frame_;
  s.frame_waiters = frames_.size();
  s.predicate_waiters = predicate_waiters_.size();
  return s;
}

}  // namespace spool::detail
