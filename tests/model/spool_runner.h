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
  // Coroutines that were mid-body on fibers abandoned after a deadlock: spool lets them go with
  // the fiber (they become dead, and destroying them gives their stacks back).
  std::size_t lost_fiber_coroutines = 0;
};

Observation run_on_spool(const Program& program);

// Self-test of the crash path (test_model.cpp --crash-on): the run on spool aborts when it comes
// to an operation of this kind ("close", "tick", ...: the first word of describe()). Returns
// false for an unknown name.
bool set_crash_on(const std::string& operation);

}  // namespace spool_model
