// Runs a generated program on spool: every actor is a real fiber or spool::Coroutine that
// performs its script and writes the trace as it goes.
#pragma once

#include <string>
#include <vector>

#include "program.h"

namespace spool_model {

struct Observation {
  std::vector<std::string> trace;
  // What went wrong besides the trace: a broken stack canary, the wrong fiber running after a
  // switch, a blocking call that did not return ok, noise posts lost, leaks.
  std::vector<std::string> problems;
  // Coroutines left mid-body on fibers abandoned by a deadlock (spool cannot destroy them: see
  // known_core_leaks()).
  std::size_t stuck_coroutines = 0;
};

Observation run_on_spool(const Program& program);

// Coroutines stuck mid-body on abandoned fibers so far in this process, kept alive on purpose:
// spool leaves such a coroutine `running` for good, so it can never be destroyed and its stack
// (and in wasm, the engine stack of the context that resumed it) is never given back. A core bug
// (reported; see test_guarantees.cpp, "[!mayfail]"); the leak checks allow exactly this much.
std::size_t known_core_leaks();

// Self-test of the crash path (test_model.cpp --crash-on): the run on spool aborts when it comes
// to an operation of this kind ("close", "tick", ...: the first word of describe()). Returns
// false for an unknown name.
bool set_crash_on(const std::string& operation);

}  // namespace spool_model
