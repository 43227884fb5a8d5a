// spool::Scheduler (include/spool/scheduler.h): the public face of SchedulerCore.
#include "spool/scheduler.h"

#include "scheduler_core.h"

namespace spool {

using detail::SchedulerCore;

Scheduler::Scheduler() : Scheduler(Config{}) {}
Scheduler::Scheduler(const Config& config) : core_(std::make_unique<SchedulerCore>(this, config)) {}
// Not `= default`: the fibers that run to their end here may call this Scheduler, so core_ must
// still be set while they do (libc++'s unique_ptr clears itself before deleting).
Scheduler::~Scheduler() { core_->shut_down(); }

Scheduler* Scheduler::current() noexcept {
  SchedulerCore* core = SchedulerCore::current();
  return core ? core->owner() : nullptr;
}

Fiber Scheduler::spawn_task(Task task, const FiberOptions& options) {
  if (!core_->usable()) return Fiber{};
  return detail::wrap_fiber(core_->spawn(std::move(task), options));
}

void Scheduler::post_task(Task task) { core_->post(std::move(task)); }

SchedulerCore* detail::core_of(Scheduler& scheduler) noexcept { return scheduler.core_.get(); }

Scheduler::Stats Scheduler::stats() const { return core_->stats(); }
Status Scheduler::tick() { return core_->tick(); }

void Scheduler::trim_caches() {
  detail::StackPool::for_this_thread().trim();
  spool_context_set_max_parked(0);
  spool_context_set_max_parked(core_->config().max_parked_engine_stacks);
}
std::uint64_t Scheduler::frame() const noexcept { return core_->frame(); }
std::uint64_t Scheduler::schedule_hash() const noexcept { return core_->schedule_hash(); }
std::uint64_t Scheduler::tick_hash() const noexcept { return core_->tick_hash(); }
void Scheduler::pause() { core_->set_paused(true); }
void Scheduler::resume() { core_->set_paused(false); }
bool Scheduler::paused() const noexcept { return core_->paused(); }
void Scheduler::set_time_scale(double scale) { core_->set_time_scale(scale); }
double Scheduler::time_scale() const noexcept { return core_->time_scale(); }
TimePoint Scheduler::now() const { return core_->now(); }
const Scheduler::Config& Scheduler::config() const noexcept { return core_->config(); }

void set_engine_stack_budget(std::size_t stacks) noexcept {
  spool_context_set_engine_budget(stacks > UINT32_MAX ? UINT32_MAX : static_cast<std::uint32_t>(stacks));
}

std::size_t engine_stack_budget() noexcept { return spool_context_engine_budget(); }

}  // namespace spool
