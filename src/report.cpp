#include "report.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#if defined(__EMSCRIPTEN__)
extern "C" void spool_js_fatal_reported(void);  // js/spool_library.js
#endif

namespace spool {

namespace {

void print_to_stderr(Status, const char* message) { std::fprintf(stderr, "spool: %s\n", message); }

std::atomic<ErrorHandler> g_handler{&print_to_stderr};

void vreport(Status status, const char* prefix, const char* format, va_list args) {
  char message[1024];
  const int n = std::snprintf(message, sizeof message, "%s", prefix);
  std::vsnprintf(message + n, sizeof message - static_cast<std::size_t>(n), format, args);
  g_handler.load()(status, message);
}

}  // namespace

const char* to_string(Status status) noexcept {
  switch (status) {
    case Status::ok: return "ok";
    case Status::not_suspendable: return "not_suspendable";
    case Status::no_scheduler: return "no_scheduler";
    case Status::wrong_thread: return "wrong_thread";
    case Status::join_self: return "join_self";
    case Status::invalid_handle: return "invalid_handle";
    case Status::finished: return "finished";
    case Status::already_running: return "already_running";
    case Status::deadlock: return "deadlock";
    case Status::stack_overflow: return "stack_overflow";
    case Status::fiber_failed: return "fiber_failed";
    case Status::cancelled: return "cancelled";
    case Status::timeout: return "timeout";
    case Status::closed: return "closed";
    case Status::failed: return "failed";
    case Status::no_memory: return "no_memory";
    case Status::owner_died: return "owner_died";
    case Status::not_owner: return "not_owner";
    case Status::invalid_argument: return "invalid_argument";
  }
  return "unknown";
}

ErrorHandler set_error_handler(ErrorHandler handler) noexcept {
  return g_handler.exchange(handler ? handler : &print_to_stderr);
}

namespace detail {

namespace {
// Set once a fatal error was reported, so that the crash reports (a SIGABRT handler natively, the
// runtime in wasm) do not report the same stop again.
std::atomic<bool> g_fatal_reported{false};
}  // namespace

bool fatal_reported() noexcept { return g_fatal_reported.load(std::memory_order_relaxed); }

void report(Status status, const char* format, ...) {
  va_list args;
  va_start(args, format);
  vreport(status, "", format, args);
  va_end(args);
}

void report_no_scheduler(const char* what) {
  report(Status::no_scheduler,
         "%s needs a spool::Scheduler on this thread, and there is none (never created, or "
         "already destroyed). Create one first: spool::Scheduler scheduler;",
         what);
}

void fatal(Status status, const char* format, ...) {
  va_list args;
  va_start(args, format);
  vreport(status, "fatal: ", format, args);
  va_end(args);
  g_fatal_reported.store(true, std::memory_order_relaxed);
#if defined(__EMSCRIPTEN__)
  spool_js_fatal_reported();
#endif
  std::abort();
}

void internal_error(const char* expected, const char* found) {
  fatal(Status::failed, "internal error: expected %s, found %s. Please report it.", expected, found);
}

}  // namespace detail
}  // namespace spool

static_assert(SPOOL_STATUS_NOT_SUSPENDABLE == static_cast<int>(spool::Status::not_suspendable));
static_assert(SPOOL_STATUS_INVALID_HANDLE == static_cast<int>(spool::Status::invalid_handle));
static_assert(SPOOL_STATUS_FINISHED == static_cast<int>(spool::Status::finished));
static_assert(SPOOL_STATUS_ALREADY_RUNNING == static_cast<int>(spool::Status::already_running));
static_assert(SPOOL_STATUS_STACK_OVERFLOW == static_cast<int>(spool::Status::stack_overflow));
static_assert(SPOOL_STATUS_FAILED == static_cast<int>(spool::Status::failed));
static_assert(SPOOL_STATUS_NO_MEMORY == static_cast<int>(spool::Status::no_memory));

extern "C" void spool_report_status(enum spool_status_c status, const char* message) {
  spool::detail::report(static_cast<spool::Status>(status), "%s", message);
}

extern "C" void spool_fatal(enum spool_status_c status, const char* message) {
  spool::detail::fatal(static_cast<spool::Status>(status), "%s", message);
}
