// Scheduler::inspect() and describe() (include/spool/inspect.h): every fiber not yet finished,
// with its place in the task tree, what it waits in, its age and its stack use, measured.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>

#include "scheduler_core.h"

namespace spool::detail {

namespace {

constexpr unsigned char kStackPattern = 0xa5;

// The most of `stack` a fiber ever used: the part below the top that no longer holds the pattern
// written when it was spawned (Config::measure_stacks).
std::size_t high_water(const Stack& stack) {
  if (!stack || stack.size <= SPOOL_CONTEXT_RED_ZONE) return 0;
  // The red zone at the bottom holds the context layer's canary, never the pattern.
  const Stack above_red_zone{static_cast<unsigned char*>(stack.lo) + SPOOL_CONTEXT_RED_ZONE,
                             stack.size - SPOOL_CONTEXT_RED_ZONE};
  return above_red_zone.size - untouched_bytes(above_red_zone, kStackPattern);
}

FiberInfo describe_record(const FiberRecord* f, TimePoint now, bool measured) {
  FiberInfo info;
  info.id = f->id;
  info.name = f->name.empty() && !f->is_main ? "fiber-" + std::to_string(f->id) : f->name;
  info.state = f->state;
  if (f->state == FiberState::waiting && f->wait_reason) info.waiting_in = f->wait_reason;
  info.parent = f->parent ? f->parent->id : 0;
  info.children = f->live_children;
  info.spawn_frame = f->spawn_frame;
  info.age = f->is_main ? Duration::zero() : now - f->spawned_at;
  info.cancel_requested = f->cancel_requested;
  info.stack_size = f->stack.size;
  info.stack_in_use = spool_context_stack_in_use(&f->ctx);
  // A frame may reserve space it never writes (a buffer, padding), which still holds the pattern:
  // the scan can miss it, but never the part in use now.
  info.stack_high_water = measured ? std::max(high_water(f->stack), info.stack_in_use) : 0;
  info.holds_engine_stack = f->ctx.engine_budget != 0;
  return info;
}

}  // namespace

void SchedulerCore::fill_stack_pattern(const Stack& stack) noexcept {
  fill_stack(stack, kStackPattern);
}

Inspection SchedulerCore::inspect() const {
  Inspection out;
  out.frame = frame_;
  const TimePoint now = clock_->now();
  out.fibers.push_back(describe_record(&main_, now, false));
  // all_ links the newest first: list them in spawn order.
  std::vector<const FiberRecord*> records;
  for (const FiberRecord* f = all_; f; f = f->all_next) {
    if (f->state != FiberState::finished) records.push_back(f);
  }
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    out.fibers.push_back(describe_record(*it, now, config_.measure_stacks));
  }
  return out;
}

}  // namespace spool::detail

namespace spool {

Inspection Scheduler::inspect() const { return core_->inspect(); }

std::string Scheduler::describe() const {
  const Inspection inspection = inspect();
  std::map<FiberId, std::vector<const FiberInfo*>> children;
  for (const auto& f : inspection.fibers) children[f.parent].push_back(&f);
  std::string text = "frame " + std::to_string(inspection.frame) + ", " +
                     std::to_string(inspection.fibers.size() - 1) + " fibers\n";
  auto line = [&](const FiberInfo& f, int depth, auto& self) -> void {
    char buf[320];
    std::snprintf(buf, sizeof buf, "%*s%s #%llu %s%s%s%s, age %.1f ms, stack %zu/%zu%s%s\n", depth * 2, "",
                  f.name.c_str(), static_cast<unsigned long long>(f.id), to_string(f.state),
                  f.waiting_in.empty() ? "" : " in ", f.waiting_in.c_str(), f.cancel_requested ? " (cancelled)" : "",
                  std::chrono::duration<double, std::milli>(f.age).count(), f.stack_in_use, f.stack_size,
                  f.stack_high_water ? (", most " + std::to_string(f.stack_high_water)).c_str() : "",
                  f.holds_engine_stack ? ", engine stack" : "");
    text += buf;
    if (f.id == 0) return;
    auto it = children.find(f.id);
    if (it == children.end()) return;
    for (const FiberInfo* child : it->second) self(*child, depth + 1, self);
  };
  for (const FiberInfo* root : children[0]) line(*root, 0, line);
  return text;
}

}  // namespace spool
