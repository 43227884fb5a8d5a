// What spool holds that a finished test must have given back: fiber records, C stacks of the
// calling thread's pool, JS resumer slots and engine stacks (all parked, none left suspended).
// Used by the Catch2 fixture (leak_fixture.h) and by the model-checked programs' runner.
#pragma once

#include <string>
#include <vector>

#include "src/context/context.h"

namespace spool_test {

class LeakProbe {
 public:
  // Takes the counts that are relative (JS slots held before the test began).
  LeakProbe() noexcept;
  // One line per thing left behind since construction, naming it and its count; empty if none.
  // Call it after every Scheduler and Coroutine the test made is gone.
  std::vector<std::string> problems() const;

 private:
  spool_context_stats before_{};
};

}  // namespace spool_test
