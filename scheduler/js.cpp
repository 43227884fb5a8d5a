// spool::js (include/spool/js.h): in wasm a fiber awaits a JavaScript promise while the other
// fibers run; natively the frame pacing of a game loop is kept by the scheduler's clock.
#include "spool/js.h"

#include <chrono>

#include "scheduler_core.h"
#include "spool/this_fiber.h"

#if defined(__EMSCRIPTEN__)

#include <emscripten.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>

// js/spool_library.js: both settle later, always from the event loop (spool_jspi_await_settled).
extern "C" void spool_js_await_begin(const char* expression, int token);
extern "C" void spool_js_await_call(const char* name, const char* arguments_json, int token);

namespace spool::js {

namespace {

// One fiber waiting for one promise, found by its token when the promise settles.
struct Pending {
  ::spool::detail::WaitQueue waiter;
  Result result;
  bool settled = false;
};

std::unordered_map<int, Pending*> g_pending;
int g_next_token = 1;

}  // namespace

namespace {
// Starts something in JS with `begin(token)` and blocks the calling fiber until it settles.
template <class Begin>
Result await_js(const char* what, Begin begin) {
  Result result;
  ::spool::detail::SchedulerCore* core = ::spool::detail::SchedulerCore::current();
  if (!core) {
    ::spool::detail::report_no_scheduler(what);
    result.status = Status::no_scheduler;
    return result;
  }
  if (!core->can_block(what)) {
    result.status = Status::not_suspendable;
    return result;
  }
  Pending pending;
  const int token = g_next_token++;
  g_pending.emplace(token, &pending);
  begin(token);
  core->begin_external_wait();  // an idle scheduler on a ManualClock waits for it too
  Status status = Status::ok;
  while (!pending.settled && status == Status::ok) status = pending.waiter.wait(what);
  core->end_external_wait();
  g_pending.erase(token);
  if (!pending.settled) pending.result.status = status;  // cancelled (the promise runs on)
  return std::move(pending.result);
}
}  // namespace

Result await_value(const char* expression) {
  return await_js("spool::js::await_value()", [&](int token) { spool_js_await_begin(expression, token); });
}

Result await_call_json(const char* name, const char* arguments_json) {
  return await_js("spool::js::await_call()",
                  [&](int token) { spool_js_await_call(name, arguments_json, token); });
}

#if defined(__cpp_exceptions)
std::string await_or_throw(const char* expression) {
  Result result = await_value(expression);
  if (result.status == Status::failed) throw Error(result.error);
  if (result.status != Status::ok) {
    throw Error(std::string("spool::js::await_or_throw: ") + to_string(result.status));
  }
  return std::move(result.text);
}
#endif

// Built into the runtime (js/spool_runtime.js), no eval: these work under a strict CSP.
Status next_animation_frame() { return await_call("spool.animationFrame").status; }

Status sleep_ms(double milliseconds) { return await_call("spool.sleep", milliseconds).status; }

}  // namespace spool::js

// Called by the runtime (a plain call from the event loop) when an awaited promise settled.
extern "C" EMSCRIPTEN_KEEPALIVE void spool_jspi_await_settled(int token, int fulfilled,
                                                              const char* text, double number) {
  auto it = spool::js::g_pending.find(token);
  if (it == spool::js::g_pending.end()) return;  // its fiber stopped waiting (cancelled)
  spool::js::Pending& pending = *it->second;
  pending.settled = true;
  if (fulfilled) {
    pending.result.status = spool::Status::ok;
    pending.result.text = text;
    pending.result.number = number;
  } else {
    pending.result.status = spool::Status::failed;
    pending.result.error = text;
    pending.result.number = std::nan("");
  }
  pending.waiter.notify_one();
}

extern "C" EMSCRIPTEN_KEEPALIVE char* spool_jspi_alloc(int bytes) {
  return static_cast<char*>(std::malloc(static_cast<std::size_t>(bytes)));
}
extern "C" EMSCRIPTEN_KEEPALIVE void spool_jspi_free(char* p) { std::free(p); }

#else

namespace spool::js {

// Natively there is no display to wait for: frames are paced by the scheduler's clock, at the
// next 60 Hz boundary (with a ManualClock, an idle scheduler jumps there at once).
Status next_animation_frame() {
  ::spool::detail::SchedulerCore* core = ::spool::detail::SchedulerCore::current();
  if (!core) {
    ::spool::detail::report_no_scheduler("spool::js::next_animation_frame()");
    return Status::no_scheduler;
  }
  constexpr auto kFrame = std::chrono::nanoseconds(1'000'000'000 / 60);
  const auto since_epoch = core->now().time_since_epoch();
  const auto next = TimePoint(since_epoch - since_epoch % kFrame + kFrame);
  return this_fiber::sleep_until(next);
}

Status sleep_ms(double milliseconds) {
  return this_fiber::sleep_for(std::chrono::duration_cast<Duration>(
      std::chrono::duration<double, std::milli>(milliseconds)));
}

}  // namespace spool::js

#endif
