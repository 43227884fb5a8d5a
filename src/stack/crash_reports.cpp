#include "crash_reports.h"

#if !defined(__EMSCRIPTEN__)

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unistd.h>

#include "../context/context.h"

namespace spool::detail {

namespace {

// Async-signal-safe: write(2), no allocation.
void write_text(const char* text) {
  std::size_t n = 0;
  while (text[n]) ++n;
  if (write(STDERR_FILENO, text, n) < 0) return;
}

bool equals(const char* a, const char* b) {
  while (*a && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

// The running fiber's name through the context layer's hook, or false when it has none.
bool running_name(char* buf, std::size_t size) {
  spool_context_describe_running(buf, size);
  return buf[0] != 0;
}

struct sigaction g_previous_abort_action;
struct sigaction g_previous_segv_action;

void report_abort(int signal_number) {
  char name[128];
  if (!fatal_reported() && running_name(name, sizeof name) && !equals(name, "main")) {
    write_text("spool: fiber '");
    write_text(name);
    write_text("' aborted\n");
  }
  const auto& previous = g_previous_abort_action;
  if (!(previous.sa_flags & SA_SIGINFO) && previous.sa_handler != SIG_DFL &&
      previous.sa_handler != SIG_IGN) {
    previous.sa_handler(signal_number);
  }
  // Returning lets abort() go on to end the process as it would have.
}

// A fault in the guard page just below the running context's stack is a stack overflow.
void report_stack_overflow(int signal_number, siginfo_t* info, void* context) {
  const auto fault = reinterpret_cast<std::uintptr_t>(info->si_addr);
  const auto guard = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  std::uintptr_t lo = 0, hi = 0;
  char name[128];
  if (spool_context_running_stack(&lo, &hi) && fault < lo && fault + guard >= lo) {
    write_text("spool: stack overflow in ");
    if (running_name(name, sizeof name)) {
      write_text("fiber '");
      write_text(name);
      write_text("'");
    } else {
      write_text("a context outside the scheduler (a Coroutine or an emscripten_fiber)");
    }
    write_text(": it ran past the end of its C stack into the guard page. Give it a larger stack "
               "(FiberOptions::stack_size, CoroutineOptions::stack_size).\n");
  }
  const auto& previous = g_previous_segv_action;
  if (previous.sa_flags & SA_SIGINFO) {
    previous.sa_sigaction(signal_number, info, context);
    return;
  }
  if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    previous.sa_handler(signal_number);
    return;
  }
  // Default action: restore it; returning re-runs the faulting instruction, which now ends the
  // process as it would have.
  sigaction(SIGSEGV, &previous, nullptr);
}

// The overflow report runs on an alternate signal stack: the fiber's own is exhausted.
void ensure_alternate_signal_stack() {
  thread_local std::unique_ptr<char[]> alternate;
  if (alternate) return;
  stack_t current{};
  if (sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE)) return;
  const std::size_t size = 64 * 1024;
  alternate.reset(new char[size]);
  stack_t stack{};
  stack.ss_sp = alternate.get();
  stack.ss_size = size;
  sigaltstack(&stack, nullptr);
}

}  // namespace

void install_crash_reports() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_handler = &report_abort;
    sigemptyset(&action.sa_mask);
    sigaction(SIGABRT, &action, &g_previous_abort_action);
    struct sigaction segv {};
    segv.sa_sigaction = &report_stack_overflow;
    segv.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&segv.sa_mask);
    sigaction(SIGSEGV, &segv, &g_previous_segv_action);
  });
  ensure_alternate_signal_stack();
}

}  // namespace spool::detail

#endif
