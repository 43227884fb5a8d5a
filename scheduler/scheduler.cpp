// spool::Scheduler, spool::Fiber and spool::this_fiber: the public API over SchedulerCore.
#include "spool/scheduler.h"

#include "scheduler_core.h"
#include "spool/this_fiber.h"

namespace spool {

using detail::FiberRecord;
using detail::SchedulerCore;

Scheduler::Scheduler() : Scheduler(Config{}) {}
Scheduler::Scheduler(const Config& config) : core_(std::make_unique<SchedulerCore>(this, config)) {}
// Not `= default`: the fibers that run to their end here may call this Scheduler, so core_ must
// still be set while they do (libc++'s unique_ptr clears itself before deleting).
Scheduler::~Scheduler() { core_->shut_down(); }

Scheduler* Scheduler::current() noexcept {
  SchedulerCore* core = SchedulerCore::current();
  return core ? core->owner() : nullptr;
}

Fiber Scheduler::spawn_task(Task task, const FiberOptions& options) {
  if (!core_->usable()) return Fiber{};
  return Fiber(core_->spawn(std::move(task), options));
}

void Scheduler::post_task(Task task) { core_->post(std::move(task)); }

Scheduler::Stats Scheduler::stats() const { return core_->stats(); }
Status Scheduler::tick() { return core_->tick(); }

void Scheduler::trim_caches() {
  detail::StackPool::for_this_thread().trim();
  spool_context_set_max_parked(0);
  spool_context_set_max_parked(core_->config().max_parked_engine_stacks);
}
std::uint64_t Scheduler::frame() const noexcept { return core_->frame(); }
TimePoint Scheduler::now() const { return core_->now(); }
const Scheduler::Config& Scheduler::config() const noexcept { return core_->config(); }

// ---- Fiber ---------------------------------------------------------------------------------

Fiber detail::wrap_fiber(FiberRecord* record) noexcept { return Fiber(record); }

const char* to_string(FiberState state) noexcept {
  switch (state) {
    case FiberState::queued: return "queued";
    case FiberState::ready: return "ready";
    case FiberState::running: return "running";
    case FiberState::waiting: return "waiting";
    case FiberState::finished: return "finished";
  }
  return "unknown";
}

Fiber::Fiber(Fiber&& other) noexcept : record_(other.record_) { other.record_ = nullptr; }

Fiber& Fiber::operator=(Fiber&& other) noexcept {
  if (this != &other) {
    if (record_) detach();
    record_ = other.record_;
    other.record_ = nullptr;
  }
  return *this;
}

Fiber::~Fiber() {
  if (record_) detach();
}

FiberId Fiber::id() const noexcept { return record_ ? record_->id : 0; }
FiberState Fiber::state() const noexcept {
  return record_ ? record_->state : FiberState::finished;
}
const char* Fiber::name() const noexcept {
  return record_ ? detail::display_name(record_) : "";
}
bool Fiber::joinable() const noexcept { return record_ && !record_->joined; }

Status Fiber::join() {
  if (!joinable()) {
    detail::report(Status::invalid_handle,
                   "Fiber::join() on a handle that holds no joinable fiber (empty, moved from, "
                   "detached, or already joined). Join each fiber once, through the handle "
                   "spawn() returned.");
    return Status::invalid_handle;
  }
  SchedulerCore* core = record_->core;
  if (core && core != SchedulerCore::current()) {
    detail::report(Status::wrong_thread,
                   "Fiber::join() on fiber '%s' from a thread other than its Scheduler's. Join "
                   "it from a fiber of the same thread.",
                   name());
    return Status::wrong_thread;
  }
  if (core) {
    Status status = core->join(record_);
    if (status != Status::ok) return status;
  }
  record_->joined = true;
  if (record_->killed) return Status::cancelled;
#if defined(__cpp_exceptions)
  if (record_->error) std::rethrow_exception(record_->error);
#endif
  // Failed without an exception to rethrow: its engine stack failed (a trap, an overflow), it
  // never got a stack, or (without exceptions) it threw.
  if (record_->failed) return Status::fiber_failed;
  return Status::ok;
}

void Fiber::detach() noexcept {
  if (!record_) return;
  FiberRecord* record = record_;
  record_ = nullptr;
  if (!record->joined) {
    record->detached = true;
    if (record->state == FiberState::finished && record->failed) {
      detail::report(Status::fiber_failed, "detached fiber '%s' ended with an exception: %s",
                     detail::display_name(record),
                     record->error_what.c_str());
    }
  }
  SchedulerCore::release(record);
}

void Fiber::cancel() noexcept {
  if (record_ && record_->core) record_->core->cancel(record_);
}

bool Fiber::cancel_requested() const noexcept { return record_ && record_->cancel_requested; }

Status Fiber::kill() noexcept {
  if (!record_) {
    detail::report(Status::invalid_handle, "Fiber::kill() on an empty handle.");
    return Status::invalid_handle;
  }
  return record_->core ? record_->core->kill(record_) : Status::ok;
}

Event Fiber::finished() const {
  if (!record_) {
    Event done(Event::Mode::manual_reset);
    done.signal();
    return done;
  }
  if (!record_->finished_event) {
    record_->finished_event.emplace(Event::Mode::manual_reset);
    if (record_->state == FiberState::finished) record_->finished_event->signal();
  }
  return *record_->finished_event;
}

// ---- this_fiber ----------------------------------------------------------------------------

namespace this_fiber {

namespace {
// The thread's scheduler core, or nullptr after reporting that `what` needs one.
SchedulerCore* core_for(const char* what) {
  SchedulerCore* core = SchedulerCore::current();
  if (!core) detail::report_no_scheduler(what);
  return core;
}
}  // namespace

Status yield() {
  SchedulerCore* core = core_for("spool::this_fiber::yield()");
  return core ? core->yield() : Status::no_scheduler;
}

Status sleep_until(TimePoint deadline) {
  SchedulerCore* core = core_for("spool::this_fiber::sleep_until()");
  return core ? core->sleep_until(deadline) : Status::no_scheduler;
}

Status sleep_for(Duration duration) {
  SchedulerCore* core = core_for("spool::this_fiber::sleep_for()");
  return core ? core->sleep_until(core->now() + duration) : Status::no_scheduler;
}

Status wait_frames(std::uint64_t frames) {
  SchedulerCore* core = core_for("spool::this_fiber::wait_frames()");
  return core ? core->wait_frames(frames) : Status::no_scheduler;
}

Status wait_until_true(detail::UniqueFunction<bool()> predicate) {
  SchedulerCore* core = core_for("spool::this_fiber::wait_until()");
  return core ? core->wait_until(predicate) : Status::no_scheduler;
}

bool cancel_requested() noexcept {
  SchedulerCore* core = SchedulerCore::current();
  return core && core->running() && core->running()->cancel_requested;
}

Fiber spawn_child_task(detail::UniqueFunction<void()> fn, const FiberOptions& options) {
  SchedulerCore* core = core_for("spool::this_fiber::spawn_child()");
  if (!core) return Fiber{};
  return detail::wrap_fiber(core->spawn(std::move(fn), options, core->running()));
}

void on_kill(detail::UniqueFunction<void()> cleanup) {
  SchedulerCore* core = core_for("spool::this_fiber::on_kill()");
  if (core && core->running()) core->running()->on_kill.push_back(std::move(cleanup));
}

Status join_children() {
  SchedulerCore* core = core_for("spool::this_fiber::join_children()");
  return core ? core->join_children() : Status::no_scheduler;
}

FiberId id() noexcept {
  SchedulerCore* core = SchedulerCore::current();
  return core && core->running() ? core->running()->id : 0;
}

const char* name() noexcept {
  SchedulerCore* core = SchedulerCore::current();
  return core && core->running() ? detail::display_name(core->running()) : "";
}

}  // namespace this_fiber
}  // namespace spool

// For the JSPI runtime's stack overflow report (C linkage: context_jspi.c calls it).
extern "C" const char* spool_running_fiber_name(void) { return spool::this_fiber::name(); }

extern "C" void spool_scheduler_context_lost(void) {
  if (auto* core = spool::detail::SchedulerCore::current()) core->on_context_lost();
}

// ---- FiberLocal ------------------------------------------------------------------------------

namespace spool::detail {

namespace {
// Without a Scheduler, the thread's own context keeps its FiberLocal values here.
struct ThreadLocals {
  std::vector<FiberRecord::Local> values;
  ~ThreadLocals() {
    for (auto& local : values) local.destroy(local.value);
  }
};
thread_local ThreadLocals tls_locals;
}  // namespace

void* fiber_local_get(const void* key) noexcept {
  if (SchedulerCore* core = SchedulerCore::current()) return core->local_get(key);
  for (const auto& local : tls_locals.values) {
    if (local.key == key) return local.value;
  }
  return nullptr;
}

void fiber_local_set(const void* key, void* value, void (*destroy)(void*)) {
  if (SchedulerCore* core = SchedulerCore::current()) {
    core->local_set(key, value, destroy);
  } else {
    tls_locals.values.push_back(FiberRecord::Local{key, value, destroy});
  }
}

}  // namespace spool::detail
