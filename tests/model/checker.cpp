#include "checker.h"

#include <algorithm>
#include <functional>

#include "spool_runner.h"

namespace spool_model {

namespace {

// Where the traces part: a few agreeing lines for context, then both sides from there.
std::string first_difference(const std::vector<std::string>& expected, const std::vector<std::string>& actual) {
  const std::size_t common = std::min(expected.size(), actual.size());
  std::size_t at = 0;
  while (at < common && expected[at] == actual[at]) ++at;
  if (at == expected.size() && at == actual.size()) return "";
  constexpr std::size_t kContext = 6;
  constexpr std::size_t kAfter = 4;
  std::string text = "the trace leaves the model's at line " + std::to_string(at + 1) + ":\n";
  for (std::size_t i = at > kContext ? at - kContext : 0; i < at; ++i) text += "      " + expected[i] + "\n";
  const auto side = [&](const char* label, const std::vector<std::string>& lines) {
    text += std::string("    ") + label + "\n";
    for (std::size_t i = at; i < std::min(lines.size(), at + kAfter); ++i) text += "      " + lines[i] + "\n";
    if (at >= lines.size()) text += "      (the trace ends here)\n";
  };
  side("model:", expected);
  side("spool:", actual);
  return text;
}

bool still_fails(const Program& candidate) {
  const Verdict verdict = check(candidate);
  return !verdict.deadlocks && verdict.failed;
}

// Removes chunks of `script`'s operations, halving the chunk size down to one operation.
bool shrink_script(Program& program, std::size_t script) {
  bool shrunk = false;
  for (std::size_t chunk = program.scripts[script].ops.size(); chunk >= 1; chunk /= 2) {
    for (std::size_t start = 0; start + chunk <= program.scripts[script].ops.size();) {
      Program candidate = program;
      auto& ops = candidate.scripts[script].ops;
      ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(start), ops.begin() + static_cast<std::ptrdiff_t>(start + chunk));
      if (still_fails(candidate)) {
        program = std::move(candidate);
        shrunk = true;
      } else {
        start += chunk;
      }
    }
  }
  return shrunk;
}

}  // namespace

Verdict check(const Program& program) {
  Verdict verdict;
  Prediction expected = predict(program);
  verdict.coverage = expected.coverage;
  if (expected.deadlock) {
    verdict.deadlocks = true;
    return verdict;
  }
  const Observation actual = run_on_spool(program);
  verdict.why = first_difference(expected.trace, actual.trace);
  for (const std::string& problem : actual.problems) verdict.why += "    " + problem + "\n";
  verdict.failed = !verdict.why.empty();
  return verdict;
}

Program checkable_program(std::uint64_t seed, const GeneratorOptions& options) {
  Program program = generate(seed, options);
  if (program.max_live_fibers && predict(program).deadlock) program.max_live_fibers = 0;
  return program;
}

Program shrink(const Program& failing) {
  Program program = failing;
  // The configuration first: a failure without threads, noise or a cap is simpler to read.
  const std::function<void(Program&)> simplifications[] = {
      [](Program& p) { p.noise_posts = 0; },
      [](Program& p) { p.posts_from_other_thread = false; },
      [](Program& p) { p.max_live_fibers = 0; },
      [](Program& p) { p.small_caches = false; },
  };
  for (const auto& simplify : simplifications) {
    Program candidate = program;
    simplify(candidate);
    if (still_fails(candidate)) program = std::move(candidate);
  }
  // Removing one operation can make another removable (a spawn whose fiber no longer matters):
  // repeat until a whole pass removes nothing.
  for (bool shrunk = true; shrunk;) {
    shrunk = false;
    for (std::size_t script = 0; script < program.scripts.size(); ++script) {
      if (program.reachable()[script] && shrink_script(program, script)) shrunk = true;
    }
  }
  return program;
}

std::string failure_report(const Program& original, const Program& shortest, const Verdict& verdict) {
  std::string text = "model: seed " + std::to_string(original.seed) + " fails";
  text += " (rerun it alone: bash scripts/model.sh --first " + std::to_string(original.seed) + " --seeds 1)\n";
  text += "shortest program that fails (" + std::to_string(shortest.op_count()) + " of " +
          std::to_string(original.op_count()) + " operations):\n";
  text += listing(shortest);
  text += "what goes wrong:\n" + verdict.why;
  return text;
}

}  // namespace spool_model
