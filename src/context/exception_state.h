// The C++ exception state (the exceptions being handled, and how many are unwinding) is kept
// per thread by the C++ ABI (__cxa_get_globals, in libstdc++ and libc++abi alike). Fibers share
// a thread, so every backend carries that state with the context on each swap: saved into the
// context that suspends, given back to the one that resumes, and empty for one that starts.
// Without this, two fibers that switch inside catch blocks rethrow each other's exception.
//
// Built in when SPOOL_CONTEXT_EXCEPTION_STATE is defined (CMake: natively always, in wasm with
// -fwasm-exceptions; wasm builds without exceptions have no such state).
#ifndef SPOOL_SRC_CONTEXT_EXCEPTION_STATE_H
#define SPOOL_SRC_CONTEXT_EXCEPTION_STATE_H

#include "context.h"

#if defined(SPOOL_CONTEXT_EXCEPTION_STATE)
// The ABI's layout on every target spool builds for (the ARM EHABI field is not among them).
typedef struct spool_cxa_eh_globals {
  void* caught_exceptions;
  unsigned int uncaught_exceptions;
} spool_cxa_eh_globals;
spool_cxa_eh_globals* __cxa_get_globals(void);

// The thread's globals never move: their address is looked up once per thread (in a shared
// libstdc++ each lookup costs a __tls_get_addr call, two per switch otherwise).
#if defined(__EMSCRIPTEN__)
static spool_cxa_eh_globals* t_spool_eh_globals;
#else
static _Thread_local spool_cxa_eh_globals* t_spool_eh_globals __attribute__((tls_model("initial-exec")));
#endif

static inline spool_cxa_eh_globals* spool_exception_globals(void) {
  spool_cxa_eh_globals* g = t_spool_eh_globals;
  if (__builtin_expect(g == 0, 0)) g = t_spool_eh_globals = __cxa_get_globals();
  return g;
}
static inline void spool_exception_state_save(spool_context* ctx) {
  const spool_cxa_eh_globals* g = spool_exception_globals();
  ctx->eh_caught = g->caught_exceptions;
  ctx->eh_uncaught = g->uncaught_exceptions;
}
static inline void spool_exception_state_restore(const spool_context* ctx) {
  spool_cxa_eh_globals* g = spool_exception_globals();
  g->caught_exceptions = ctx->eh_caught;
  g->uncaught_exceptions = ctx->eh_uncaught;
}
static inline void spool_exception_state_clear(void) {
  spool_cxa_eh_globals* g = spool_exception_globals();
  g->caught_exceptions = 0;
  g->uncaught_exceptions = 0;
}
#else
static inline void spool_exception_state_save(spool_context* ctx) { (void)ctx; }
static inline void spool_exception_state_restore(const spool_context* ctx) { (void)ctx; }
static inline void spool_exception_state_clear(void) {}
#endif

#endif
