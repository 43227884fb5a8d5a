#include "spool/wait_group.h"

#include "../../src/report.h"
#include "spool/detail/wait_queue.h"

namespace spool {

struct WaitGroup::State {
  std::size_t count = 0;
  detail::WaitQueue waiters;
};

WaitGroup::WaitGroup(std::size_t initial) : state_(std::make_shared<State>()) {
  state_->count = initial;
}

void WaitGroup::add(std::size_t count) noexcept { state_->count += count; }

void WaitGroup::done() noexcept {
  State& s = *state_;
  if (s.count == 0) {
    detail::report(Status::invalid_handle,
                   "WaitGroup::done() called more times than add() counted; each task must call "
                   "done() once for each add(). Ignored.");
    return;
  }
  if (--s.count == 0) s.waiters.notify_all();
}

std::size_t WaitGroup::count() const noexcept { return state_->count; }

Status WaitGroup::wait() {
  State& s = *state_;
  while (s.count > 0) {
    Status status = s.waiters.wait("spool::WaitGroup::wait()");
    if (status != Status::ok) return status;
  }
  return Status::ok;
}

}  // namespace spool
