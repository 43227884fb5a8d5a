#include "program.h"

#include <cstdio>

namespace spool_model {

namespace {

// The choices a generator makes, over the one a source of randomness implements:
// `int below(int n)`, a number in [0, n).
template <class Source>
class Choices {
 public:
  bool one_in(int n) { return source().below(n) == 0; }
  template <class T, std::size_t N>
  T pick(const T (&choices)[N]) {
    return choices[source().below(static_cast<int>(N))];
  }
  int pick(const std::vector<int>& choices) { return choices[source().below(static_cast<int>(choices.size()))]; }

 private:
  Source& source() { return static_cast<Source&>(*this); }
};

// splitmix64: tiny, and the same numbers everywhere.
class Rng : public Choices<Rng> {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }

 private:
  std::uint64_t state_;
};

// The same interface, every choice read from fuzz bytes: one byte for a choice among up to 256,
// two bytes for more; 0 once the bytes run out.
class ByteSource : public Choices<ByteSource> {
 public:
  ByteSource(const std::uint8_t* bytes, std::size_t size) : bytes_(bytes), size_(size) {}
  int below(int n) {
    if (n <= 1) return 0;
    std::uint32_t value = take();
    if (n > 256) value = (value << 8) | take();
    return static_cast<int>(value % static_cast<std::uint32_t>(n));
  }

 private:
  std::uint32_t take() { return at_ < size_ ? bytes_[at_++] : 0; }
  const std::uint8_t* bytes_;
  std::size_t size_;
  std::size_t at_ = 0;
};

// How often each operation is drawn. Resumes outweigh creations so that coroutines get past
// their first yields; joins outweigh detaches so that most fibers are waited for.
struct Weight {
  OpKind kind;
  int weight;
};
constexpr Weight kWeights[] = {
    {OpKind::spawn, 12}, {OpKind::post, 5},      {OpKind::yield, 14},     {OpKind::sleep, 12},
    {OpKind::join, 12},  {OpKind::detach, 4},    {OpKind::inspect, 6},    {OpKind::create, 7},
    {OpKind::resume, 16}, {OpKind::yield_to_resumer, 12}, {OpKind::cancel, 4},
    {OpKind::signal, 6},  {OpKind::wait, 6},      {OpKind::send, 6},       {OpKind::receive, 6},
    {OpKind::close, 1},   {OpKind::tick, 3},       {OpKind::wait_frames, 8},
};
// Equal delays are common on purpose: sleepers with one deadline must wake in sleep order.
constexpr int kSleepMs[] = {0, 1, 2, 5, 10, 10, 20};
constexpr int kWaitMs[] = {1, 5, 10, 20, 40};
constexpr int kCloserDelayMs[] = {10, 50, 100};
constexpr int kWaitFrames[] = {0, 1, 1, 2, 3};
// How many frames the ticker fiber runs (see Generator::run).
constexpr int kTickerFrames = 60;
constexpr int kMaxCoroutineDepth = 3;  // coroutines resuming coroutines, at most this deep

template <class Source>
class Generator {
 public:
  Generator(Program& program, Source source) : program_(program), rng_(source) {
    max_scripts_ = 4 + rng_.below(24);
    if (rng_.one_in(4)) program_.max_live_fibers = 1 + rng_.below(3);
    program_.small_caches = rng_.one_in(2);
    program_.channel_capacity = 1 + static_cast<std::size_t>(rng_.below(2));
  }

  void run() {
    add_script(ScriptKind::main, 0);
    // Scripts are appended while earlier ones are filled in.
    for (std::size_t s = 0; s < program_.scripts.size(); ++s) fill(static_cast<int>(s));
    // Mostly, main first posts a closer: a fiber that sleeps, then closes the channel and sets
    // the manual event, which frees every fiber still blocked on them once nothing else can run
    // (the ManualClock jumps to its deadline). Without it most programs would deadlock: the model
    // predicts deadlocks too, but programs that get past them reach more.
    // A program that waits for frames also gets a ticker posted by main: a fiber that runs
    // kTickerFrames frames (Scheduler::tick), so that the waits end (else it would deadlock).
    if (waits_for_frames()) {
      const int ticker = add_script(ScriptKind::posted, 0);
      // A frame a millisecond (of the ManualClock, which moves when nothing else can run): a
      // tick with nobody else ready returns at once, so back to back the frames would all pass
      // before anyone waited for them.
      for (int frame = 0; frame < kTickerFrames; ++frame) {
        program_.scripts[ticker].ops.push_back(Op{OpKind::sleep, 1});
        program_.scripts[ticker].ops.push_back(Op{OpKind::tick, 0});
      }
      auto& main_ops = program_.scripts[0].ops;
      main_ops.insert(main_ops.begin(), Op{OpKind::post, ticker});
    }
    if (!rng_.one_in(4)) {
      const int closer = add_script(ScriptKind::posted, 0);
      program_.scripts[closer].ops = {Op{OpKind::sleep, rng_.pick(kCloserDelayMs)}, Op{OpKind::close, 0},
                                      Op{OpKind::signal, kManualEvent}};
      auto& main_ops = program_.scripts[0].ops;
      main_ops.insert(main_ops.begin(), Op{OpKind::post, closer});
    }
  }

 private:
  bool waits_for_frames() const {
    for (const Script& script : program_.scripts) {
      for (const Op& op : script.ops) {
        if (op.kind == OpKind::wait_frames) return true;
      }
    }
    return false;
  }

  int add_script(ScriptKind kind, int coroutine_depth) {
    program_.scripts.push_back(Script{kind, {}});
    coroutine_depth_.push_back(coroutine_depth);
    return static_cast<int>(program_.scripts.size()) - 1;
  }

  void fill(int script) {
    const ScriptKind kind = program_.scripts[script].kind;
    const int count = kind == ScriptKind::main ? 3 + rng_.below(10) : 1 + rng_.below(9);
    std::vector<int> spawned;
    std::vector<int> coroutines;
    for (int i = 0; i < count; ++i) {
      const Op op = draw(script, spawned, coroutines);
      program_.scripts[script].ops.push_back(op);
    }
  }

  OpKind draw_kind() {
    int total = 0;
    for (const Weight& w : kWeights) total += w.weight;
    int roll = rng_.below(total);
    for (const Weight& w : kWeights) {
      if (roll < w.weight) return w.kind;
      roll -= w.weight;
    }
    return OpKind::yield;
  }

  // A handle or coroutine this actor made, mostly; now and then one it did not (an empty handle,
  // or no coroutine), which spool must refuse the same way every time.
  int draw_target(const std::vector<int>& own) {
    if (!own.empty() && !rng_.one_in(12)) return rng_.pick(own);
    if (rng_.one_in(4)) return rng_.below(static_cast<int>(program_.scripts.size()));
    return -1;
  }

  Op draw(int script, std::vector<int>& spawned, std::vector<int>& coroutines) {
    const bool room = static_cast<int>(program_.scripts.size()) < max_scripts_;
    const int depth = coroutine_depth_[script];
    const bool is_coroutine = program_.scripts[script].kind == ScriptKind::coroutine;
    const Op fallback{OpKind::yield, 0};
    switch (const OpKind kind = draw_kind()) {
      case OpKind::spawn:
      case OpKind::post: {
        if (!room) return fallback;
        const int child = add_script(kind == OpKind::spawn ? ScriptKind::fiber : ScriptKind::posted, 0);
        if (kind == OpKind::spawn) spawned.push_back(child);
        return Op{kind, child};
      }
      case OpKind::create: {
        if (!room || depth >= kMaxCoroutineDepth) return fallback;
        const int child = add_script(ScriptKind::coroutine, depth + 1);
        coroutines.push_back(child);
        return Op{kind, child};
      }
      case OpKind::join:
      case OpKind::detach:
      case OpKind::inspect:
      case OpKind::cancel: {
        const int target = draw_target(spawned);
        return target < 0 ? fallback : Op{kind, target};
      }
      case OpKind::resume: {
        const int target = draw_target(coroutines);
        return target < 0 ? fallback : Op{kind, target};
      }
      case OpKind::yield_to_resumer:
        return is_coroutine ? Op{kind, 0} : fallback;
      case OpKind::sleep:
        return Op{kind, rng_.pick(kSleepMs)};
      case OpKind::yield:
      case OpKind::send:
      case OpKind::receive:
      case OpKind::close:
      case OpKind::tick:
        return Op{kind, 0};
      case OpKind::wait_frames:
        return Op{kind, rng_.pick(kWaitFrames)};
      case OpKind::signal:
        return Op{kind, rng_.below(kEvents)};
      case OpKind::wait:
        // Every wait has a timeout: a wait nobody signals ends anyway (on the ManualClock).
        return Op{kind, rng_.below(kEvents), rng_.pick(kWaitMs)};
    }
    return fallback;
  }

  Program& program_;
  Source rng_;
  int max_scripts_ = 0;
  std::vector<int> coroutine_depth_;
};

const char* kind_name(ScriptKind kind) {
  switch (kind) {
    case ScriptKind::main: return "main";
    case ScriptKind::fiber: return "fiber";
    case ScriptKind::posted: return "posted";
    case ScriptKind::coroutine: return "coroutine";
  }
  return "?";
}

const char* event_name(int event) { return event == kAutoEvent ? "auto-event" : "manual-event"; }

}  // namespace

std::size_t Program::op_count() const {
  const std::vector<bool> live = reachable();
  std::size_t n = 0;
  for (std::size_t s = 0; s < scripts.size(); ++s) {
    if (live[s]) n += scripts[s].ops.size();
  }
  return n;
}

std::vector<bool> Program::reachable() const {
  std::vector<bool> live(scripts.size(), false);
  if (scripts.empty()) return live;
  live[0] = true;
  // Children always come after the script that starts them.
  for (std::size_t s = 0; s < scripts.size(); ++s) {
    if (!live[s]) continue;
    for (const Op& op : scripts[s].ops) {
      if (op.kind == OpKind::spawn || op.kind == OpKind::post || op.kind == OpKind::create) {
        live[static_cast<std::size_t>(op.arg)] = true;
      }
    }
  }
  return live;
}

namespace {
template <class Source>
Program generate_with(std::uint64_t seed, Source source, const GeneratorOptions& options) {
  Program program;
  program.seed = seed;
  program.posts_from_other_thread = options.posts_from_other_thread;
  program.noise_posts = options.noise_posts;
  program.clock_quantum_ms = options.clock_quantum_ms;
  Generator<Source>(program, source).run();
  // Noise fibers take live slots at moments nobody controls: under a cap they would decide which
  // spawns wait.
  if (program.noise_posts) program.max_live_fibers = 0;
  return program;
}
}  // namespace

Program generate(std::uint64_t seed, const GeneratorOptions& options) {
  return generate_with(seed, Rng(seed), options);
}

Program generate_from_bytes(const std::uint8_t* bytes, std::size_t size, const GeneratorOptions& options) {
  Program program = generate_with(0, ByteSource(bytes, size), options);
  program.from_bytes = true;
  return program;
}

std::string actor_name(const Program& program, int script) {
  if (script < 0 || script >= static_cast<int>(program.scripts.size())) return "?" + std::to_string(script);
  switch (program.scripts[script].kind) {
    case ScriptKind::main: return "main";
    case ScriptKind::fiber: return "f" + std::to_string(script);
    case ScriptKind::posted: return "p" + std::to_string(script);
    case ScriptKind::coroutine: return "c" + std::to_string(script);
  }
  return "?";
}

std::string describe(const Program& program, const Op& op) {
  const std::string target = actor_name(program, op.arg);
  switch (op.kind) {
    case OpKind::spawn: return "spawn " + target;
    case OpKind::post: return "post " + target;
    case OpKind::yield: return "yield";
    case OpKind::sleep: return "sleep " + std::to_string(op.arg) + "ms";
    case OpKind::join: return "join " + target;
    case OpKind::detach: return "detach " + target;
    case OpKind::inspect: return "inspect " + target;
    case OpKind::create: return "create " + target;
    case OpKind::resume: return "resume " + target;
    case OpKind::yield_to_resumer: return "yield to resumer";
    case OpKind::cancel: return "cancel " + target;
    case OpKind::signal: return std::string("signal ") + event_name(op.arg);
    case OpKind::wait: return std::string("wait ") + event_name(op.arg) + " " + std::to_string(op.param) + "ms";
    case OpKind::send: return "send";
    case OpKind::receive: return "receive";
    case OpKind::close: return "close";
    case OpKind::tick: return "tick";
    case OpKind::wait_frames: return "wait " + std::to_string(op.arg) + " frames";
  }
  return "?";
}

std::string listing(const Program& program) {
  std::string text = "  config:";
  if (program.max_live_fibers) text += " max_live_fibers " + std::to_string(program.max_live_fibers) + ",";
  text += program.small_caches ? " 32 KiB stacks, small caches" : " default stacks and caches";
  text += ", channel capacity " + std::to_string(program.channel_capacity);
  if (program.posts_from_other_thread) text += ", posts made by another thread";
  if (program.noise_posts) text += ", " + std::to_string(program.noise_posts) + " noise posts from a third thread";
  if (program.clock_quantum_ms) {
    text += ", real clock (1 program ms = " + std::to_string(program.clock_quantum_ms) + " ms)";
  }
  text += "\n";
  const std::vector<bool> live = program.reachable();
  for (std::size_t s = 0; s < program.scripts.size(); ++s) {
    if (!live[s]) continue;
    const Script& script = program.scripts[s];
    text += "  " + actor_name(program, static_cast<int>(s));
    if (script.kind != ScriptKind::main) text += std::string(" (") + kind_name(script.kind) + ")";
    text += ":";
    for (std::size_t i = 0; i < script.ops.size(); ++i) {
      text += i ? "; " : " ";
      text += describe(program, script.ops[i]);
    }
    if (script.ops.empty()) text += " (nothing)";
    text += "\n";
  }
  return text;
}

void* transfer_value(int actor, std::size_t op_index) {
  const std::uintptr_t value = (static_cast<std::uintptr_t>(actor + 1) << 16) | (op_index + 1);
  return reinterpret_cast<void*>(value);
}

Trace::Trace(const Program& program) : program_(program), noise_(program.noise_posts != 0) {}

std::string Trace::at(int actor, std::size_t index) const {
  return actor_name(program_, actor) + "." + std::to_string(index);
}

std::string Trace::value_name(const void* value) const {
  const auto bits = reinterpret_cast<std::uintptr_t>(value);
  if (bits == 0) return "nothing";
  const int actor = static_cast<int>(bits >> 16) - 1;
  const std::size_t index = (bits & 0xFFFF) - 1;
  const bool at_end = actor >= 0 && actor < static_cast<int>(program_.scripts.size()) &&
                      index == program_.scripts[actor].ops.size();
  return at_end ? actor_name(program_, actor) + ".end" : at(actor, index);
}

// "[in f3 t=10ms frame 0 live 2 ready 1 waiting 0 queued 0 done 1]": where and when a line was
// written. With noise posts: "live-ready 1" instead of live and ready (a noise fiber drained from
// the inbox is live and ready until it runs, which nobody controls), and `done` without the noise
// fibers that have run (the run on spool counts them).
std::string Trace::context(const Snapshot& seen) const {
  std::string text = " [in " + seen.fiber + " t=" + std::to_string(seen.now_ms) + "ms frame " + std::to_string(seen.frame);
  char counters[160];
  if (noise_) {
    std::snprintf(counters, sizeof counters, " live-ready %lld waiting %zu queued %zu done %llu",
                  static_cast<long long>(seen.live) - static_cast<long long>(seen.ready), seen.waiting,
                  seen.queued, static_cast<unsigned long long>(seen.finished));
  } else {
    std::snprintf(counters, sizeof counters, " live %zu ready %zu waiting %zu queued %zu done %llu",
                  seen.live, seen.ready, seen.waiting, seen.queued,
                  static_cast<unsigned long long>(seen.finished));
  }
  return text + counters + "]";
}

void Trace::op(int actor, std::size_t index, const Snapshot& seen) {
  lines_.push_back(at(actor, index) + " " + describe(program_, program_.scripts[actor].ops[index]) +
                   context(seen));
}

void Trace::end(int actor, const Snapshot& seen) {
  lines_.push_back(actor_name(program_, actor) + " end" + context(seen));
}

void Trace::joined(int actor, std::size_t index, spool::Status status) {
  lines_.push_back(at(actor, index) + " join -> " + spool::to_string(status));
}

void Trace::inspected(int actor, std::size_t index, spool::FiberState state) {
  lines_.push_back(at(actor, index) + " inspect -> " + spool::to_string(state));
}

void Trace::resumed(int actor, std::size_t index, spool::Status status, const void* value,
                    spool::CoroutineState state) {
  lines_.push_back(at(actor, index) + " resume -> " + spool::to_string(status) + " " +
                   value_name(value) + ", " + spool::to_string(state));
}

void Trace::received(int actor, std::size_t after_op, const void* value) {
  const std::string where = after_op == std::string::npos ? actor_name(program_, actor) + " start" : at(actor, after_op);
  lines_.push_back(where + " got " + value_name(value));
}

void Trace::returned(int actor, std::size_t index, spool::Status status) {
  lines_.push_back(at(actor, index) + " -> " + spool::to_string(status));
}

void Trace::took(int actor, std::size_t index, spool::Status status, const void* value) {
  lines_.push_back(at(actor, index) + " -> " + spool::to_string(status) +
                   (status == spool::Status::ok ? " " + value_name(value) : std::string()));
}

void Trace::reported(spool::Status status) {
  lines_.push_back(std::string("report ") + spool::to_string(status));
}

}  // namespace spool_model
