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

bool still_fails(const Program& candidate);

// Candidate programs one shrink may run: enough for any program the generator makes on the
// manual clock (~0.1 ms each). On the real clock a candidate takes up to a second (more when it
// fails and is run again), so a failure that needs the real clock gets fewer.
constexpr int kShrinkBudget = 400;
constexpr int kRealClockShrinkBudget = 60;

// Removes chunks of `script`'s operations, halving the chunk size down to one operation.
bool shrink_script(Program& program, std::size_t script, bool (*fails)(const Program&), int& budget) {
  bool shrunk = false;
  for (std::size_t chunk = program.scripts[script].ops.size(); chunk >= 1 && budget > 0; chunk /= 2) {
    for (std::size_t start = 0; start + chunk <= program.scripts[script].ops.size() && budget-- > 0;) {
      Program candidate = program;
      auto& ops = candidate.scripts[script].ops;
      ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(start), ops.begin() + static_cast<std::ptrdiff_t>(start + chunk));
      if (fails(candidate)) {
        program = std::move(candidate);
        shrunk = true;
      } else {
        start += chunk;
      }
    }
  }
  return shrunk;
}

// The time in a trace line (" t=12ms"), or -1; `rest` gets the line with it replaced by " t=~".
long long split_time(const std::string& line, std::string& rest) {
  const std::size_t at = line.find(" t=");
  const std::size_t end = at == std::string::npos ? at : line.find("ms", at);
  if (end == std::string::npos) {
    rest = line;
    return -1;
  }
  rest = line.substr(0, at) + " t=~" + line.substr(end + 2);
  return std::stoll(line.substr(at + 3, end - at - 3));
}

// On the real clock a loaded machine can run anything late, never early: the traces must be equal
// but for the times, and no line may come at an earlier time than the model's (in steps).
std::string real_clock_difference(const std::vector<std::string>& expected, const std::vector<std::string>& actual) {
  std::vector<std::string> e(expected.size()), a(actual.size());
  std::vector<long long> et(expected.size()), at(actual.size());
  for (std::size_t i = 0; i < expected.size(); ++i) et[i] = split_time(expected[i], e[i]);
  for (std::size_t i = 0; i < actual.size(); ++i) at[i] = split_time(actual[i], a[i]);
  std::string why = first_difference(e, a);
  if (!why.empty()) return why;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (at[i] < et[i]) {
      return "line " + std::to_string(i + 1) + " came earlier than the model says (t=" + std::to_string(at[i]) +
             " < " + std::to_string(et[i]) + "):\n      " + actual[i] + "\n";
    }
  }
  return "";
}

Verdict check_once(const Program& program, const Prediction& expected) {
  Verdict verdict;
  verdict.coverage = expected.coverage;
  const Observation actual = run_on_spool(program);
  verdict.why = program.clock_quantum_ms ? real_clock_difference(expected.trace, actual.trace)
                                         : first_difference(expected.trace, actual.trace);
  if (!expected.model_error.empty()) verdict.why += "    the model: " + expected.model_error + "\n";
  if (actual.lost_fiber_coroutines != expected.lost_fiber_coroutines) {
    verdict.why += "    " + std::to_string(actual.lost_fiber_coroutines) +
                   " coroutines were let go mid-body with their abandoned fibers; the model says " +
                   std::to_string(expected.lost_fiber_coroutines) + "\n";
  }
  for (const std::string& problem : actual.problems) verdict.why += "    " + problem + "\n";
  verdict.failed = !verdict.why.empty();
  return verdict;
}

bool still_fails(const Program& candidate) { return check(candidate).failed; }

}  // namespace

Verdict check(const Program& program) {
  const Prediction expected = predict(program);
  Verdict verdict = check_once(program, expected);
  // On the real clock a burst of work that runs past its step (a loaded machine: seen with a
  // load of 13 on 2 cores) breaks the rule the model relies on: run again with a step 4, then 16
  // times as long. A bug fails every time.
  Program slower = program;
  for (int rerun = 0; verdict.failed && slower.clock_quantum_ms && rerun < 2; ++rerun) {
    slower.clock_quantum_ms *= 4;
    Verdict again = check_once(slower, expected);
    again.reruns = verdict.reruns + 1;
    if (again.failed) again.why = verdict.why;  // the first run's difference is the one to read
    verdict = again;
  }
  return verdict;
}

Program checkable_program(std::uint64_t seed, const GeneratorOptions& options) { return generate(seed, options); }

Program shrink(const Program& failing) { return shrink(failing, &still_fails); }

Program shrink(const Program& failing, bool (*fails)(const Program&)) {
  Program program = failing;
  // The configuration first: a failure on the manual clock, without threads, noise or a cap, is
  // simpler to read (and faster to run).
  const std::function<void(Program&)> simplifications[] = {
      [](Program& p) { p.clock_quantum_ms = 0; },
      [](Program& p) { p.noise_posts = 0; },
      [](Program& p) { p.posts_from_other_thread = false; },
      [](Program& p) { p.max_live_fibers = 0; },
      [](Program& p) { p.small_caches = false; },
  };
  for (const auto& simplify : simplifications) {
    Program candidate = program;
    simplify(candidate);
    if (fails(candidate)) program = std::move(candidate);
  }
  // Removing one operation can make another removable (a spawn whose fiber no longer matters):
  // repeat until a whole pass removes nothing (or the budget is spent).
  int budget = program.clock_quantum_ms ? kRealClockShrinkBudget : kShrinkBudget;
  for (bool shrunk = true; shrunk && budget > 0;) {
    shrunk = false;
    for (std::size_t script = 0; script < program.scripts.size(); ++script) {
      if (program.reachable()[script] && shrink_script(program, script, fails, budget)) shrunk = true;
    }
  }
  return program;
}

std::string failure_report(const Program& original, const Program& shortest, const Verdict& verdict) {
  std::string text;
  if (original.from_bytes) {
    text = "model: a program decoded from fuzz bytes fails (rerun the saved input alone: "
           "SPOOL_FUZZ_VERBOSE=1 spool_model_fuzz <input>)\n";
  } else {
    std::string which;
    if (original.clock_quantum_ms) which = " --real-clock";
    if (original.posts_from_other_thread) which = " --threads";
    text = "model: seed " + std::to_string(original.seed) + " fails (rerun it alone: bash scripts/model.sh" + which +
           " --first " + std::to_string(original.seed) + " --seeds 1)\n";
  }
  text += "shortest program that fails (" + std::to_string(shortest.op_count()) + " of " +
          std::to_string(original.op_count()) + " operations):\n";
  text += listing(shortest);
  text += "what goes wrong:\n" + verdict.why;
  return text;
}

}  // namespace spool_model
