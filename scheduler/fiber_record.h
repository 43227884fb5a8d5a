// What the scheduler keeps per fiber. Internal.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../src/context/context.h"
#include "../src/stack/stack_pool.h"
#include "spool/fiber.h"
#include "spool/detail/select_core.h"
#include "spool/detail/wait_queue.h"
#include "spool/event.h"
#include "spool/scheduler.h"

namespace spool::detail {

class SchedulerCore;
struct FiberRecord;
struct CrossWaiter;

// Fibers blocked on one thing: a fiber's end, a primitive (include/spool/detail/wait_queue.h).
using WaitList = WaitQueue;

// Records alive now, for leak checks in tests.
inline std::atomic<long> g_fiber_records_alive{0};

// Something a fiber holds that must not stay held once the fiber has ended (a Mutex it locked):
// linked into the fiber's list while held, and given up by the scheduler if the fiber ends
// (killed, or returning) still holding it.
struct HeldLock {
  HeldLock* prev = nullptr;
  HeldLock* next = nullptr;
  // Called with `object` once the holder `fiber` has ended holding the lock (it is off the
  // fiber's list by then): pass it on, report it.
  void (*give_up)(void* object, FiberRecord* fiber) = nullptr;
  void* object = nullptr;
};

// How a fiber ended (SchedulerCore::end).
enum class Ending : std::uint8_t {
  returned,   // its function returned or threw, on its own stack
  lost,       // wasm: its engine stack stopped with an error (a trap, a checked overflow)
  killed,     // Fiber::kill(): never resumed
  refused,    // never started: there was no stack for it
  abandoned,  // ~Scheduler after a deadlock: it could never run again
};

struct FiberRecord {
  FiberRecord() noexcept { g_fiber_records_alive.fetch_add(1, std::memory_order_relaxed); }
  ~FiberRecord() { g_fiber_records_alive.fetch_sub(1, std::memory_order_relaxed); }
  FiberRecord(const FiberRecord&) = delete;
  FiberRecord& operator=(const FiberRecord&) = delete;

  static constexpr std::size_t kNoTimer = ~std::size_t{0};

  // The fields every switch, wait and wake touches come first, together: with thousands of
  // fibers each record is cold memory, and each cache line of it a miss.
  spool_context ctx{};
  FiberState state = FiberState::ready;
  // What the wait that resumed this fiber ended with (ok, timeout, deadlock, ...).
  Status wake_status = Status::ok;
  enum class Heap : std::uint8_t { none, timers, frames, frame_wheel };
  // Where it waits with a deadline: the timer heap (sleeping, or a timed wait), the frame heap
  // (far frame deadlines), or a list of the frame wheel; timer_index says where in it.
  Heap heap = Heap::none;
  bool cancel_requested = false;
  bool cancel_by_exception = false;
  bool wait_cancellable = true;  // whether cancel() may end the current wait
  // In the ready queue or the admission queue: a record that ended there (killed) stays until it
  // is taken out, then it is retired.
  bool in_queue = false;
  bool killed = false;
  // Intrusive links: the ready queue or the admission queue (one at a time).
  FiberRecord* queue_next = nullptr;
  SchedulerCore* core = nullptr;  // null once the scheduler is gone
  // The wait list this fiber is blocked on, if any, and its links there.
  WaitList* waiting_on = nullptr;
  FiberRecord* wait_prev = nullptr;
  FiberRecord* wait_next = nullptr;
  const char* wait_reason = nullptr;  // the call that blocks it, for deadlock reports
  // While it is switched out: the spool::Coroutine it was running, if any (src/coroutine_chain.h).
  void* running_coroutine = nullptr;
  std::size_t timer_index = kNoTimer;
  // What a primitive handed this fiber as it woke it (a Mutex, a Semaphore unit, a signal), while
  // its wait has not yet returned: if it ends first, the queue passes it on. Linked through
  // wait_prev/wait_next in that queue's list of handed fibers (it waits on nothing meanwhile).
  WaitQueue* handed_by = nullptr;
  // Locks it holds (HeldLock), most recent first.
  HeldLock* held_locks = nullptr;
  // While blocked on a cross-thread primitive: its waiter there (scheduler/cross_waiter.h), which
  // must leave that primitive if the fiber ends mid-wait.
  CrossWaiter* cross_waiter = nullptr;
  // While in wait_until_true(): the predicate, which lives on this fiber's stack.
  detail::UniqueFunction<bool()>* predicate = nullptr;
  // While in select(): the only strong reference to its Selector (the primitives watch it
  // weakly). Held here, not on the fiber's stack, so a fiber killed inside select() frees it as
  // it is retired.
  std::shared_ptr<Selector> selector;

  Stack stack;
  Scheduler::Task task;
  FiberId id = 0;
  std::uint64_t ordinal = 0;  // its place in its scheduler's spawn order (main: 0)
  std::uint64_t spawn_frame = 0;
  TimePoint spawned_at{};
  std::string name;
  bool is_main = false;
  bool detached = false;
  bool joined = false;
  bool failed = false;
  // Owners: the scheduler until the fiber is finished and reclaimed, and the handle until it is
  // dropped or detached. The record is freed when both let go.
  int refs = 0;
#if defined(__cpp_exceptions)
  std::exception_ptr error;
#endif
  std::vector<detail::UniqueFunction<void()>> on_kill;
  // Lifetime binding (FiberOptions::bound_to), checked at each tick; index in the bound list.
  std::weak_ptr<void> bound_to;
  std::size_t bound_index = kNoTimer;

  // The task tree: children are cancelled when their parent ends.
  FiberRecord* parent = nullptr;
  FiberRecord* first_child = nullptr;
  FiberRecord* sibling_prev = nullptr;
  FiberRecord* sibling_next = nullptr;
  std::size_t live_children = 0;
  WaitQueue children_done;

  // Set when the fiber finishes, made on first request (Fiber::finished()).
  std::optional<Event> finished_event;

  // FiberLocal values of this fiber, destroyed when it finishes.
  struct Local {
    const void* key;
    void* value;
    void (*destroy)(void*);
  };
  std::vector<Local> locals;
  // Every record the scheduler owns, for diagnostics and teardown.
  FiberRecord* all_prev = nullptr;
  FiberRecord* all_next = nullptr;
  // Fibers joining this one.
  WaitList joiners;
  std::string error_what;  // what() of the exception it ended with, for reports
};

// The fiber's name, made "fiber-<id>" on first use when it was spawned without one.
inline const char* display_name(FiberRecord* f) {
  if (f->name.empty()) f->name = "fiber-" + std::to_string(f->id);
  return f->name.c_str();
}

// An intrusive FIFO through FiberRecord::queue_next: the ready queue and the admission queue.
class FiberQueue {
 public:
  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }
  FiberRecord* front() const noexcept { return head_; }
  void push_back(FiberRecord* f) noexcept {
    f->in_queue = true;
    f->queue_next = nullptr;
    if (tail_) tail_->queue_next = f; else head_ = f;
    tail_ = f;
    ++size_;
  }
  void push_front(FiberRecord* f) noexcept {
    f->in_queue = true;
    f->queue_next = head_;
    head_ = f;
    if (!tail_) tail_ = f;
    ++size_;
  }
  FiberRecord* pop_front() noexcept {
    FiberRecord* f = head_;
    if (!f) return nullptr;
    head_ = f->queue_next;
    if (!head_) tail_ = nullptr;
    f->queue_next = nullptr;
    f->in_queue = false;
    --size_;
    return f;
  }

 private:
  FiberRecord* head_ = nullptr;
  FiberRecord* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace spool::detail
