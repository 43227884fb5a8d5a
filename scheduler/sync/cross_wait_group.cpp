// spool::cross_thread::WaitGroup (include/spool/cross_thread/wait_group.h).
#include "spool/cross_thread/wait_group.h"

#include <cstdint>
#include <mutex>

#include "../../src/report.h"
#include "spool/detail/cross_wait_list.h"
#include "spool/detail/wait_queue.h"

namespace spool::cross_thread {

struct WaitGroup::State {
  std::mutex mutex;
  std::size_t count = 0;
  detail::CrossWaitList waiters;
};

WaitGroup::WaitGroup(std::size_t initial) : state_(std::make_shared<State>()) { state_->count = initial; }

void WaitGroup::add(std::size_t count) noexcept {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->count = count > SIZE_MAX - state_->count ? SIZE_MAX : state_->count + count;
}

void WaitGroup::done() noexcept {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.count == 0) {
    detail::report(Status::invalid_argument,
                   "spool::cross_thread::WaitGroup::done() was called more often than add(); "
                   "call add() before starting each task. Ignored.");
    return;
  }
  if (--s.count == 0) s.waiters.notify_all();
}

std::size_t WaitGroup::count() const noexcept {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->count;
}

Status WaitGroup::wait() { return wait_until(TimePoint::max()); }
Status WaitGroup::wait_for(Duration timeout) { return wait_until(detail::deadline_after(timeout)); }

Status WaitGroup::wait_until(TimePoint deadline) {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mutex);
  while (s.count != 0) {
    const Status status = s.waiters.wait(lock, state_, deadline, "spool::cross_thread::WaitGroup::wait()");
    if (status != Status::ok && s.count != 0) return status;
  }
  return Status::ok;
}

}  // namespace spool::cross_thread
