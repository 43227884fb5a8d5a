// SchedulerCore, part 4: the bookkeeping around fiber records: the task tree, lifetime bindings,
// fiber-local values, the list of every record the scheduler owns, and the stats drawn from them.
#include "scheduler_core.h"

namespace spool::detail {

void SchedulerCore::leave_parent(FiberRecord* f) noexcept {
  // Children of an ended fiber no longer have a parent.
  for (FiberRecord* child = f->first_child; child;) {
    FiberRecord* next = child->sibling_next;
    child->parent = nullptr;
    child->sibling_prev = child->sibling_next = nullptr;
    child = next;
  }
  f->first_child = nullptr;
  FiberRecord* parent = f->parent;
  if (!parent) return;
  if (f->sibling_prev) f->sibling_prev->sibling_next = f->sibling_next; else parent->first_child = f->sibling_next;
  if (f->sibling_next) f->sibling_next->sibling_prev = f->sibling_prev;
  f->sibling_prev = f->sibling_next = nullptr;
  f->parent = nullptr;
  if (--parent->live_children == 0) parent->children_done.notify_all();
}

void SchedulerCore::unbind(FiberRecord* f) noexcept {
  if (f->bound_index == FiberRecord::kNoTimer) return;
  FiberRecord* last = bound_.back();
  bound_[f->bound_index] = last;
  last->bound_index = f->bound_index;
  bound_.pop_back();
  f->bound_index = FiberRecord::kNoTimer;
  f->bound_to.reset();
}

void SchedulerCore::destroy_locals(FiberRecord* f) noexcept {
  while (!f->locals.empty()) {
    FiberRecord::Local local = f->locals.back();
    f->locals.pop_back();
    local.destroy(local.value);
  }
}

void* SchedulerCore::local_get(const void* key) const noexcept {
  for (const auto& local : running_->locals) {
    if (local.key == key) return local.value;
  }
  return nullptr;
}

void SchedulerCore::local_set(const void* key, void* value, void (*destroy)(void*)) {
  running_->locals.push_back(FiberRecord::Local{key, value, destroy});
}

void SchedulerCore::release(FiberRecord* record) noexcept {
  if (--record->refs == 0) delete record;
}

void SchedulerCore::link(FiberRecord* f) noexcept {
  f->all_prev = nullptr;
  f->all_next = all_;
  if (all_) all_->all_prev = f;
  all_ = f;
}

void SchedulerCore::unlink(FiberRecord* f) noexcept {
  if (f->all_prev) f->all_prev->all_next = f->all_next; else if (all_ == f) all_ = f->all_next;
  if (f->all_next) f->all_next->all_prev = f->all_prev;
  f->all_prev = f->all_next = nullptr;
}

Scheduler::Stats SchedulerCore::stats() const {
  Scheduler::Stats s;
  s.live_fibers = live_;
  s.ready_fibers = ready_count();
  s.waiting_fibers = waiting_;
  s.queued_spawns = admission_.size();
  s.peak_live_fibers = peak_live_;
  s.spawns = spawns_;
  s.finished = finished_;
  s.switches = switches_;
  const StackPool& pool = StackPool::for_this_thread();
  s.stacks_in_use = pool.in_use();
  s.stacks_cached = pool.cached();
  s.stack_bytes = pool.bytes_reserved();
  spool_context_stats cs;
  spool_context_get_stats(&cs);
  s.engine_stacks_created = cs.carriers_created;
  s.engine_stacks_reused = cs.carriers_reused;
  s.engine_stacks_live = cs.carriers_live;
  s.engine_stacks_parked = cs.carriers_parked;
  s.engine_stacks_claimed = cs.engine_stacks_claimed;
  s.engine_stack_budget = cs.engine_budget;
  s.frame = frame_;
  s.frame_waiters = frames_.size();
  s.predicate_waiters = predicate_waiters_.size();
  return s;
}

}  // namespace spool::detail
