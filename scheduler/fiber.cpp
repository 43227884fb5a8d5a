// spool::Fiber (include/spool/fiber.h): a handle to a fiber's record.
#include "spool/fiber.h"

#include "scheduler_core.h"

namespace spool {

using detail::FiberRecord;
using detail::SchedulerCore;

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

Status Fiber::join() { return join_until(TimePoint::max()); }
Status Fiber::join_for(Duration timeout) { return join_until(detail::deadline_after(timeout)); }

Status Fiber::join_until(TimePoint deadline) {
  if (!joinable()) {
    detail::report(Status::invalid_handle,
                   "Fiber::join() on a handle that holds no joinable fiber (empty, moved from, "
                   "detached, or already joined). Join each fiber once, through the handle "
                   "spawn() returned.");
    return Status::invalid_handle;
  }
  SchedulerCore* core = record_->core;
  if (core && !core->on_owner_thread()) {
    detail::report(Status::wrong_thread,
                   "Fiber::join() on fiber '%s' from a thread other than its Scheduler's. Join "
                   "it from a fiber of the same thread.",
                   name());
    return Status::wrong_thread;
  }
  if (core) {
    SchedulerCore::Enter entered(core);  // its scheduler runs its fibers meanwhile
    Status status = core->join(record_, deadline);
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
                     detail::display_name(record), record->error_what.c_str());
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

void Fiber::cancel_when(const Event& event) const {
  if (record_) event.subscribe_cancel(record_);
}

FiberRef Fiber::ref() const noexcept { return FiberRef(*this); }

FiberRef detail::wrap_fiber_ref(FiberRecord* record) noexcept {
  FiberRef ref;
  ref.record_ = record;
  if (record) ++record->refs;
  return ref;
}

// ---- FiberRef -----------------------------------------------------------------------------------

FiberRef::FiberRef(const Fiber& fiber) noexcept : record_(fiber.record_) {
  if (record_) ++record_->refs;
}

FiberRef::FiberRef(const FiberRef& other) noexcept : record_(other.record_) {
  if (record_) ++record_->refs;
}

FiberRef::~FiberRef() {
  if (record_) SchedulerCore::release(record_);
}

bool FiberRef::alive() const noexcept { return record_ && record_->state != FiberState::finished; }
FiberId FiberRef::id() const noexcept { return record_ ? record_->id : 0; }
FiberState FiberRef::state() const noexcept { return record_ ? record_->state : FiberState::finished; }
const char* FiberRef::name() const noexcept { return record_ ? detail::display_name(record_) : ""; }

void FiberRef::cancel() const noexcept {
  if (record_ && record_->core) record_->core->cancel(record_);
}

Status FiberRef::kill() const noexcept {
  if (!record_) {
    detail::report(Status::invalid_handle, "FiberRef::kill() on an empty reference.");
    return Status::invalid_handle;
  }
  return record_->core ? record_->core->kill(record_) : Status::ok;
}

Event FiberRef::finished() const {
  Fiber view(record_);  // borrows the record for the call
  Event done = view.finished();
  view.record_ = nullptr;
  return done;
}

void FiberRef::cancel_when(const Event& event) const {
  if (record_) event.subscribe_cancel(record_);
}

}  // namespace spool
