// Random programs for the model test: what each fiber, posted fiber and coroutine does, a seeded
// generator of them, and the trace that both the run on spool and the reference model write.
//
// A program is a list of scripts. Script 0 is main's; every other script is started by exactly one
// operation of another script (spawn, post or create), so each script runs at most once and an
// actor (the fiber or coroutine running a script) is named by its script's index. Operations name
// scripts, never positions, so that removing operations (shrinking) leaves a valid program.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "spool/spool.h"

namespace spool_model {

enum class OpKind : std::uint8_t {
  spawn,             // spawn a fiber running script `arg` and keep its handle
  post,              // Scheduler::post() script `arg` (a detached fiber; no handle)
  yield,             // this_fiber::yield()
  sleep,             // this_fiber::sleep_for(`arg` ms) on the ManualClock
  join,              // join the handle of script `arg` (empty if this actor did not spawn it)
  detach,            // detach that handle
  inspect,           // write that handle's state()
  create,            // create a coroutine running script `arg`
  resume,            // resume this actor's coroutine `arg`, if it created one
  yield_to_resumer,  // (coroutine scripts only) spool::Coroutine::yield()
  cancel,            // Fiber::cancel() on the handle of script `arg` (nothing if empty)
  signal,            // signal event `arg` (kAutoEvent or kManualEvent)
  wait,              // wait_for() on event `arg`, at most `param` ms
  send,              // send a value naming this operation on the program's channel
  receive,           // receive from the program's channel
  close,             // close the program's channel
  tick,              // Scheduler::tick(): the next frame
  wait_frames,       // this_fiber::wait_frames(`arg`)
};

// The program's shared objects: two events, and one channel of Program::channel_capacity.
constexpr int kAutoEvent = 0;
constexpr int kManualEvent = 1;
constexpr int kEvents = 2;

struct Op {
  OpKind kind;
  int arg;
  int param = 0;
};

enum class ScriptKind : std::uint8_t { main, fiber, posted, coroutine };

struct Script {
  ScriptKind kind;
  std::vector<Op> ops;
};

struct Program {
  std::uint64_t seed = 0;
  bool from_bytes = false;  // decoded from fuzz bytes (generate_from_bytes), not from a seed
  std::size_t max_live_fibers = 0;  // 0: spool's default cap, never reached here
  // 32 KiB stacks, and caches that keep one C stack and two engine stacks: stacks are freed and
  // made again all the time, instead of coming from a warm cache.
  bool small_caches = false;
  std::size_t channel_capacity = 1;
  // Native only: post operations are made by a helper thread (one at a time, in program order,
  // so the model still predicts them), and `noise_posts` trivial fibers are posted by another
  // thread at moments nobody controls. Noise fibers write nothing to the trace; in the counters
  // they show only as ready fibers (so the trace shows live minus ready, which they leave as it
  // is) and as finished ones (which the run on spool subtracts: it counts the noise that ran).
  bool posts_from_other_thread = false;
  int noise_posts = 0;
  // 0: the scheduler runs on a ManualClock. N > 0: on its own real clock (steady_clock), with one
  // millisecond of the program N real ones, counted in steps of N ms since the run began; every
  // deadline is put on a step (sleep_until / wait_until), so that sleeps with one deadline in the
  // program still have one deadline when they run (the model's order) as long as each burst of
  // work between two idle waits takes less than a step. The scheduler really waits for its timers
  // (natively on its inbox, in wasm on the event loop).
  int clock_quantum_ms = 0;
  std::vector<Script> scripts;  // scripts[0] is main's

  std::size_t op_count() const;
  // Scripts that can run: main and what reachable scripts start. Others were cut off by shrinking.
  std::vector<bool> reachable() const;
};

struct GeneratorOptions {
  bool posts_from_other_thread = false;
  int noise_posts = 0;
  int clock_quantum_ms = 0;  // see Program::clock_quantum_ms
};

// The same seed gives the same program on every platform (no std:: distributions, whose results
// differ between libstdc++ and libc++).
Program generate(std::uint64_t seed, const GeneratorOptions& options = {});

// The same generator with every choice read from `bytes` instead of a seeded generator (the fuzz
// target's decoder): each choice takes the next one or two bytes, and once they run out every
// choice is the first one. Any byte string gives a valid program.
Program generate_from_bytes(const std::uint8_t* bytes, std::size_t size, const GeneratorOptions& options = {});

// "main", "f3" (fiber), "p4" (posted), "c5" (coroutine).
std::string actor_name(const Program& program, int script);
std::string describe(const Program& program, const Op& op);
// The reachable scripts, one a line, and the configuration.
std::string listing(const Program& program);

// What a coroutine's yield and return hand over, and what a resume passes in: the actor and the
// operation index that did it (the number of operations for a coroutine's return).
void* transfer_value(int actor, std::size_t op_index);

// What a running actor sees at an operation: the fiber it runs in, the virtual time, and the
// scheduler's counters.
struct Snapshot {
  std::string fiber;
  long long now_ms = 0;
  std::uint64_t frame = 0;
  std::size_t live = 0;
  std::size_t ready = 0;
  std::size_t waiting = 0;
  std::size_t queued = 0;
  std::uint64_t finished = 0;
};

// The lines an execution writes, in the order it happens. Both sides format through this class,
// so a difference in the lines is a difference in what happened.
class Trace {
 public:
  explicit Trace(const Program& program);
  // Before operation `index` of `actor`.
  void op(int actor, std::size_t index, const Snapshot& seen);
  // After the last operation of `actor`.
  void end(int actor, const Snapshot& seen);
  void joined(int actor, std::size_t index, spool::Status status);
  void inspected(int actor, std::size_t index, spool::FiberState state);
  void resumed(int actor, std::size_t index, spool::Status status, const void* value,
               spool::CoroutineState state);
  // A coroutine received `value`: at its start (after_op == npos) or from its yield at after_op.
  void received(int actor, std::size_t after_op, const void* value);
  void reported(spool::Status status);
  // What a blocking operation returned: yield and sleep only when not ok; wait, send always.
  void returned(int actor, std::size_t index, spool::Status status);
  // What receive returned, and the value (the operation that sent it) when ok.
  void took(int actor, std::size_t index, spool::Status status, const void* value);

  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::string at(int actor, std::size_t index) const;
  std::string context(const Snapshot& seen) const;
  std::string value_name(const void* value) const;
  const Program& program_;
  bool noise_;  // counters that noise fibers leave as they are, only (see Program::noise_posts)
  std::vector<std::string> lines_;
};

}  // namespace spool_model
