#include <atomic>
#include <cstdarg>
#include <cstdio>

#include "../scheduler/scheduler_core.h"
#include "report_c.h"
#include "spool/status.h"

namespace spool {

namespace {

void print_to_stderr(Status, const char* message) { std::fprintf(stderr, "spool: %s\n", message); }

std::atomic<ErrorHandler> g_handler{&print_to_stderr};

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
  }
  return "unknown";
}

ErrorHandler set_error_handler(ErrorHandler handler) noexcept {
  return g_handler.exchange(handler ? handler : &print_to_stderr);
}

namespace detail {

void report(Status status, const char* format, ...) {
  char message[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof message, format, args);
  va_end(args);
  g_handler.load()(status, message);
}

void report_no_scheduler(const char* what) {
  report(Status::no_scheduler,
         "%s needs a spool::Scheduler on this thread, and there is none (never created, or "
         "already destroyed). Create one first: spool::Scheduler scheduler;",
         what);
}

}  // namespace detail
}  // namespace spool

static_assert(SPOOL_STATUS_NOT_SUSPENDABLE == static_cast<int>(spool::Status::not_suspendable));
static_assert(SPOOL_STATUS_INVALID_HANDLE == static_cast<int>(spool::Status::invalid_handle));
static_assert(SPOOL_STATUS_FINISHED == static_cast<int>(spool::Status::finished));
static_assert(SPOOL_STATUS_ALREADY_RUNNING == static_cast<int>(spool::Status::already_running));
static_assert(SPOOL_STATUS_STACK_OVERFLOW == static_cast<int>(spool::Status::stack_overflow));
static_assert(SPOOL_STATUS_FAILED == static_cast<int>(spool::Status::failed));

extern "C" void spool_report_status(enum spool_status_c status, const char* message) {
  spool::detail::report(static_cast<spool::Status>(status), "%s", message);
}
