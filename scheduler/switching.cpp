// SchedulerCore, part 3: picking the next fiber and switching to it. A fiber that blocks swaps
// straight to the next ready one: one switch per hand-off, no trip through a central context.
#include <cstdio>
#include <utility>

#include "../src/coroutine_chain.h"
#include "scheduler_core.h"

namespace spool::detail {

Status SchedulerCore::suspend_running() {
  FiberRecord* self = running_;
  FiberRecord* next = next_to_run(self);
  if (next != self) {
    switch_to(self, next);
  } else {
    on_resumed(self);
  }
  Status status = self->wake_status;
  self->wake_status = Status::ok;
  return status;
}

FiberRecord* SchedulerCore::next_to_run(FiberRecord* self) {
  for (;;) {
    poll();
    if (FiberRecord* next = policy_->pick_next()) {
      if (next->state == FiberState::finished) {  // killed while it was ready
        --ended_in_ready_queue_;
        retire(next);
        continue;
      }
      return next;
    }
    if (take_work()) continue;  // a Pool worker: work spawned onto the pool, its own or stolen
    idle(self);
  }
}

void SchedulerCore::switch_to(FiberRecord* self, FiberRecord* next) {
  ++switches_;
  // A coroutine mid-body on this fiber stays this fiber's: `next` starts or resumes outside it.
  // Kept in the record: if this fiber never resumes, retire() lets that coroutine chain go.
  self->running_coroutine = exchange_running_coroutine(nullptr);
  const int rc = spool_context_swap(&self->ctx, &next->ctx);
  exchange_running_coroutine(std::exchange(self->running_coroutine, nullptr));
  if (rc == SPOOL_CONTEXT_E_STACK_OVERFLOW) {
    fatal(Status::stack_overflow,
          "stack overflow in fiber '%s': it wrote past the end of its %zu-byte C stack (the "
          "canary at its low end was overwritten), so memory next to it may be corrupted. Spawn "
          "it with a larger FiberOptions::stack_size. Stopping the process.",
          display_name(self), self->stack.size);
  }
  if (rc != SPOOL_CONTEXT_OK) {
    char found[48];
    std::snprintf(found, sizeof found, "context error %d", rc);
    internal_error("a switch between fibers to succeed", found);
  }
  on_resumed(self);
}

namespace {
std::uint64_t mix(std::uint64_t hash, std::uint64_t value) noexcept {
  hash = (hash ^ value) * 0x9e3779b97f4a7c15ull;
  return hash ^ (hash >> 31);
}
}  // namespace

void SchedulerCore::on_resumed(FiberRecord* self) {
  make_current(this);
  running_ = self;
  if (config_.performance_marks) driver_->mark_run(display_name(self));
  if (config_.hash_schedule) {
    const std::uint64_t step = self->ordinal * 32 + static_cast<std::uint64_t>(self->wake_status);
    schedule_hash_ = mix(schedule_hash_, step);
    if (in_tick_) tick_hash_ = mix(tick_hash_, step);
  }
  self->state = FiberState::running;
  if (zombies_) retire_zombies();
}

}  // namespace spool::detail
