// The Taisei-like stage (stage.h) on bare JSPI: the raw JSPI baseline. No spool and no
// C code that switches stacks: tasks run on carriers, WebAssembly.promising calls of
// taisei_carrier that run task after task, started and parked by the JS frame loop
// (raw_jspi_pre.js); wait_frames is a WebAssembly.Suspending import whose Promise the loop
// resolves at the task's frame. Cancellation is a C flag plus a plain import that moves the task's
// resolver to the next frame. Children and entity bindings are the same bookkeeping as the
// Asyncify baseline's (task_tree.h).
//
// Engine stacks are pooled, as spool pools them: a new promising call (a new engine stack) costs
// ~11-15 us, so a task that ends parks its carrier, and the next task to start takes a parked
// carrier (a new one only when none is parked). A carrier is held by its task for the task's
// whole life, so there are as many carriers as tasks live at the peak.
//
// The one thing JSPI leaves to us: every engine stack shares the C shadow stack
// (__stack_pointer), so each task runs on a C stack of its own (recycled with its record), saved
// and restored around each suspension; while tasks are suspended the stack pointer is left on the
// main C stack, where the loop's plain calls run.
//
//   node raw_jspi_taisei.js [frames (default 3600)] [K (default 1)] [seed (default 1)]
#include <emscripten.h>
#include <emscripten/stack.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "bench_report.h"
#include "stage.h"
#include "task_tree.h"

extern "C" {
// Imports: raw_jspi_library.js declares them, raw_jspi_pre.js defines them at instantiation.
int taisei_wait_frames(int task, int frames);  // suspending: 1 once its frame came, 0 if cancelled
void taisei_wake_cancelled(int task);          // its wait ends at the next frame, returning 0
void taisei_queue_start(int task);             // the loop starts it at the next frame
int taisei_carrier_park(int finished_task);    // suspending: the task ended (one fewer for the loop
                                               // to wait for); park until given the next (< 0: stop)
// Emscripten's own (compiler-rt) accessors of __stack_pointer.
std::uintptr_t stackSave(void);
void stackRestore(std::uintptr_t sp);
}

namespace {

// The C stack of a task, as spool gives each of the stage's tasks.
constexpr std::size_t kTaskStackBytes = 4096;

struct JspiTask : taisei::TaskNode<JspiTask> {
  int id = -1;  // its index in the host's table: what JS knows it by
  std::unique_ptr<char[]> c_stack{new char[kTaskStackBytes]};
  // The C stack grows down from here (16-byte aligned, as the wasm ABI wants).
  std::uintptr_t stack_top() const {
    return (reinterpret_cast<std::uintptr_t>(c_stack.get()) + kTaskStackBytes) & ~std::uintptr_t{15};
  }
};

class RawJspiHost;
RawJspiHost* g_host = nullptr;

class RawJspiHost : public taisei::TreeHost<RawJspiHost, JspiTask> {
 public:
  RawJspiHost() : TreeHost(&RawJspiHost::wake_cancelled), main_sp_(emscripten_stack_get_base()) { g_host = this; }

  // ---- the stage's host interface (stage.h; spawning, cancel and finished in TreeHost) ----
  // Not inlined, so that the stack pointer is switched at one clear place around the suspension.
  [[gnu::noinline]] bool wait_frames(int frames) {
    JspiTask* self = running_;
    if (self->cancel_requested) return false;
    self->waiting = true;
    const std::uintptr_t own_sp = stackSave();
    stackRestore(main_sp_);  // what runs while we are suspended must not write on our C stack
    const int woken_by_frame = taisei_wait_frames(self->id, frames);
    stackRestore(own_sp);
    self->waiting = false;
    running_ = self;
    ++resumptions_;
    return woken_by_frame != 0;
  }
  // ---- called by the exports ----
  JspiTask* task(int id) const { return by_id_[static_cast<std::size_t>(id)]; }
  std::uintptr_t main_sp() const { return main_sp_; }
  // The task's body, on its own C stack; its end as the tree sees it.
  [[gnu::noinline]] void run(JspiTask* task) {
    running_ = task;
    ++resumptions_;
    task->body();
    tasks_.finish(task);
    running_ = nullptr;
  }
  void recycle(JspiTask* task) { tasks_.recycle(task); }
  void check_bindings() { tasks_.check_bindings(); }

 private:
  friend TreeHost;
  template <class F>
  JspiTask* start(F&& body, JspiTask* parent, std::weak_ptr<void> bound_to) {
    JspiTask* task = tasks_.create(std::function<void()>(std::forward<F>(body)), parent, std::move(bound_to));
    if (task->id < 0) {  // a new record, not a recycled one
      task->id = static_cast<int>(by_id_.size());
      by_id_.push_back(task);
    }
    taisei_queue_start(task->id);
    return task;
  }

  static void wake_cancelled(JspiTask* task) { taisei_wake_cancelled(task->id); }

  std::vector<JspiTask*> by_id_;
  std::uintptr_t main_sp_;  // top of the main C stack: where plain calls from JS run
};

// One stage per process, driven by the JS loop through the exports below.
struct Run {
  int frames, k;
  unsigned long long seed;
  RawJspiHost host;
  taisei::Stage<RawJspiHost> stage{host, k, seed};
  taisei::FrameRecorder recorder{frames, true, bench_resident_bytes()};
  Run(int frames_, int k_, unsigned long long seed_) : frames(frames_), k(k_), seed(seed_) {}
};
Run* g_run = nullptr;

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE void taisei_init(int frames, int k, double seed) {
  g_run = new Run(frames, k, static_cast<unsigned long long>(seed));
  g_run->stage.start(frames);
}

// At the start of a frame: tasks whose entity died are cancelled (their waits end next).
EMSCRIPTEN_KEEPALIVE void taisei_frame_begin() { g_run->host.check_bindings(); }

// After a frame's tasks have all suspended again or ended: returns whether to run another frame.
EMSCRIPTEN_KEEPALIVE int taisei_frame_end(double tick_ns) {
  return g_run->recorder.record(tick_ns, g_run->host.live(), g_run->stage.hash()) ? 1 : 0;
}

// A carrier: one promising call that runs task after task. Nothing here may use the C stack
// (each task's body runs on the task's own, in the non-inlined RawJspiHost::run); while parked,
// the stack pointer is on the main C stack.
EMSCRIPTEN_KEEPALIVE void taisei_carrier(int id) {
  while (id >= 0) {
    JspiTask* task = g_host->task(id);
    stackRestore(task->stack_top());
    g_host->run(task);
    stackRestore(g_host->main_sp());
    g_host->recycle(task);  // we are off its C stack
    id = taisei_carrier_park(id);
  }
}

EMSCRIPTEN_KEEPALIVE void taisei_finish() {
  g_run->stage.clear();
  taisei::report("raw_jspi", g_run->k, g_run->frames, g_run->seed, g_run->recorder,
                 {static_cast<double>(g_run->host.resumptions()), g_run->host.spawns()},
                 g_run->stage.state_updates(), g_run->stage.hash());
}

}  // extern "C"
