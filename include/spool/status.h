// spool::Status: what a spool call that can fail returns, and where misuse is reported.
#pragma once

#include <cstdint>

namespace spool {

// The outcome of a call that can block or be misused. Every value but `ok` comes with a message
// to the error handler (below) that names the cause and the fix, except `cancelled`, `timeout`
// and `closed`, which are ordinary outcomes of a wait.
enum class Status : std::uint8_t {
  ok = 0,
  // The call needed to switch fibers, but runs where the stack cannot be suspended: in wasm, a
  // plain call of an export from JavaScript (a callback) rather than inside a JSPI call.
  not_suspendable,
  no_scheduler,      // no spool::Scheduler exists on this thread
  wrong_thread,      // the Scheduler or fiber belongs to another thread
  join_self,         // a fiber tried to join itself
  invalid_handle,    // an empty, moved-from or detached Fiber handle
  finished,          // resume() of a coroutine that has finished
  already_running,   // resume() of a coroutine that is running (or resumed the one running it)
  deadlock,          // nothing can ever wake the waiting fibers
  stack_overflow,    // a fiber's stack canary was overwritten, or no memory for its stack
  fiber_failed,      // a fiber ended on an error: reported with its name if detached; join() says so
  cancelled,
  timeout,
  closed,
  failed,  // an awaited JavaScript promise rejected (or its expression threw)
  // No memory for a stack: the engine-stack budget is used up (wasm), the kernel refused more
  // memory mappings (natively: vm.max_map_count), or the allocation failed. The report says which.
  no_memory,
  // A Mutex was given up because the fiber holding it was killed without unlocking it.
  owner_died,
  // Mutex::unlock() by a fiber that does not hold the mutex.
  not_owner,
  // A call its object's state does not allow (WaitGroup::done() past zero).
  invalid_argument,
};

// A short name for a Status ("ok", "deadlock", ...).
const char* to_string(Status status) noexcept;

// Receives every misuse report: the Status and a message that names the cause and the fix.
// The default handler prints "spool: <message>" to stderr. Handlers run on the thread that made
// the call and must not switch fibers.
using ErrorHandler = void (*)(Status status, const char* message);

// Installs `handler` (nullptr restores the default) and returns the previous one. Thread-safe.
ErrorHandler set_error_handler(ErrorHandler handler) noexcept;

}  // namespace spool
