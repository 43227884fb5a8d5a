// The reference model: what must happen when a program runs, from spool's documented semantics
// alone, with no fibers of its own. It steps the actors one operation at a time:
// - one FIFO ready queue (round-robin); the main context is a fiber in it like any other;
// - spawn never switches; past the live-fiber cap spawns wait in order and start as fibers end;
// - yield lets every other ready fiber run once (it returns at once if none is ready);
// - sleepers wake in deadline order, then in the order they went to sleep; a ManualClock moves
//   only when nothing is ready, straight to the earliest deadline; sleep_for(0) is a yield;
// - join blocks until the target has finished; a second join, or one on an empty handle, is
//   refused (invalid_handle); detach lets the fiber run on; a finishing fiber wakes its joiner;
// - posted work becomes a fiber the next time the scheduler looks at its inbox (each yield,
//   each pick of the next fiber, and the destructor);
// - a coroutine runs on the resumer's fiber until it yields or returns; a switch inside it
//   suspends that fiber, coroutine and all; resuming a finished one is refused (finished);
// - cancel marks the fiber; a blocking call it is in returns cancelled at once, and so does every
//   later one that would block (yield and sleep included), except a join of a finished fiber and
//   an event wait that finds the event set; a join that returns cancelled leaves the handle
//   joinable; cancelling a finished fiber or an empty handle does nothing;
// - events: auto-reset signals wake the longest waiter or let the next wait through; manual-reset
//   ones stay set and wake every waiter; a wait ends with timeout at its deadline;
// - tick advances the frame, wakes the frame waiters due (in the order their waits began), then lets
//   every ready fiber run once like a yield (without a cancellation check); wait_frames(0) yields;
// - the channel: FIFO values; a woken sender or receiver checks again and may wait again at the
//   back of the queue; close wakes every waiter with closed, and receivers get what is buffered;
// - the Scheduler's destructor waits until every fiber has finished;
// - a deadlock: when nothing is ready, no timer is pending and nothing was posted, spool reports
//   `deadlock` and main's wait returns deadlock (main is always waiting then: it is a fiber like
//   the others, and nothing else can run); main goes on from there. On the real clock it comes
//   after Config::deadlock_after of idle time, which the runs set to one step. A deadlock while main waits
//   in the Scheduler's destructor abandons every fiber left (they never run again, their
//   coroutines stay mid-body) and queued spawns never start.
//
// What the model does not check (the programs never do it, or the trace cannot show it):
// - Mutex, ConditionVariable, Semaphore, WaitGroup, Event::reset and untimed Event::wait,
//   Channel::try_* and unbounded channels, wait_until() predicates, bound_to lifetimes,
//   spawn_child / join_children, Fiber::kill and on_kill, cancel_by_exception, exceptions that
//   escape a fiber, FiberLocal, Fiber::finished(), sleep_until with a past deadline other than 0,
//   Scheduler::trim_caches, stats other than live/ready/waiting/queued/finished/frame;
// - misuse other than joins of empty or joined handles and resumes of finished coroutines
//   (join_self, a coroutine resumed while running, calls from other threads or plain JS calls);
// - stack overflows, traps, aborts, and a Scheduler destroyed from a fiber;
// - wasm specifics: JS callbacks, spool::js awaits, posts from JS, engine-stack limits;
// - timing beyond order: on the real clock the traces must be equal but for the times, and no
//   line may come at an earlier time (in steps of the clock) than the model's; how late a line
//   came is not checked (a loaded machine runs anything late);
// - with noise posts: the live and ready counts one by one (only their difference), and where in
//   the ready queue a noise fiber sat;
// - which thread a post came from beyond the two shapes generated (a courier thread in program
//   order, and noise from a third thread).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "program.h"

namespace spool_model {

// How often the interesting situations came up, to show that the generator reaches them.
struct Coverage {
  std::uint64_t programs = 0;
  std::uint64_t ops = 0;
  std::uint64_t switches = 0;
  std::uint64_t blocked_joins = 0;      // the target had not finished
  std::uint64_t finished_joins = 0;     // it had
  std::uint64_t refused_joins = 0;      // empty or already joined handle
  std::uint64_t tied_wakeups = 0;       // a sleeper woke at the same deadline as the one before
  std::uint64_t queued_spawns = 0;      // past the live-fiber cap
  std::uint64_t posted_fibers = 0;
  std::uint64_t resumes = 0;
  std::uint64_t nested_resumes = 0;     // a coroutine resuming a coroutine
  std::uint64_t switches_in_coroutines = 0;
  std::uint64_t finished_resumes = 0;   // resume of a finished coroutine
  std::uint64_t abandoned_coroutines = 0;
  std::uint64_t cancelled_waits = 0;    // a blocked fiber woken by cancel
  std::uint64_t cancelled_calls = 0;    // a call that returned cancelled without blocking
  std::uint64_t event_wakeups = 0;      // a waiter woken by a signal
  std::uint64_t event_timeouts = 0;
  std::uint64_t blocked_sends = 0;      // the channel was full
  std::uint64_t blocked_receives = 0;   // it was empty
  std::uint64_t rewaits = 0;            // woken, found the channel taken, waited again
  std::uint64_t closed_results = 0;     // send or receive returned closed
  std::uint64_t frame_wakeups = 0;      // a wait_frames ended by a tick
  std::uint64_t deadlocks = 0;          // declared, main woken with deadlock
  std::uint64_t abandoned_fibers = 0;   // left blocked or queued by a deadlock in the destructor
  std::uint64_t lost_fiber_coroutines = 0;   // mid-body on an abandoned fiber: they become dead

  void add(const Coverage& other);
  std::string summary() const;
};

struct Prediction {
  std::vector<std::string> trace;
  Coverage coverage;
  std::size_t deadlocks = 0;
  // Coroutines left mid-body (running, or resuming another) on fibers abandoned by a deadlock.
  std::size_t lost_fiber_coroutines = 0;
  // The model reached a state spool cannot be in (a deadlock with main not waiting): a bug in
  // the model or the generator, reported as a failure.
  std::string model_error;
};

// A deliberate error in the model, for the test that shows the checker and the shrinker at work
// (test_model.cpp): with it set, the model wakes sleepers with one deadline in the reverse order.
extern bool g_model_mutation_reverse_ties;

Prediction predict(const Program& program);

}  // namespace spool_model
