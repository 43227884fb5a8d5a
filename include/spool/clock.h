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
  // How much real time passes before now() reads `t` (Duration::max(): it never will, the clock
  // is stopped). For the clocks above, t - now().
  virtual Duration real_until(TimePoint t) const { return t - now(); }
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

// Time that runs at a scale of another source's (game time over real time): 2.0 runs twice as
// fast, 0.5 in slow motion, 0 stands still (paused). Changing the scale never makes it jump.
// Every Scheduler keeps its time in one (Scheduler::set_time_scale, pause); one can also be
// shared, as the Config::clock of several. Not thread-safe.
class ScaledClock final : public TimeSource {
 public:
  explicit ScaledClock(TimeSource& base) : base_(&base), base_anchor_(base.now()), anchor_(base_anchor_) {}
  TimePoint now() const override { return at(base_->now()); }
  bool is_manual() const override { return base_->is_manual(); }
  // Virtual time: moves the base so that this clock reads `t` (nothing while stopped).
  void advance_to(TimePoint t) override {
    if (scale_ <= 0) return;
    base_->advance_to(base_anchor_ + Duration(static_cast<Duration::rep>(
                                         static_cast<double>((t - anchor_).count()) / scale_)));
  }
  Duration real_until(TimePoint t) const override {
    if (scale_ <= 0) return Duration::max();
    const Duration scaled = t - now();
    if (scale_ == 1.0) return scaled;
    const double real = static_cast<double>(scaled.count()) / scale_;
    return real >= static_cast<double>(Duration::max().count()) ? Duration::max()
                                                                 : Duration(static_cast<Duration::rep>(real));
  }
  void set_scale(double scale) {
    const TimePoint base = base_->now();
    anchor_ = at(base);
    base_anchor_ = base;
    scale_ = scale < 0 ? 0 : scale;
  }
  double scale() const noexcept { return scale_; }

 private:
  TimePoint at(TimePoint base) const {
    const Duration elapsed = base - base_anchor_;
    if (scale_ == 1.0) return anchor_ + elapsed;
    return anchor_ + Duration(static_cast<Duration::rep>(static_cast<double>(elapsed.count()) * scale_));
  }
  TimeSource* base_;
  TimePoint base_anchor_;
  TimePoint anchor_;
  double scale_ = 1.0;
};

}  // namespace spool
