// spool::Semaphore (include/spool/semaphore.h). release() hands units straight to waiters in
// FIFO order; a unit handed to a waiter that is killed before it runs passes on.
#include "spool/semaphore.h"

#include <cstdint>

#include "spool/detail/wait_queue.h"

namespace spool {

struct Semaphore::State {
  std::size_t units = 0;
  detail::WaitQueue waiters{&State::pass_on, this};

  void give(std::size_t count) noexcept {
    while (count > 0 && waiters.hand_one()) --count;
    units = count > SIZE_MAX - units ? SIZE_MAX : units + count;
  }
  static void pass_on(void* self) { static_cast<State*>(self)->give(1); }
};

Semaphore::Semaphore(std::size_t initial) : state_(std::make_shared<State>()) {
  state_->units = initial;
}

Status Semaphore::acquire() { return acquire_until(TimePoint::max()); }
Status Semaphore::acquire_for(Duration timeout) { return acquire_until(detail::deadline_after(timeout)); }

Status Semaphore::acquire_until(TimePoint deadline) {
  State& s = *state_;
  // FIFO: a newcomer does not take a unit while earlier fibers wait for one.
  if (s.units > 0 && s.waiters.empty()) {
    --s.units;
    return Status::ok;
  }
  // release() hands a unit straight to the woken waiter.
  return s.waiters.wait("spool::Semaphore::acquire()", deadline);
}

bool Semaphore::try_acquire() noexcept {
  State& s = *state_;
  if (s.units == 0 || !s.waiters.empty()) return false;
  --s.units;
  return true;
}

void Semaphore::release(std::size_t count) noexcept { state_->give(count); }

std::size_t Semaphore::available() const noexcept { return state_->units; }

}  // namespace spool
