// spool::Fiber: a handle to a fiber spawned on a Scheduler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "clock.h"
#include "event.h"
#include "fiber_options.h"
#include "status.h"

namespace spool {

class Fiber;
class FiberRef;
namespace detail {
struct FiberRecord;
Fiber wrap_fiber(FiberRecord* record) noexcept;         // takes over one reference
FiberRef wrap_fiber_ref(FiberRecord* record) noexcept;  // takes a reference of its own
}  // namespace detail

// Unique per process, never reused; 0 means "no fiber".
using FiberId = std::uint64_t;

enum class FiberState : std::uint8_t {
  queued,    // spawned while the live-fiber cap was reached: starts, in order, when a slot frees
  ready,     // waiting for its turn on the scheduler
  running,   // the fiber executing now on its thread
  waiting,   // blocked: joining, sleeping, or waiting on a primitive
  finished,  // its function returned (or threw)
};

const char* to_string(FiberState state) noexcept;


// Thrown by blocking calls of a fiber spawned with cancel_by_exception once it is cancelled.
// Deliberately not a std::exception, so `catch (const std::exception&)` does not swallow it.
struct FiberCancelled {};

// A handle to a fiber. Move-only. Dropping a handle that is still joinable detaches the fiber,
// which then runs to its end: a fiber is never lost because its handle went away.
// A handle stays valid (state(), id(), join()) after its Scheduler is destroyed.
class Fiber {
 public:
  Fiber() noexcept = default;
  Fiber(Fiber&& other) noexcept;
  Fiber& operator=(Fiber&& other) noexcept;  // detaches the fiber this handle held, if joinable
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;
  ~Fiber();

  FiberId id() const noexcept;
  FiberState state() const noexcept;  // `finished` for an empty handle
  const char* name() const noexcept;  // "" for an empty handle
  bool joinable() const noexcept;     // holds a fiber that was neither joined nor detached

  // Waits until the fiber has finished. Call from a fiber (or the thread's main context) of the
  // same Scheduler. Returns ok; join_self if called by the fiber itself; invalid_handle if not
  // joinable; wrong_thread; not_suspendable where the caller cannot switch; cancelled if it was
  // killed (or the wait was cancelled); fiber_failed if it stopped on an error that left no
  // exception to rethrow (a trap or stack overflow in wasm, no memory for its stack). If it ended
  // with an exception, join() rethrows it (in builds with exceptions).
  Status join();
  // As join(), but gives up at the deadline with Status::timeout (the fiber runs on, joinable).
  Status join_until(TimePoint deadline);
  Status join_for(Duration timeout);

  // Lets the fiber run to its end on its own. An exception escaping a detached fiber is reported
  // to the error handler with the fiber's name.
  void detach() noexcept;

  // Asks the fiber to stop: its current and future blocking calls return Status::cancelled (or
  // throw FiberCancelled, see FiberOptions). Cooperative: code between blocking calls runs on.
  // Its children are cancelled too. Callable from any fiber or plain call of the scheduler's
  // thread; does nothing for a finished fiber or an empty handle.
  void cancel() noexcept;
  bool cancel_requested() const noexcept;

  // Stops the fiber for good without resuming it, for builds without exceptions where
  // cancellation cannot unwind: its on_kill callbacks run (on the caller), its stack is freed,
  // and the objects on that stack are NOT destroyed (their destructors never run). Joiners get
  // Status::cancelled; its children are cancelled. A fiber cannot kill itself (return instead):
  // that is reported as already_running. Returns ok, or why nothing was done.
  Status kill() noexcept;

  // A manual-reset Event set when the fiber finishes (already set if it has).
  Event finished() const;

  // Cancels the fiber when `event` is signalled (once; not if the event is cancelled first).
  void cancel_when(const Event& event) const;

  // A copyable reference to the fiber that stays valid after the fiber has ended (see FiberRef).
  FiberRef ref() const noexcept;

 private:
  friend class Scheduler;
  friend class FiberRef;
  friend Fiber detail::wrap_fiber(detail::FiberRecord* record) noexcept;
  explicit Fiber(detail::FiberRecord* record) noexcept : record_(record) {}
  detail::FiberRecord* record_ = nullptr;
};

// A copyable reference to a fiber (Taisei's BoxedTask): it can be checked and cancelled at any
// time, also after the fiber has ended (then it does nothing), and after its Scheduler is gone.
// It does not keep the fiber running, nor does dropping it detach anything: the Fiber handle
// decides that. It keeps only the fiber's small record alive. Use it from the fiber's thread.
class FiberRef {
 public:
  FiberRef() noexcept = default;
  FiberRef(const Fiber& fiber) noexcept;  // NOLINT(google-explicit-constructor): a view of it
  FiberRef(const FiberRef& other) noexcept;
  FiberRef(FiberRef&& other) noexcept : record_(other.record_) { other.record_ = nullptr; }
  FiberRef& operator=(FiberRef other) noexcept {
    std::swap(record_, other.record_);
    return *this;
  }
  ~FiberRef();

  explicit operator bool() const noexcept { return record_ != nullptr; }
  // True until the fiber has finished (false for an empty reference).
  bool alive() const noexcept;
  FiberId id() const noexcept;
  FiberState state() const noexcept;  // `finished` for an empty reference
  const char* name() const noexcept;
  // As Fiber::cancel() / kill() / finished() / cancel_when(); harmless once the fiber has ended.
  void cancel() const noexcept;
  Status kill() const noexcept;
  Event finished() const;
  void cancel_when(const Event& event) const;

  friend bool operator==(const FiberRef& a, const FiberRef& b) noexcept { return a.record_ == b.record_; }

 private:
  friend class Fiber;
  friend FiberRef detail::wrap_fiber_ref(detail::FiberRecord* record) noexcept;
  detail::FiberRecord* record_ = nullptr;
};

}  // namespace spool
