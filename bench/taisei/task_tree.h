// What the baselines' least schedulers (emscripten_fiber.cpp, raw_jspi.cpp) need besides switching:
// task records recycled through a free list, handles that see through recycling (record +
// generation), children cancelled when their parent ends, tasks bound to an entity cancelled at
// the frame after it dies, and cancellation that wakes a waiting task at once.
//
// The rules follow spool's, in spool's order (a parent's children newest first, a child's own
// children before the child, bindings in a vector with swap-removal): tasks then wake in the same
// order as under spool, so the stage's state hash can be compared across implementations too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace taisei {

// The part of a task record the tree manages; a baseline's record derives from it.
template <class Task>
struct TaskNode {
  std::function<void()> body;  // empty once the task has ended
  std::uint32_t generation = 0;  // bumped when the record is recycled: stale handles see "finished"
  bool cancel_requested = false;
  bool finished = false;
  bool waiting = false;  // in a frame's wake list: a cancellation must wake it
  Task* parent = nullptr;
  Task* first_child = nullptr;  // newest first
  Task* prev_sibling = nullptr;
  Task* next_sibling = nullptr;
  std::weak_ptr<void> bound_to;
  std::size_t binding_index = kUnbound;
  Task* next_free = nullptr;

  static constexpr std::size_t kUnbound = static_cast<std::size_t>(-1);
};

// Task must derive from TaskNode<Task> and be default-constructible (it may own its stacks, which
// are then recycled with the record). wake_cancelled(task) is called for a waiting task that was
// just cancelled: the baseline takes it out of its frame's wake list and makes it run next tick.
template <class Task>
class TaskTree {
 public:
  struct Handle {
    Task* task = nullptr;
    std::uint32_t generation = 0;
  };

  explicit TaskTree(void (*wake_cancelled)(Task*)) : wake_cancelled_(wake_cancelled) {}
  TaskTree(const TaskTree&) = delete;
  TaskTree& operator=(const TaskTree&) = delete;
  ~TaskTree() {
    for (Task* task : all_) delete task;
  }

  // A new task record (recycled when one is free). The caller makes it runnable.
  Task* create(std::function<void()> body, Task* parent, std::weak_ptr<void> bound_to) {
    Task* task = free_;
    if (task) {
      free_ = task->next_free;
      task->next_free = nullptr;
    } else {
      task = new Task;
      all_.push_back(task);
    }
    task->body = std::move(body);
    task->cancel_requested = false;
    task->finished = false;
    task->waiting = false;
    const std::weak_ptr<void> unbound;
    if (bound_to.owner_before(unbound) || unbound.owner_before(bound_to)) {
      task->bound_to = std::move(bound_to);
      task->binding_index = bound_.size();
      bound_.push_back(task);
    }
    if (parent) {
      task->parent = parent;
      task->next_sibling = parent->first_child;
      if (parent->first_child) parent->first_child->prev_sibling = task;
      parent->first_child = task;
      if (parent->cancel_requested) task->cancel_requested = true;
    }
    ++live_;
    ++spawns_;
    return task;
  }

  Handle handle(Task* task) const { return Handle{task, task->generation}; }
  bool finished(const Handle& h) const { return h.task->generation != h.generation || h.task->finished; }
  void cancel(const Handle& h) {
    if (!finished(h)) cancel(h.task);
  }

  // A waiting task wakes at once (its wait returns false); a running or ready one sees the flag at
  // its next wait. Its children are cancelled with it.
  void cancel(Task* task) {
    if (task->finished || task->cancel_requested) return;
    task->cancel_requested = true;
    for (Task* child = task->first_child; child; child = child->next_sibling) cancel(child);
    if (task->waiting) wake_cancelled_(task);
  }

  // Called by the task itself as its body returns: its children outlive it only as long as it
  // takes them to see the cancellation.
  void finish(Task* task) {
    task->body = nullptr;  // the captures die with the task
    task->finished = true;
    --live_;
    for (Task* child = task->first_child; child; child = child->next_sibling) cancel(child);
    for (Task* child = task->first_child; child;) {
      Task* next = child->next_sibling;
      child->parent = child->prev_sibling = child->next_sibling = nullptr;
      child = next;
    }
    task->first_child = nullptr;
    if (Task* parent = task->parent) {
      if (task->prev_sibling) task->prev_sibling->next_sibling = task->next_sibling; else parent->first_child = task->next_sibling;
      if (task->next_sibling) task->next_sibling->prev_sibling = task->prev_sibling;
      task->parent = task->prev_sibling = task->next_sibling = nullptr;
    }
    unbind(task);
  }

  // Once the finished task's stacks are no longer in use: the record (and what it owns) is free.
  void recycle(Task* task) {
    ++task->generation;
    task->next_free = free_;
    free_ = task;
  }

  // At the start of each frame: tasks whose entity died are cancelled, without running them.
  void check_bindings() {
    for (std::size_t i = 0; i < bound_.size();) {
      Task* task = bound_[i];
      if (task->bound_to.expired()) {
        unbind(task);  // bound_[i] is now another task
        cancel(task);
      } else {
        ++i;
      }
    }
  }

  std::size_t live() const { return live_; }
  std::uint64_t spawns() const { return spawns_; }

 private:
  void unbind(Task* task) {
    if (task->binding_index == Task::kUnbound) return;
    Task* last = bound_.back();
    bound_[task->binding_index] = last;
    last->binding_index = task->binding_index;
    bound_.pop_back();
    task->binding_index = Task::kUnbound;
    task->bound_to.reset();
  }

  void (*wake_cancelled_)(Task*);
  std::vector<Task*> all_;    // every record ever made (freed with the tree)
  Task* free_ = nullptr;      // finished records, ready for reuse
  std::vector<Task*> bound_;  // tasks bound to an entity
  std::size_t live_ = 0;
  std::uint64_t spawns_ = 0;
};

// What both baselines' hosts share: the stage's spawn, cancel and finished calls (stage.h) on a
// TaskTree, the task running now, and the count of task resumptions. Derived provides
// start(body, parent, bound_to), which creates the task in tasks_ and makes it runnable.
template <class Derived, class Task>
class TreeHost {
 public:
  using Handle = typename TaskTree<Task>::Handle;

  template <class F>
  Handle spawn(F&& body, std::weak_ptr<void> bound_to) {
    return tasks_.handle(derived().start(std::forward<F>(body), nullptr, std::move(bound_to)));
  }
  template <class F>
  void spawn_detached(F&& body) {
    derived().start(std::forward<F>(body), nullptr, {});
  }
  template <class F>
  void spawn_child(F&& body) {
    derived().start(std::forward<F>(body), running_, {});
  }
  bool finished(const Handle& task) const { return tasks_.finished(task); }
  void cancel(Handle& task) { tasks_.cancel(task); }

  std::size_t live() const { return tasks_.live(); }
  std::uint64_t spawns() const { return tasks_.spawns(); }
  std::uint64_t resumptions() const { return resumptions_; }

 protected:
  explicit TreeHost(void (*wake_cancelled)(Task*)) : tasks_(wake_cancelled) {}
  Derived& derived() { return static_cast<Derived&>(*this); }

  TaskTree<Task> tasks_;
  Task* running_ = nullptr;
  std::uint64_t resumptions_ = 0;
};

}  // namespace taisei
