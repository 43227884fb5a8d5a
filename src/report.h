// spool's one route for reports and fatal errors: every misuse report goes to the installed error
// handler (include/spool/status.h), and so does the last word of a fatal error before the
// process stops. C code uses the same route through report_c.h.
#pragma once

#include "report_c.h"
#include "spool/status.h"

namespace spool::detail {

// Formats a message and hands it, with `status`, to the installed error handler.
void report(Status status, const char* format, ...) __attribute__((format(printf, 2, 3)));

// Reports Status::no_scheduler for `what` (a call that needs the thread's Scheduler).
void report_no_scheduler(const char* what);

// Reports `status` and the message ("fatal: ..." is prepended), then stops the process: the
// state it found cannot be recovered from (memory next to a stack is corrupt, a record is not
// what it must be). Natively abort(); in wasm the runtime ends the program with one report.
[[noreturn]] void fatal(Status status, const char* format, ...) __attribute__((format(printf, 2, 3)));

// A broken invariant of spool's own: says what was expected and what was found, then stops.
[[noreturn]] void internal_error(const char* expected, const char* found);

}  // namespace spool::detail
