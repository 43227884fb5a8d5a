// Natively, what ends a process from inside a fiber is named before the process ends: an
// overflow into the guard page below a fiber's stack (SIGSEGV, on an alternate signal stack),
// and abort() (SIGABRT). The handlers say which fiber, then hand the signal on to whoever had it
// before (a sanitizer, or the default action). POSIX only; nothing to do in wasm, where the JSPI
// runtime names the fiber of a failed engine stack.
#pragma once

namespace spool::detail {

// Installs the handlers once per process, and an alternate signal stack on the calling thread.
// Call on each thread that runs fibers.
void install_crash_reports();

// Whether a fatal error was reported already (report.cpp): the handlers then stay quiet.
bool fatal_reported() noexcept;

}  // namespace spool::detail
