// spool::this_fiber (include/spool/this_fiber.h): calls about the running fiber, on the thread's
// scheduler.
#include "spool/this_fiber.h"

#include "scheduler_core.h"

namespace spool::this_fiber {

using detail::SchedulerCore;

namespace {
// The thread's scheduler core, or nullptr after reporting that `what` needs one.
SchedulerCore* core_for(const char* what) {
  SchedulerCore* core = SchedulerCore::current();
  if (!core) detail::report_no_scheduler(what);
  return core;
}
}  // namespace

Status yield() {
  SchedulerCore* core = core_for("spool::this_fiber::yield()");
  return core ? core->yield() : Status::no_scheduler;
}

Status sleep_until(TimePoint deadline) {
  SchedulerCore* core = core_for("spool::this_fiber::sleep_until()");
  return core ? core->sleep_until(deadline) : Status::no_scheduler;
}

Status sleep_for(Duration duration) {
  SchedulerCore* core = core_for("spool::this_fiber::sleep_for()");
  return core ? core->sleep_until(detail::saturating_add(core->now(), duration)) : Status::no_scheduler;
}

Status wait_frames(std::uint64_t frames) {
  SchedulerCore* core = core_for("spool::this_fiber::wait_frames()");
  return core ? core->wait_frames(frames) : Status::no_scheduler;
}

Status wait_until_true(detail::UniqueFunction<bool()> predicate) {
  SchedulerCore* core = core_for("spool::this_fiber::wait_until()");
  return core ? core->wait_until(predicate) : Status::no_scheduler;
}

bool cancel_requested() noexcept {
  SchedulerCore* core = SchedulerCore::current();
  return core && core->running() && core->running()->cancel_requested;
}

Fiber spawn_child_task(detail::UniqueFunction<void()> fn, const FiberOptions& options) {
  SchedulerCore* core = core_for("spool::this_fiber::spawn_child()");
  if (!core) return Fiber{};
  return detail::wrap_fiber(core->spawn(std::move(fn), options, core->running()));
}

void on_kill(detail::UniqueFunction<void()> cleanup) {
  SchedulerCore* core = core_for("spool::this_fiber::on_kill()");
  if (core && core->running()) core->running()->on_kill.push_back(std::move(cleanup));
}

Status join_children() { return join_children_until(TimePoint::max()); }
Status join_children_for(Duration timeout) { return join_children_until(detail::deadline_after(timeout)); }

Status join_children_until(TimePoint deadline) {
  SchedulerCore* core = core_for("spool::this_fiber::join_children()");
  return core ? core->join_children(deadline) : Status::no_scheduler;
}

FiberId id() noexcept {
  SchedulerCore* core = SchedulerCore::current();
  return core && core->acting() ? core->acting()->id : 0;
}

const char* name() noexcept {
  SchedulerCore* core = SchedulerCore::current();
  return core && core->acting() ? detail::display_name(core->acting()) : "";
}

}  // namespace spool::this_fiber
