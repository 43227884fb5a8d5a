// Awaiting JavaScript from a fiber (wasm), and a game loop's frame pacing (everywhere). The fiber
// waits while every other fiber keeps running; the scheduler parks on the JS event loop if
// nothing else is ready. No JS glue to write:
//
//   auto r = spool::js::await_value("fetch('data.json').then(r => r.text())");
//   if (r.ok()) use(r.text); else log(r.error);
//
// The expression is evaluated as JavaScript in the module's scope (it sees Module, HEAP8, ...);
// it may return any value or thenable. A rejection, or an exception while evaluating, becomes
// Status::failed with the error's text; with await_or_throw() it is thrown as spool::js::Error in
// builds with exceptions.
#pragma once

#include <stdexcept>
#include <string>

#include "status.h"

namespace spool::js {

#if defined(__EMSCRIPTEN__)

struct Result {
  Status status = Status::ok;  // ok; failed (rejected, or threw); cancelled; not_suspendable
  std::string text;            // String(value) when ok
  double number = 0;           // Number(value) when ok (NaN if not a number)
  std::string error;           // String(reason) when failed
  bool ok() const noexcept { return status == Status::ok; }
};

// Blocks the calling fiber until the expression's value (or thenable) settles. Cancelling the
// fiber ends the wait with Status::cancelled (the promise itself runs on).
Result await_value(const char* expression);

#if defined(__cpp_exceptions)
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// As await_value(), but a rejection throws spool::js::Error (and cancellation FiberCancelled in
// fibers spawned with cancel_by_exception); returns the value's text.
std::string await_or_throw(const char* expression);
#endif

#endif  // __EMSCRIPTEN__

// Waits for the next frame of the display: requestAnimationFrame in a browser, a 16 ms timer in
// Node, and natively the next 60 Hz boundary of the Scheduler's clock (a ManualClock jumps there).
// A game loop: for (;;) { spool::js::next_animation_frame(); scheduler.tick(); render(); }
// Awaiting JS works with a ManualClock too: the event loop still runs while the fiber waits.
Status next_animation_frame();

// Waits `milliseconds`: on a JS timer in wasm (prefer this_fiber::sleep_for, which shares one
// timer), on the Scheduler's clock natively.
Status sleep_ms(double milliseconds);

}  // namespace spool::js
