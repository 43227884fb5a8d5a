// spool::Event (include/spool/event.h). An auto-reset signal goes to exactly one waiter (or
// lets the next wait through); one handed to a waiter that is killed before it runs passes on.
#include "spool/event.h"

#include "spool/detail/wait_queue.h"

namespace spool {

struct Event::State {
  explicit State(Mode m) : mode(m) {}
  Mode mode;
  bool set = false;
  detail::WaitQueue waiters{&State::pass_on, this};

  void signal_one() noexcept {
    if (!waiters.hand_one()) set = true;  // nobody waits: let the next wait() through
  }
  static void pass_on(void* self) { static_cast<State*>(self)->signal_one(); }
};

Event::Event(Mode mode) : state_(std::make_shared<State>(mode)) {}

void Event::signal() noexcept {
  State& s = *state_;
  if (s.mode == Mode::manual_reset) {
    s.set = true;
    s.waiters.notify_all();
  } else {
    s.signal_one();
  }
}

void Event::reset() noexcept { state_->set = false; }
bool Event::is_set() const noexcept { return state_->set; }

Status Event::wait() { return wait_until(TimePoint::max()); }
Status Event::wait_for(Duration timeout) { return wait_until(detail::deadline_after(timeout)); }

Status Event::wait_until(TimePoint deadline) {
  State& s = *state_;
  if (s.set) {
    if (s.mode == Mode::auto_reset) s.set = false;
    return Status::ok;
  }
  return s.waiters.wait("spool::Event::wait()", deadline);
}

}  // namespace spool
