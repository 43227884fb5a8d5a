// Checks a program on spool against the reference model, and shrinks a failing one to the
// shortest program that still fails.
#pragma once

#include <string>

#include "program.h"
#include "reference_model.h"

namespace spool_model {

struct Verdict {
  bool deadlocks = false;  // under its live-fiber cap: not run (see Prediction::deadlock)
  bool failed = false;
  std::string why;  // the first difference from the model's trace, and any problems
  Coverage coverage;
};

Verdict check(const Program& program);

// A program from `seed` that the model can check: if its live-fiber cap lets it deadlock, the
// cap is dropped (without one, fibers only join their own children, which always finish).
Program checkable_program(std::uint64_t seed, const GeneratorOptions& options);

// Removes operations (and the configuration's extras) one chunk at a time for as long as the
// program still fails; returns the smallest failing program found.
Program shrink(const Program& failing);

// The seed, how to rerun it, the shortest program and where its trace leaves the model's.
std::string failure_report(const Program& original, const Program& shortest, const Verdict& verdict);

}  // namespace spool_model
