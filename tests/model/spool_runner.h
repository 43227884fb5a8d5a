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
};

Observation run_on_spool(const Program& program);

}  // namespace spool_model
