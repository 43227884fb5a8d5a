// Model-checked random programs: each seed gives a program of spawns, yields, sleeps, joins,
// detaches, posts and coroutines; spool runs it and the reference model predicts it, and the two
// traces must be equal line for line (see reference_model.h for the semantics checked, and what is
// not checked). A failure prints the seed and the shortest program that still fails.
//
// Natively the tests run in a child process: if a program crashes it (an abort, a sanitizer
// report), the parent regenerates that program, shrinks it by running each candidate in a child
// of its own, and prints the shortest one that still crashes. In wasm (no processes) a crash
// prints the seed and the whole program.
//
// Besides Catch2's own options: --seeds N (how many seeds), --first S (the first one),
// --real-seeds N (how many on the real clock), --quantum MS (its step), --verbose (print each
// program before it runs, and what the programs covered), --in-process (natively: no child
// process), --crash-on OP (a self-test of the crash path: the run on spool aborts at the first
// operation of that kind, e.g. `close`).
#define CATCH_CONFIG_RUNNER
// A crash is reported by the supervising parent (natively) or the exit handler (wasm); Catch2's
// own fatal-signal handler would allocate inside the signal handler, which TSan reports.
#define CATCH_CONFIG_NO_POSIX_SIGNALS
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <string>

#include "../support.h"
#include "scheduler/fiber_record.h"
#include "src/stack/stack_pool.h"
#include "checker.h"
#include "spool_runner.h"

#if !defined(__EMSCRIPTEN__)
#include <csignal>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
// Present only in sanitizer builds (weak: null otherwise).
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));
#else
#include <emscripten.h>
#endif

namespace {

struct Options {
  std::uint64_t first = 1;
  std::uint64_t count = 200;
  std::uint64_t real_count = 20;
  int quantum_ms = 4;
  bool verbose = false;
  bool in_process = false;
  std::string crash_on;
};
Options g_options;

// The program being run, for a crash: natively in memory shared with the supervising parent.
struct Running {
  int active;  // 1 while a program runs
  std::uint64_t seed;
  spool_model::GeneratorOptions options;
};
Running g_running_here{};
Running* g_running = &g_running_here;

#if defined(__EMSCRIPTEN__)
// The listing of the program being run, printed by a handler on Node's exit if one is running
// then (the process stopped in the middle of it).
char g_listing[1 << 16];
#endif

void note_running(const spool_model::Program& program, const spool_model::GeneratorOptions& options) {
  g_running->seed = program.seed;
  g_running->options = options;
  g_running->active = 1;
#if defined(__EMSCRIPTEN__)
  const std::string text = spool_model::listing(program);
  std::snprintf(g_listing, sizeof g_listing, "%s", text.c_str());
#endif
}

void note_done() { g_running->active = 0; }

#if !defined(__EMSCRIPTEN__)
void write_crash_note() {
  char digits[24];
  int at = sizeof digits;
  std::uint64_t seed = g_running->seed;
  do {
    digits[--at] = static_cast<char>('0' + seed % 10);
    seed /= 10;
  } while (seed && at > 0);
  const char* number = digits + at;
  const std::size_t length = sizeof digits - static_cast<std::size_t>(at);
  // Async-signal-safe: write(2) only.
  const auto say = [](const char* text, std::size_t n) { return write(STDERR_FILENO, text, n) >= 0; };
  const char stopped[] = "\nmodel: stopped while running seed ";
  const char end[] = "\n";
  if (say(stopped, sizeof stopped - 1) && say(number, length)) say(end, sizeof end - 1);
}

struct sigaction g_previous_abort;

// spool's own SIGABRT handler (installed with the first Scheduler) chains to this one.
void note_abort(int signal_number) {
  if (g_running->active) write_crash_note();
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
void install_crash_note() {
  EM_ASM({
    if (typeof process == 'object') {
      process.on('exit', function() {
        if (HEAP32[$0 >> 2]) err('model: stopped while running seed ' + HEAPU32[($0 + 8) >> 2] + ':\n' + UTF8ToString($1));
      });
    }
  }, &g_running->active, g_listing);
}
#endif

// Runs `count` seeds from g_options.first and checks each against the model; shrinks and prints
// failures.
void check_seeds(const spool_model::GeneratorOptions& options, const char* what, std::uint64_t count) {
  constexpr int kFailuresShown = 3;  // shrinking takes a while; a few failures say enough
  spool_model::Coverage covered;
  int failures = 0;
  int reruns = 0;
  for (std::uint64_t seed = g_options.first; seed < g_options.first + count; ++seed) {
    const spool_model::Program program = spool_model::checkable_program(seed, options);
    if (g_options.verbose) {
      std::fprintf(stderr, "model: %s: seed %llu\n%s", what, static_cast<unsigned long long>(seed),
                   spool_model::listing(program).c_str());
    }
    note_running(program, options);
    const spool_model::Verdict verdict = spool_model::check(program);
    covered.add(verdict.coverage);
    reruns += verdict.reruns;
    bool confirmed_failure = false;
    if (verdict.failed) {
      const spool_model::Program shortest = spool_model::shrink(program);
      const spool_model::Verdict again = spool_model::check(shortest);
      confirmed_failure = again.failed;
      if (again.failed) {
        std::printf("%s\n", spool_model::failure_report(program, shortest, again).c_str());
      } else {
        // It passed when run once more (on the real clock a loaded machine can fail a run three
        // times and then not): report the first run's difference, with the whole program.
        std::printf("%s(the shortest program passed when run once more: this failure comes and goes;"
                    " on the real clock it is not counted)\n",
                    spool_model::failure_report(program, program, verdict).c_str());
      }
    }
    note_done();
    // On the real clock, a program that fails three runs (each with a longer step) and then passes
    // is the machine's load, not spool: a scheduling bug fails every run. It is reported above
    // and not counted. Programs on the manual clock have no such excuse.
    const bool came_and_went = verdict.failed && program.clock_quantum_ms != 0 && !confirmed_failure;
    if (verdict.failed && !came_and_went && ++failures == kFailuresShown) break;
  }
  std::printf("model: %s: seeds %llu..%llu, %d failed; %llu deadlocks, %llu fibers abandoned, %llu "
              "coroutines let go mid-body with them, %d real-clock reruns\n",
              what, static_cast<unsigned long long>(g_options.first),
              static_cast<unsigned long long>(g_options.first + count - 1), failures,
              static_cast<unsigned long long>(covered.deadlocks),
              static_cast<unsigned long long>(covered.abandoned_fibers),
              static_cast<unsigned long long>(covered.lost_fiber_coroutines), reruns);
  if (g_options.verbose) std::printf("model: covered: %s\n", covered.summary().c_str());
  CHECK(failures == 0);
  // Over enough seeds every situation comes up; if one stops coming up, the generator has lost
  // reach and the test proves less than it seems to.
  if (count >= 100) {
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
    CHECK(covered.deadlocks > 0);
    CHECK(covered.abandoned_fibers > 0);
  }
}

// What a test case left: nothing.
struct NothingLeft {
  NothingLeft() { spool_context_get_stats(&before); }
  ~NothingLeft() {
    spool_context_stats after;
    spool_context_get_stats(&after);
    CHECK(spool::detail::g_fiber_records_alive.load() == 0);
    CHECK(spool::detail::StackPool::for_this_thread().in_use() == 0);
    CHECK(after.carriers_live == after.carriers_parked + after.engine_stacks_dropping);
    CHECK(after.js_slots_held == before.js_slots_held);
  }
  spool_context_stats before{};
};

}  // namespace

SPOOL_TEST_CASE("random programs run as the reference model predicts", "[model]") {
  NothingLeft leaks;
  check_seeds({}, "single thread", g_options.count);
}

SPOOL_TEST_CASE("random programs on the real clock run as the model predicts", "[model][real-clock]") {
  NothingLeft leaks;
  // Warm up first: the first programs of a process run slowly (in wasm V8 compiles each function
  // on its first call), and a burst that takes more than a step breaks the step rule.
  for (std::uint64_t seed = 1; seed <= 20; ++seed) spool_model::check(spool_model::checkable_program(seed, {}));
  spool_model::GeneratorOptions options;
  options.clock_quantum_ms = g_options.quantum_ms;
  check_seeds(options, "real clock", g_options.real_count);
}

#if !defined(__EMSCRIPTEN__)
SPOOL_TEST_CASE("random programs with posts from other threads run as the model predicts", "[model][threads]") {
  NothingLeft leaks;
  spool_model::GeneratorOptions options;
  options.posts_from_other_thread = true;
  options.noise_posts = 16;
  check_seeds(options, "posts from other threads", g_options.count);
}
#endif

// The checker and the shrinker at work on every CI run, not only when spool has a bug: with a
// deliberate error in the model (sleepers on one deadline woken in reverse order), some program
// must fail, and the shrinker must cut it down to a program that still fails and from which no
// operation can be removed without the failure going too.
SPOOL_TEST_CASE("a wrong model is caught, and the failing program is shrunk", "[model][shrink]") {
  struct Mutation {
    Mutation() { spool_model::g_model_mutation_reverse_ties = true; }
    ~Mutation() { spool_model::g_model_mutation_reverse_ties = false; }
  } mutation;
  spool_model::Program failing;
  bool found = false;
  for (std::uint64_t seed = 1; seed <= 500 && !found; ++seed) {
    failing = spool_model::checkable_program(seed, {});
    found = spool_model::check(failing).failed;
  }
  REQUIRE(found);
  const spool_model::Program shortest = spool_model::shrink(failing);
  const spool_model::Verdict verdict = spool_model::check(shortest);
  CHECK(verdict.failed);
  CHECK(shortest.op_count() < failing.op_count());
  // What the shrinker promises: no single operation can go without the failure going too (it
  // removes operations only, so a tie it needs may take many of them: sleeps that add up).
  for (std::size_t script = 0; script < shortest.scripts.size(); ++script) {
    if (!shortest.reachable()[script]) continue;
    for (std::size_t op = 0; op < shortest.scripts[script].ops.size(); ++op) {
      spool_model::Program smaller = shortest;
      smaller.scripts[script].ops.erase(smaller.scripts[script].ops.begin() + static_cast<std::ptrdiff_t>(op));
      INFO("without operation " << op << " of " << spool_model::actor_name(shortest, static_cast<int>(script)));
      CHECK_FALSE(spool_model::check(smaller).failed);
    }
  }
  const std::string report = spool_model::failure_report(failing, shortest, verdict);
  CHECK_THAT(report, Catch::Contains("shortest program that fails") && Catch::Contains(spool_model::listing(shortest)) &&
                         Catch::Contains("the trace leaves the model's"));
  if (g_options.verbose) std::printf("%s\n", report.c_str());
}

namespace {

int run_session(Catch::Session& session) {
  install_crash_note();
  return session.run();
}

#if !defined(__EMSCRIPTEN__)
// Runs `program` in a child process with its output thrown away: whether it fails there (a
// difference from the model, a problem, or a crash of any kind).
bool fails_in_child(const spool_model::Program& program) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    _exit(spool_model::check(program).failed ? 1 : 0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

// How a child process ended, in words.
std::string ending(int status) {
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + std::to_string(WTERMSIG(status));
  return "exit status " + std::to_string(WEXITSTATUS(status));
}

// The parent: runs the tests in a child; if the child stops in the middle of a program, shrinks
// that program (each candidate in a child of its own) and prints the shortest that still crashes.
int supervise(Catch::Session& session) {
  void* shared = mmap(nullptr, sizeof(Running), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) return run_session(session);
  g_running = new (shared) Running{};
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return run_session(session);
  if (pid == 0) std::exit(run_session(session));
  int status = 0;
  waitpid(pid, &status, 0);
  if (!g_running->active) return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  // It stopped in the middle of a program: find the shortest program that still does.
  const Running crashed = *g_running;
  const spool_model::Program program = spool_model::checkable_program(crashed.seed, crashed.options);
  std::printf("model: seed %llu crashed the test process (%s); shrinking it, each candidate in a process of its own\n",
              static_cast<unsigned long long>(crashed.seed), ending(status).c_str());
  std::fflush(stdout);
  const spool_model::Program shortest = spool_model::shrink(program, &fails_in_child);
  std::printf("model: seed %llu crashes (rerun it alone: bash scripts/model.sh --first %llu --seeds 1)\n"
              "shortest program that crashes (%zu of %zu operations):\n%s",
              static_cast<unsigned long long>(crashed.seed), static_cast<unsigned long long>(crashed.seed),
              shortest.op_count(), program.op_count(), spool_model::listing(shortest).c_str());
  std::printf("what it prints when it runs:\n");
  std::fflush(stdout);
  // Once more, with its output, to show the crash itself.
  const pid_t again = fork();
  if (again == 0) {
    g_running->active = 0;
    note_running(shortest, crashed.options);
    _exit(spool_model::check(shortest).failed ? 1 : 0);
  }
  if (again > 0) {
    int last = 0;
    waitpid(again, &last, 0);
    std::printf("(the shortest program ended with %s)\n", ending(last).c_str());
  }
  return 1;
}
#endif

}  // namespace

int main(int argc, char* argv[]) {
  Catch::Session session;
  using Catch::clara::Opt;
  auto cli = session.cli() |
             Opt(g_options.count, "count")["--seeds"]("how many seeds to run (default 200)") |
             Opt(g_options.first, "seed")["--first"]("the first seed (default 1)") |
             Opt(g_options.real_count, "count")["--real-seeds"]("how many seeds on the real clock (default 20)") |
             Opt(g_options.quantum_ms, "ms")["--quantum"]("the real clock's step, in ms (default 4)") |
             Opt(g_options.verbose)["--verbose"]("print each program before it runs, and what was covered") |
             Opt(g_options.in_process)["--in-process"]("natively: run in this process, not in a child") |
             Opt(g_options.crash_on, "op")["--crash-on"]("self-test: abort at the first operation of this kind");
  session.cli(cli);
  if (const int status = session.applyCommandLine(argc, argv)) return status;
  if (!g_options.crash_on.empty() && !spool_model::set_crash_on(g_options.crash_on)) {
    std::fprintf(stderr, "model: --crash-on: no operation '%s'\n", g_options.crash_on.c_str());
    return 2;
  }
#if !defined(__EMSCRIPTEN__)
  if (!g_options.in_process) return supervise(session);
#endif
  return run_session(session);
}
