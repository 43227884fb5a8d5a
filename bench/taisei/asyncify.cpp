// The Taisei-like stage (stage.h) on Emscripten's own fibers (emscripten_fiber_*, built with
// -sASYNCIFY, without spool): the Asyncify baseline. emscripten_fiber has no scheduler,
// so this file is the least frame scheduler the stage needs: a wake list per frame, a FIFO of
// tasks to run (new tasks run at the next tick, as spool runs them), cancellation that wakes a
// waiting task at once, children and entity bindings (task_tree.h), and fiber stacks recycled
// with the task records. Every switch goes through the main context (main -> task -> main): the
// simplest scheme, and the one emscripten_fiber's own examples use.
//
//   asyncify_taisei [frames (default 3600)] [K (default 1)] [seed (default 1)]
#include <emscripten/fiber.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "bench_report.h"
#include "stage.h"
#include "task_tree.h"

namespace {

// The C stack of a task, as spool gives each of the stage's tasks.
constexpr std::size_t kTaskStackBytes = 4096;
// Where Asyncify saves a task's call stack (its locals, frame by frame) while it is switched out.
// The stage's deepest suspension saved under 200 bytes when measured; overflowing this traps.
constexpr std::size_t kAsyncifyStackBytes = 1024;
constexpr std::size_t kMainAsyncifyStackBytes = 4096;

struct FiberTask : taisei::TaskNode<FiberTask> {
  emscripten_fiber_t fiber{};
  // Allocated with the record, recycled with it.
  std::unique_ptr<char[]> c_stack{new char[kTaskStackBytes]};
  std::unique_ptr<char[]> asyncify_stack{new char[kAsyncifyStackBytes]};
  bool wake_ok = true;  // what the task's wait_frames() returns once it runs again
  std::size_t wait_list = 0, wait_slot = 0;
};

class AsyncifyScheduler;
AsyncifyScheduler* g_scheduler = nullptr;  // for the fiber entry and the cancellation hook

class AsyncifyScheduler : public taisei::TreeHost<AsyncifyScheduler, FiberTask> {
 public:
  AsyncifyScheduler() : TreeHost(&AsyncifyScheduler::wake_cancelled) {
    g_scheduler = this;
    emscripten_fiber_init_from_current_context(&main_, main_asyncify_stack_, sizeof main_asyncify_stack_);
  }

  // ---- the stage's host interface (stage.h; spawning, cancel and finished in TreeHost) ----
  bool wait_frames(int frames) {
    FiberTask* self = running_;
    if (self->cancel_requested) return false;
    if (frames < 1 || frames >= static_cast<int>(kWaitLists)) std::abort();  // the ring holds 63 frames
    self->wait_list = static_cast<std::size_t>(frame_ + static_cast<std::uint64_t>(frames)) % kWaitLists;
    auto& list = wait_lists_[self->wait_list];
    self->wait_slot = list.size();
    list.push_back(self);
    self->waiting = true;
    emscripten_fiber_swap(&self->fiber, &main_);
    return self->wake_ok;
  }
  // ---- the frame loop ----
  // Cancels the tasks whose entity died, wakes the tasks waiting for this frame, then runs every
  // task that was ready when the tick began once, in order.
  void tick() {
    ++frame_;
    tasks_.check_bindings();
    auto& due = wait_lists_[frame_ % kWaitLists];
    for (FiberTask* task : due) {
      if (task) wake(task, true);  // null: woken earlier by a cancellation
    }
    due.clear();
    for (std::size_t n = ready_.size(); n > 0; --n) {
      FiberTask* task = ready_.front();
      ready_.pop_front();
      running_ = task;
      ++resumptions_;
      emscripten_fiber_swap(&main_, &task->fiber);
      running_ = nullptr;
      // We are off its stacks now: they go back to the pool with the record.
      if (task->finished) tasks_.recycle(task);
    }
  }

 private:
  friend TreeHost;
  // A ring of wake lists, one per frame: enough for the longest wait of the stage.
  static constexpr std::size_t kWaitLists = 64;
  static_assert(taisei::kLongestWait < static_cast<int>(kWaitLists));

  template <class F>
  FiberTask* start(F&& body, FiberTask* parent, std::weak_ptr<void> bound_to) {
    FiberTask* task = tasks_.create(std::function<void()>(std::forward<F>(body)), parent, std::move(bound_to));
    emscripten_fiber_init(&task->fiber, &AsyncifyScheduler::fiber_entry, task, task->c_stack.get(), kTaskStackBytes,
                          task->asyncify_stack.get(), kAsyncifyStackBytes);
    ready_.push_back(task);
    return task;
  }

  static void fiber_entry(void* arg) {
    auto* task = static_cast<FiberTask*>(arg);
    task->body();
    g_scheduler->tasks_.finish(task);
    // An emscripten_fiber entry must not return: hand back to main, which recycles the record.
    emscripten_fiber_swap(&task->fiber, &g_scheduler->main_);
  }

  static void wake_cancelled(FiberTask* task) {
    g_scheduler->wait_lists_[task->wait_list][task->wait_slot] = nullptr;
    g_scheduler->wake(task, false);
  }

  void wake(FiberTask* task, bool ok) {
    task->waiting = false;
    task->wake_ok = ok;
    ready_.push_back(task);
  }

  std::deque<FiberTask*> ready_;
  std::array<std::vector<FiberTask*>, kWaitLists> wait_lists_;
  std::uint64_t frame_ = 0;
  emscripten_fiber_t main_{};
  char main_asyncify_stack_[kMainAsyncifyStackBytes];
};

}  // namespace

int main(int argc, char** argv) {
  const int frames = argc > 1 ? std::atoi(argv[1]) : 3600;
  const int k = argc > 2 ? std::atoi(argv[2]) : 1;
  const unsigned long long seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;

  static AsyncifyScheduler scheduler;  // static: its main-context Asyncify buffer stays off the stack
  taisei::Stage<AsyncifyScheduler> stage(scheduler, k, seed);
  taisei::FrameRecorder run(frames, true, bench_resident_bytes());
  taisei::run_stage(stage, frames, run, [] { scheduler.tick(); }, [] { return scheduler.live(); });
  taisei::report("asyncify", k, frames, seed, run,
                 {static_cast<double>(scheduler.resumptions()), scheduler.spawns()}, stage.state_updates(),
                 stage.hash());
  return 0;
}
