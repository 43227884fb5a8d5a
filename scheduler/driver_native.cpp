// The native driver (driver.h): an idle scheduler blocks its thread on the inbox's condition
// variable until a timer is due or another thread posts work.
#include <chrono>

#include "../src/stack/crash_reports.h"
#include "scheduler_core.h"

namespace spool::detail {

namespace {

class NativeDriver final : public Driver {
 public:
  explicit NativeDriver(Inbox& inbox) : inbox_(inbox) {}

  Idle wait(FiberRecord*, Duration timeout) override {
    using Clock = std::chrono::steady_clock;
    Clock::time_point deadline = Clock::time_point::max();
    if (timeout != Duration::max()) deadline = saturating_add(Clock::now(), timeout);
    return inbox_.sleep_until(deadline) ? Idle::woken : Idle::timed_out;
  }

  // The thread is blocked in wait(): nothing on it can call this. Other threads wake it by
  // posting, through the inbox.
  void wake() noexcept override {}

  void on_context_lost() override {}  // only engine stacks get lost

  void mark_run(const char*) noexcept override {}

 private:
  Inbox& inbox_;
};

}  // namespace

std::unique_ptr<Driver> make_platform_driver(SchedulerCore& core) {
  install_crash_reports();  // name the fiber that overflows its stack or aborts
  return std::make_unique<NativeDriver>(core.inbox());
}

}  // namespace spool::detail
