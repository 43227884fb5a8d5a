// The fixture every Catch2 test of spool runs under. SPOOL_TEST_CASE(name, tags) is
// TEST_CASE_METHOD(spool_test::LeakFixture, name, tags): once the test body has returned and
// everything it made is gone, the fixture fails the test for each thing spool still holds
// (LeakProbe). Plain TEST_CASE does not compile where this header is included, so no test can
// leave the check out by accident.
#pragma once

#include <catch2/catch.hpp>

#include "leak_probe.h"
#include "spool/clock.h"
#include "spool/scheduler.h"

namespace spool_test {

class LeakFixture {
 public:
  LeakFixture() = default;
  ~LeakFixture() {
    for (const auto& problem : probe_.problems()) FAIL_CHECK("left behind: " << problem);
  }
  LeakFixture(const LeakFixture&) = delete;
  LeakFixture& operator=(const LeakFixture&) = delete;

 protected:
  // A deterministic clock for the test: it moves only when the test (or an idle scheduler on it)
  // advances it, and it outlives every Scheduler the test body makes.
  spool::ManualClock clock;
  // A scheduler configuration on `clock`: timers fire without real waiting, and an idle
  // scheduler with nothing else to wait for reports its deadlock at once.
  spool::Scheduler::Config manual_clock_config() {
    spool::Scheduler::Config config;
    config.clock = &clock;
    return config;
  }

 private:
  LeakProbe probe_;  // made before the test body runs, read after it has returned
};

}  // namespace spool_test

#define SPOOL_TEST_CASE(...) TEST_CASE_METHOD(spool_test::LeakFixture, __VA_ARGS__)

#undef TEST_CASE
#define TEST_CASE(...) \
  static_assert(sizeof(int) == 0, "spool's tests are SPOOL_TEST_CASE (leak-checked), not TEST_CASE")
