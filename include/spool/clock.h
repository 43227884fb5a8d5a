// Where a Scheduler reads the time: the steady clock, or a ManualClock for deterministic tests.
#pragma once

#include <chrono>

namespace spool {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::steady_clock::time_point;

namespace detail {
// t + d, or TimePoint::max() (which spool reads as "never") where that would overflow; a negative
// d saturates at TimePoint::min().
inline TimePoint saturating_add(TimePoint t, Duration d) noexcept {
  if (d > Duration::zero() && t > TimePoint::max() - d) return TimePoint::max();
  if (d < Duration::zero() && t < TimePoint::min() - d) return TimePoint::min();
  return t + d;
}
}  // namespace detail

// A source of time for a Scheduler's timers (sleep_for, sleep_until).
class TimeSource {
 public:
  virtual ~TimeSource() = default;
  virtual TimePoint now() const = 0;
  // A manual source is virtual time: when every fiber waits for a timer, the scheduler moves it
  // straight to the earliest deadline instead of waiting.
  virtual bool is_manual() const { return false; }
  // Called by the scheduler of a manual source only; a real clock ignores it.
  virtual void advance_to(TimePoint) {}
};

// Virtual time for tests: starts at the epoch of steady_clock (or `start`) and moves only when the
// test (advance) or an idle scheduler (to the next deadline) moves it. Not thread-safe.
class ManualClock final : public TimeSource {
 public:
  explicit ManualClock(TimePoint start = TimePoint{}) : now_(start) {}
  TimePoint now() const override { return now_; }
  bool is_manual() const override { return true; }
  void advance_to(TimePoint t) override {
    if (t > now_) now_ = t;
  }
  void advance(Duration d) { now_ = detail::saturating_add(now_, d); }

 private:
  TimePoint now_;
};

}  // namespace spool
