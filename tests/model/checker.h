// Checks a program on spool against the reference model, and shrinks a failing one to the
// shortest program that still fails.
#pragma once

#include <string>

#include "program.h"
#include "reference_model.h"

namespace spool_model {

struct Verdict {
  bool failed = false;
  std::string why;  // the first difference from the model's trace, and any problems
  Coverage coverage;
  // Real-clock runs: how many times the program was run again after a difference, each with a
  // step 4 times as long (a late wake-up can break the step rule; a bug does not go away).
  int reruns = 0;
};

Verdict check(const Program& program);

// The program from `seed` with `options` (deadlocking ones included: the model predicts them).
Program checkable_program(std::uint64_t seed, const GeneratorOptions& options);

// Removes operations (and the configuration's extras) one chunk at a time for as long as the
// program still fails; returns the smallest failing program found.
Program shrink(const Program& failing);
// The same with another test of failure (the crash shrinker runs each candidate in a child process).
Program shrink(const Program& failing, bool (*fails)(const Program&));

// The seed, how to rerun it, the shortest program and where its trace leaves the model's.
std::string failure_report(const Program& original, const Program& shortest, const Verdict& verdict);

}  // namespace spool_model
