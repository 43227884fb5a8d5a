// The Taisei-like stage (stage.h) on <emscripten/fiber.h> alone. emscripten_fiber has no
// scheduler, so this file is the least frame scheduler the stage needs: a wake list per frame, a
// FIFO of tasks to run (new tasks run at the next tick, as spool runs them), cancellation that
// wakes a waiting task at once, children and entity bindings (task_tree.h), and fiber structs and
// stacks recycled with the task records. Every switch goes through the main context
// (main -> task -> main): the simplest scheme, the one emscripten_fiber's own examples use and the
// one Taisei's tasks on koishi follow (koishi_resume / koishi_yield).
//
// Built three ways (bench/taisei/CMakeLists.txt), the build saying which with two definitions:
//  - TAISEI_FIBER_IMPL: the implementation's name in the RESULT lines;
//  - TAISEI_KOISHI_RECYCLING: how a recycled struct is made ready for its next task.
//      0: emscripten_fiber_init() at every start (impl "asyncify": the Asyncify baseline of
//         spool's own API, built with -sASYNCIFY);
//      1: as koishi's emscripten backend does (src/emscripten/emscripten.c there): struct,
//         Asyncify buffer and C stack in one block, emscripten_fiber_init() once when the block is
//         made, and on every reuse its fields rewritten by hand (koishi_fiber_recycle: stack_ptr,
//         entry, user_data, asyncify_data.stack_ptr). Built with -sASYNCIFY ("koishi_asyncify")
//         and linked against spool::spool instead, whose emscripten_fiber layer runs it on JSPI
//         ("koishi_spool"): the same program, thousands of live structs recycled by hand.
//
//   <program> [frames (default 3600)] [K (default 1)] [seed (default 1)]
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

#if !defined(TAISEI_FIBER_IMPL) || !defined(TAISEI_KOISHI_RECYCLING)
#error "the build defines TAISEI_FIBER_IMPL and TAISEI_KOISHI_RECYCLING (see the top of this file)"
#endif
#define TAISEI_STRING(x) #x
#define TAISEI_NAME(x) TAISEI_STRING(x)
constexpr const char* kImpl = TAISEI_NAME(TAISEI_FIBER_IMPL);

// The C stack of a task, as spool gives each of the stage's tasks.
constexpr std::size_t kTaskStackBytes = 4096;
constexpr std::size_t kMainAsyncifyStackBytes = 4096;

void fiber_entry(void* arg);

#if TAISEI_KOISHI_RECYCLING
// koishi's em_fiber_data_t: the struct, its Asyncify buffer (4 KiB, as koishi has it) and the C
// stack in one block. The C stack is 8 KiB, not the 4 KiB the other stage programs give a task:
// spool's emscripten_fiber layer wants 4 KiB of stack below the 128-byte record it keeps at the
// top of it, and both koishi builds get the same block. (koishi itself rounds the block up to
// whole pages, 64 KiB in wasm; that much is not copied here.)
struct FiberBlock {
  emscripten_fiber_t fiber;
  char asyncify_stack[4096];
  alignas(16) char c_stack[2 * kTaskStackBytes];
};

struct FiberTask : taisei::TaskNode<FiberTask> {
  std::unique_ptr<FiberBlock> block;  // made at the record's first task, recycled with it
  bool wake_ok = true;  // what the task's wait_frames() returns once it runs again
  std::size_t wait_list = 0, wait_slot = 0;

  emscripten_fiber_t* fiber() { return &block->fiber; }
  // koishi_fiber_init the first time, koishi_fiber_recycle after: the struct's previous run
  // ended in a swap to main and is dropped, never resumed.
  void arm() {
    if (!block) {
      block.reset(new FiberBlock);
      emscripten_fiber_init(&block->fiber, fiber_entry, this, block->c_stack, sizeof block->c_stack,
                            block->asyncify_stack, sizeof block->asyncify_stack);
      return;
    }
    emscripten_fiber_t* f = &block->fiber;
    f->stack_ptr = f->stack_base;
    f->entry = fiber_entry;
    f->user_data = this;
    f->asyncify_data.stack_ptr = block->asyncify_stack;
  }
};
#else
// Where Asyncify saves a task's call stack (its locals, frame by frame) while it is switched out.
// The stage's deepest suspension saved under 200 bytes when measured; overflowing this traps.
constexpr std::size_t kAsyncifyStackBytes = 1024;

struct FiberTask : taisei::TaskNode<FiberTask> {
  emscripten_fiber_t fiber_struct{};
  // Allocated with the record, recycled with it.
  std::unique_ptr<char[]> c_stack{new char[kTaskStackBytes]};
  std::unique_ptr<char[]> asyncify_stack{new char[kAsyncifyStackBytes]};
  bool wake_ok = true;  // what the task's wait_frames() returns once it runs again
  std::size_t wait_list = 0, wait_slot = 0;

  emscripten_fiber_t* fiber() { return &fiber_struct; }
  void arm() {
    emscripten_fiber_init(&fiber_struct, fiber_entry, this, c_stack.get(), kTaskStackBytes, asyncify_stack.get(),
                          kAsyncifyStackBytes);
  }
};
#endif

class FiberScheduler;
FiberScheduler* g_scheduler = nullptr;  // for the fiber entry and the cancellation hook

class FiberScheduler : public taisei::TreeHost<FiberScheduler, FiberTask> {
 public:
  FiberScheduler() : TreeHost(&FiberScheduler::wake_cancelled) {
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
    emscripten_fiber_swap(self->fiber(), &main_);
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
      emscripten_fiber_swap(&main_, task->fiber());
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
    task->arm();
    ready_.push_back(task);
    return task;
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

  friend void fiber_entry(void* arg);

  std::deque<FiberTask*> ready_;
  std::array<std::vector<FiberTask*>, kWaitLists> wait_lists_;
  std::uint64_t frame_ = 0;
  emscripten_fiber_t main_{};
  char main_asyncify_stack_[kMainAsyncifyStackBytes];
};

void fiber_entry(void* arg) {
  auto* task = static_cast<FiberTask*>(arg);
  task->body();
  g_scheduler->tasks_.finish(task);
  // An emscripten_fiber entry must not return: hand back to main, which recycles the record.
  emscripten_fiber_swap(task->fiber(), &g_scheduler->main_);
}

}  // namespace

int main(int argc, char** argv) {
  const int frames = argc > 1 ? std::atoi(argv[1]) : 3600;
  const int k = argc > 2 ? std::atoi(argv[2]) : 1;
  const unsigned long long seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;

  static FiberScheduler scheduler;  // static: its main-context Asyncify buffer stays off the stack
  taisei::Stage<FiberScheduler> stage(scheduler, k, seed);
  taisei::FrameRecorder run(frames, true, bench_resident_bytes());
  taisei::run_stage(stage, frames, run, [] { scheduler.tick(); }, [] { return scheduler.live(); });
  taisei::report(kImpl, k, frames, seed, run,
                 {static_cast<double>(scheduler.resumptions()), scheduler.spawns()}, stage.state_updates(),
                 stage.hash());
  return 0;
}
