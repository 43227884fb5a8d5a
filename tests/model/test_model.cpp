// Model-checked random programs: each seed gives a program of spawns, yields, sleeps, joins,
// detaches, posts and coroutines; spool runs it and the reference model predicts it, and the two
// traces must be equal line for line (see reference_model.h for the semantics checked). A failure
// prints the seed and the shortest program that still fails.
//
// Besides Catch2's own options: --seeds N (how many seeds), --first S (the first one), --verbose
// (print each program before it runs, and what the programs covered).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

#include "../support.h"
#include "checker.h"

#if !defined(__EMSCRIPTEN__)
#include <csignal>
#include <unistd.h>
// Present only in sanitizer builds (weak: null otherwise).
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));
#endif

namespace {

struct SeedRange {
  std::uint64_t first = 1;
  std::uint64_t count = 200;
  bool verbose = false;
};
SeedRange g_seeds;

// The seed being run, for a crash note: a crash cannot be shrunk in this process.
volatile std::uint64_t g_running_seed = 0;

#if !defined(__EMSCRIPTEN__)
void write_crash_note() {
  char digits[24];
  int at = sizeof digits;
  std::uint64_t seed = g_running_seed;
  do {
    digits[--at] = static_cast<char>('0' + seed % 10);
    seed /= 10;
  } while (seed && at > 0);
  const char* number = digits + at;
  const std::size_t length = sizeof digits - static_cast<std::size_t>(at);
  // Async-signal-safe: write(2) only.
  const auto say = [](const char* text, std::size_t n) { return write(STDERR_FILENO, text, n) >= 0; };
  const char stopped[] = "\nmodel: stopped while running seed ";
  const char rerun[] = "; rerun it alone: bash scripts/model.sh --first ";
  const char end[] = " --seeds 1\n";
  if (say(stopped, sizeof stopped - 1) && say(number, length) && say(rerun, sizeof rerun - 1) &&
      say(number, length)) {
    say(end, sizeof end - 1);
  }
}

struct sigaction g_previous_abort;

// spool's own SIGABRT handler (installed with the first Scheduler) chains to this one.
void note_abort(int signal_number) {
  write_crash_note();
  if (g_previous_abort.sa_handler != SIG_DFL && g_previous_abort.sa_handler != SIG_IGN) {
    g_previous_abort.sa_handler(signal_number);
  }
}

void install_crash_note() {
  struct sigaction action {};
  action.sa_handler = &note_abort;
  sigemptyset(&action.sa_mask);
  sigaction(SIGABRT, &action, &g_previous_abort);
  // Sanitizer reports that end the process.
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(&write_crash_note);
}
#else
void install_crash_note() {}
#endif

// Runs every seed of the range and checks each against the model; shrinks and prints failures.
void check_seeds(const spool_model::GeneratorOptions& options, const char* what) {
  constexpr int kFailuresShown = 3;  // shrinking takes a while; a few failures say enough
  spool_model::Coverage covered;
  int failures = 0;
  std::uint64_t caps_dropped = 0;
  std::uint64_t deadlocks_skipped = 0;
  for (std::uint64_t seed = g_seeds.first; seed < g_seeds.first + g_seeds.count; ++seed) {
    g_running_seed = seed;
    const spool_model::Program program = spool_model::checkable_program(seed, options);
    if (g_seeds.verbose) {
      std::fprintf(stderr, "model: %s: seed %llu\n%s", what, static_cast<unsigned long long>(seed),
                   spool_model::listing(program).c_str());
    }
    if (program.max_live_fibers == 0 && spool_model::generate(seed, options).max_live_fibers) ++caps_dropped;
    const spool_model::Verdict verdict = spool_model::check(program);
    covered.add(verdict.coverage);
    if (verdict.deadlocks) ++deadlocks_skipped;
    if (!verdict.failed) continue;
    const spool_model::Program shortest = spool_model::shrink(program);
    std::printf("%s\n", spool_model::failure_report(program, shortest, spool_model::check(shortest)).c_str());
    if (++failures == kFailuresShown) break;
  }
  std::printf("model: %s: seeds %llu..%llu, %d failed; %llu caps dropped (could deadlock), %llu "
              "programs not run (they deadlock)\n",
              what, static_cast<unsigned long long>(g_seeds.first),
              static_cast<unsigned long long>(g_seeds.first + g_seeds.count - 1), failures,
              static_cast<unsigned long long>(caps_dropped), static_cast<unsigned long long>(deadlocks_skipped));
  if (g_seeds.verbose) std::printf("model: covered: %s\n", covered.summary().c_str());
  CHECK(failures == 0);
  // Over enough seeds every situation comes up; if one stops coming up, the generator has lost
  // reach and the test proves less than it seems to.
  if (g_seeds.count >= 100) {
    CHECK(covered.blocked_joins > 0);
    CHECK(covered.finished_joins > 0);
    CHECK(covered.refused_joins > 0);
    CHECK(covered.tied_wakeups > 0);
    // Noise posts take live slots at moments nobody controls, so those programs have no cap.
    if (options.noise_posts == 0) CHECK(covered.queued_spawns > 0);
    CHECK(covered.posted_fibers > 0);
    CHECK(covered.nested_resumes > 0);
    CHECK(covered.switches_in_coroutines > 0);
    CHECK(covered.finished_resumes > 0);
    CHECK(covered.abandoned_coroutines > 0);
    CHECK(covered.cancelled_waits > 0);
    CHECK(covered.cancelled_calls > 0);
    CHECK(covered.event_wakeups > 0);
    CHECK(covered.event_timeouts > 0);
    CHECK(covered.blocked_sends > 0);
    CHECK(covered.blocked_receives > 0);
    CHECK(covered.rewaits > 0);
    CHECK(covered.closed_results > 0);
    CHECK(covered.frame_wakeups > 0);
    // Programs that deadlock are not run: if most did, little would be checked.
    CHECK(deadlocks_skipped * 5 < g_seeds.count);
  }
}

}  // namespace

TEST_CASE("random programs run as the reference model predicts", "[model]") {
  spool_test::LeakCheck leaks;
  check_seeds({}, "single thread");
}

#if !defined(__EMSCRIPTEN__)
TEST_CASE("random programs with posts from other threads run as the model predicts", "[model][threads]") {
  spool_test::LeakCheck leaks;
  spool_model::GeneratorOptions options;
  options.posts_from_other_thread = true;
  options.noise_posts = 16;
  check_seeds(options, "posts from other threads");
}
#endif

int main(int argc, char* argv[]) {
  Catch::Session session;
  using Catch::clara::Opt;
  auto cli = session.cli() |
             Opt(g_seeds.count, "count")["--seeds"]("how many seeds to run (default 200)") |
             Opt(g_seeds.first, "seed")["--first"]("the first seed (default 1)") |
             Opt(g_seeds.verbose)["--verbose"]("print each program before it runs, and what was covered");
  session.cli(cli);
  if (const int status = session.applyCommandLine(argc, argv)) return status;
  install_crash_note();
  return session.run();
}
