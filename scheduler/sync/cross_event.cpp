// spool::cross_thread::Event (include/spool/cross_thread/event.h). An auto-reset signal is handed
// to exactly one waiter, or kept for the next wait; one handed to a fiber that ends before its
// wait returns passes on.
#include "spool/cross_thread/event.h"

#include <mutex>

#include "spool/detail/cross_wait_list.h"
#include "spool/detail/wait_queue.h"

namespace spool::cross_thread {

struct Event::State {
  explicit State(Mode m) : mode(m) {}
  Mode mode;
  std::mutex mutex;
  bool set = false;
  detail::CrossWaitList waiters;

  // Lock held.
  void signal_one() noexcept {
    if (!waiters.hand_one(&State::pass_on, this)) set = true;
  }
  static void pass_on(void* self) { static_cast<State*>(self)->signal_one(); }
};

Event::Event(Mode mode) : state_(std::make_shared<State>(mode)) {}

void Event::signal() noexcept {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.mode == Mode::manual_reset) {
    s.set = true;
    s.waiters.notify_all();
  } else {
    s.signal_one();
  }
}

void Event::reset() noexcept {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->set = false;
}

bool Event::is_set() const noexcept {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->set;
}

Status Event::wait() { return wait_until(TimePoint::max()); }
Status Event::wait_for(Duration timeout) { return wait_until(detail::deadline_after(timeout)); }

Status Event::wait_until(TimePoint deadline) {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mutex);
  for (;;) {
    if (s.set) {
      if (s.mode == Mode::auto_reset) s.set = false;
      return Status::ok;
    }
    bool handed = false;
    const Status status = s.waiters.wait(lock, state_, deadline, "spool::cross_thread::Event::wait()", &handed);
    if (handed) return Status::ok;
    // Woken by a manual-reset signal: check again (a reset() may have come first).
    if (status != Status::ok) return status;
  }
}

Status Event::try_wait() noexcept {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!s.set) return Status::timeout;
  if (s.mode == Mode::auto_reset) s.set = false;
  return Status::ok;
}

}  // namespace spool::cross_thread
