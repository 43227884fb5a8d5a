// spool's error handler (include/spool/status.h), for the parts of spool written in C: the
// emscripten_fiber_* compat layer and the context layer report misuse and fatal errors through
// the same route as the C++ code (src/report.h), so a handler installed with
// spool::set_error_handler() sees those reports too.
#ifndef SPOOL_SRC_REPORT_C_H
#define SPOOL_SRC_REPORT_C_H

#ifdef __cplusplus
extern "C" {
#endif

// The values of spool::Status that C code reports (checked against the enum in report.cpp).
enum spool_status_c {
  SPOOL_STATUS_NOT_SUSPENDABLE = 1,
  SPOOL_STATUS_INVALID_HANDLE = 5,
  SPOOL_STATUS_FINISHED = 6,
  SPOOL_STATUS_ALREADY_RUNNING = 7,
  SPOOL_STATUS_STACK_OVERFLOW = 9,
  SPOOL_STATUS_FAILED = 14,
  SPOOL_STATUS_NO_MEMORY = 15
};

// Hands `message` (without the "spool: " prefix, which the default handler adds) to the handler.
void spool_report_status(enum spool_status_c status, const char* message);

// Reports `message` as fatal, then stops the process (see spool::detail::fatal).
__attribute__((noreturn)) void spool_fatal(enum spool_status_c status, const char* message);

#ifdef __cplusplus
}
#endif

#endif
