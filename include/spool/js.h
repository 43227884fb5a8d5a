// Awaiting JavaScript from a fiber (wasm), and a game loop's frame pacing (everywhere). The fiber
// waits while every other fiber keeps running; the scheduler parks on the JS event loop if
// nothing else is ready.
//
// A function registered on the JS side, called by name with arguments (no eval, so it works under
// a Content-Security-Policy without 'unsafe-eval', and the function reaches any JS object it
// closes over):
//
//   // JS, before or after the module loads:
//   Module.spoolFunctions = { loadLevel: (name, version) => fetch(`${name}.json?v=${version}`).then(r => r.text()) };
//   // C++:
//   auto r = spool::js::await_call("loadLevel", "level1", 3);
//   if (r.ok()) use(r.text); else log(r.error);
//
// Or, where eval is allowed, an expression evaluated in the module's scope (it sees Module,
// HEAP8, ...): spool::js::await_value("fetch('data.json').then(r => r.text())").
//
// Either may give any value or thenable. A rejection, or an exception while calling or
// evaluating, becomes Status::failed with the error's text; with await_or_throw() it is thrown as
// spool::js::Error in builds with exceptions.
#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>
#include <type_traits>

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

// Calls Module.spoolFunctions[name](...args) and blocks the calling fiber until its value (or
// thenable) settles. Arguments: numbers, bools, strings (const char*, std::string). Failed with a
// message naming the fix if no such function is registered.
Result await_call_json(const char* name, const char* arguments_json);
namespace detail {
inline void append_json(std::string& out, const char* s) {
  out += '"';
  for (; *s; ++s) {
    const unsigned char c = static_cast<unsigned char>(*s);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}
inline void append_json(std::string& out, const std::string& s) { append_json(out, s.c_str()); }
inline void append_json(std::string& out, bool b) { out += b ? "true" : "false"; }
template <class T, class = std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>>>
void append_json(std::string& out, T number) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", static_cast<double>(number));
  out += text;
}
}  // namespace detail
template <class... Args>
Result await_call(const char* name, const Args&... args) {
  std::string json = "[";
  bool first = true;
  ((json += first ? "" : ",", first = false, detail::append_json(json, args)), ...);
  json += "]";
  return await_call_json(name, json.c_str());
}

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
