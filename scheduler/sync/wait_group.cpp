// spool::WaitGroup (include/spool/wait_group.h).
#include "spool/wait_group.h"

#include <cstdint>

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

void WaitGroup::add(std::size_t count) noexcept {
  std::size_t& n = state_->count;
  n = count > SIZE_MAX - n ? SIZE_MAX : n + count;
}

void WaitGroup::done() noexcept {
  State& s = *state_;
  if (s.count == 0) {
    detail::report(Status::invalid_argument,
                   "WaitGroup::done() called more times than add() counted; each task must call "
                   "done() once for each add(). Ignored.");
    return;
  }
  if (--s.count == 0) s.waiters.notify_all();
}

std::size_t WaitGroup::count() const noexcept { return state_->count; }

Status WaitGroup::wait() { return wait_until(TimePoint::max()); }
Status WaitGroup::wait_for(Duration timeout) { return wait_until(detail::deadline_after(timeout)); }

Status WaitGroup::wait_until(TimePoint deadline) {
  State& s = *state_;
  while (s.count > 0) {
    Status status = s.waiters.wait("spool::WaitGroup::wait()", deadline);
    if (status != Status::ok) return status;
  }
  return Status::ok;
}

}  // namespace spool
