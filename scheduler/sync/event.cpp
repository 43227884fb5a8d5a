// spool::Event (include/spool/event.h). An auto-reset signal goes to exactly one waiter (or
// lets the next wait through); one handed to a waiter that is killed before it runs passes on.
// What was subscribed (spawn_when_signalled, Fiber::cancel_when) fires once, at the next signal.
#include "spool/event.h"

#include <string>
#include <vector>

#include "../scheduler_core.h"
#include "spool/detail/select_core.h"
#include "spool/fiber.h"

namespace spool {

struct Event::State {
  explicit State(Mode m) : mode(m) {}
  Mode mode;
  bool set = false;
  bool cancelled = false;
  detail::WaitQueue waiters{&State::pass_on, this};
  detail::Watchers watchers;  // select()s waiting on it among other things

  struct Spawn {
    detail::UniqueFunction<void()> fn;
    FiberOptions options;
    std::string name;  // options.name points here when it is spawned
  };
  std::vector<Spawn> spawns;
  std::vector<FiberRef> cancels;

  void signal_one() noexcept {
    if (!waiters.hand_one()) {
      set = true;  // nobody waits: let the next wait() (or a select) through
      watchers.poke();
    }
  }
  static void pass_on(void* self) { static_cast<State*>(self)->signal_one(); }

  // Fires the subscriptions once: they may subscribe again, to this very event.
  void fire() {
    if (spawns.empty() && cancels.empty()) return;
    std::vector<Spawn> to_spawn = std::move(spawns);
    std::vector<FiberRef> to_cancel = std::move(cancels);
    spawns.clear();
    cancels.clear();
    for (const FiberRef& fiber : to_cancel) fiber.cancel();
    detail::SchedulerCore* core = detail::SchedulerCore::current();
    for (Spawn& s : to_spawn) {
      if (!core) {
        detail::report_no_scheduler("spool::Event::spawn_when_signalled()");
        break;
      }
      if (!s.name.empty()) s.options.name = s.name.c_str();
      detail::SchedulerCore::release(core->spawn(std::move(s.fn), s.options));  // detached
    }
  }
};

Event::Event(Mode mode) : state_(std::make_shared<State>(mode)) {}

void Event::signal() noexcept {
  State& s = *state_;
  if (s.cancelled) return;
  if (s.mode == Mode::manual_reset) {
    s.set = true;
    s.waiters.notify_all();
    s.watchers.poke();
  } else {
    s.signal_one();
  }
  s.fire();
}

void Event::cancel() noexcept {
  State& s = *state_;
  s.cancelled = true;
  s.set = false;
  s.spawns.clear();
  s.cancels.clear();
  s.waiters.notify_all(Status::cancelled);
  s.watchers.poke();
}

void Event::reset() noexcept {
  state_->set = false;
  state_->cancelled = false;
}
bool Event::is_set() const noexcept { return state_->set; }
bool Event::is_cancelled() const noexcept { return state_->cancelled; }

Status Event::wait() { return wait_until(TimePoint::max()); }
Status Event::wait_for(Duration timeout) { return wait_until(detail::deadline_after(timeout)); }

Status Event::wait_until(TimePoint deadline) {
  State& s = *state_;
  if (s.cancelled) return Status::cancelled;
  if (s.set) {
    if (s.mode == Mode::auto_reset) s.set = false;
    return Status::ok;
  }
  return s.waiters.wait("spool::Event::wait()", deadline);
}

Status Event::try_wait() noexcept {
  State& s = *state_;
  if (s.cancelled) return Status::cancelled;
  if (!s.set) return Status::timeout;
  if (s.mode == Mode::auto_reset) s.set = false;
  return Status::ok;
}

detail::Watchers& detail::watchers_of(const Event& event) noexcept { return event.state_->watchers; }

void Event::subscribe_spawn(detail::UniqueFunction<void()> fn, const FiberOptions& options) {
  State& s = *state_;
  if (s.cancelled) return;
  State::Spawn spawn{std::move(fn), options, options.name ? options.name : ""};
  spawn.options.name = nullptr;
  s.spawns.push_back(std::move(spawn));
}

void Event::subscribe_cancel(detail::FiberRecord* fiber) const {
  State& s = *state_;
  if (s.cancelled) return;
  s.cancels.push_back(detail::wrap_fiber_ref(fiber));
}

}  // namespace spool
