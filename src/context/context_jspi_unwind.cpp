// Recycling a suspended JSPI context (spool_context_recycle_into in context.h) unwinds its frames
// with a C++ exception that only the carrier's loop catches: the one part of the JSPI backend
// that needs C++. Without exceptions, recycling falls back to releasing (dropping) the run.
#include <cstdio>
#include <cstdlib>

#include "../report_c.h"
#include "context_jspi.h"

namespace {
// Not derived from std::exception: a `catch (const std::exception&)` in user code lets it pass.
struct RecycledContextUnwind {};
}  // namespace

extern "C" {

int spool_jspi_can_unwind(void) {
#if defined(__cpp_exceptions)
  return 1;
#else
  return 0;
#endif
}

void spool_jspi_throw_unwind(void) {
#if defined(__cpp_exceptions)
  throw RecycledContextUnwind{};
#else
  spool_fatal(SPOOL_STATUS_FAILED, "internal error: unwinding an abandoned run without exceptions");
#endif
}

spool_context* spool_jspi_run_entry(spool_context* ctx) {
#if defined(__cpp_exceptions)
  try {
    return ctx->entry(ctx->entry_arg);
  } catch (...) {
    // catch (...) rather than the type: it skips the personality routine's type match, ~10% of
    // the unwind. Anything else that escapes a context's entry goes on up as before.
    if (!spool_jspi_unwinding()) throw;
    return SPOOL_JSPI_UNWOUND;
  }
#else
  return ctx->entry(ctx->entry_arg);
#endif
}

}  // extern "C"
