// What the JSPI backend offers beyond the common context interface: parking the running context
// on the JavaScript event loop when the scheduler has nothing to run, and waking it from a plain
// (non-JSPI) call, a JS timer or a JS callback. Natively the scheduler blocks the thread instead.
#ifndef SPOOL_SRC_CONTEXT_CONTEXT_JSPI_H
#define SPOOL_SRC_CONTEXT_CONTEXT_JSPI_H

#include "context.h"

#ifdef __cplusplus
extern "C" {
#endif

enum spool_park_result {
  SPOOL_PARK_WOKEN = 0,    // spool_context_wake() was called, or the timer fired
  SPOOL_PARK_DRAINED = 1,  // the JS event loop ran out of work (Node's beforeExit): nothing can wake us
  SPOOL_PARK_TIMED_OUT = 2,  // the timeout passed
};

// Suspends `self` (the running context) until spool_context_wake(self) or, when
// timeout_ms >= 0, until that many milliseconds have passed (long timeouts are split into the
// longest a JS timer allows). Must be called where a swap could be (spool_context_can_switch()).
// Returns a spool_park_result, or a negative spool_context_error.
int spool_context_park(spool_context* self, double timeout_ms);

// Makes a context parked by spool_context_park() resume soon (in a microtask). Safe from any call
// on this thread, plain or JSPI; does nothing if `ctx` is not parked.
void spool_context_wake(spool_context* ctx);

// From a plain call, with no context running (an engine stack just failed): makes `ctx` (FRESH
// or SUSPENDED) run next, in a microtask.
void spool_context_dispatch_from_plain_call(spool_context* ctx);

// The parts of recycling written in C++ (context_jspi_unwind.cpp): whether this build can throw,
// throwing the unwind, and running a context's entry under the catch that stops it.
int spool_jspi_can_unwind(void);
// Whether an abandoned run is being unwound for recycling now.
int spool_jspi_unwinding(void);
__attribute__((noreturn)) void spool_jspi_throw_unwind(void);
// Returns the entry's result, or SPOOL_JSPI_UNWOUND if the run was unwound for recycling.
spool_context* spool_jspi_run_entry(spool_context* ctx);
#define SPOOL_JSPI_UNWOUND ((spool_context*)1)

#ifdef __cplusplus
}
#endif

#endif
