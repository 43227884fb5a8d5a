// Test fixtures shared by every test file: a leak check that every test runs under, and a
// capture of what spool reports to its error handler.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "../scheduler/fiber_record.h"
#include "../src/context/context.h"
#include "../src/stack/stack_pool.h"
#include "spool/spool.h"

namespace spool_test {

// What the error handler received, in order.
struct Reported {
  spool::Status status;
  std::string message;
};

// Captures spool's error reports for its lifetime (and restores the previous handler).
class ErrorCapture {
 public:
  ErrorCapture() : previous_(spool::set_error_handler(&ErrorCapture::handle)) { reports().clear(); }
  ~ErrorCapture() { spool::set_error_handler(previous_); }
  const std::vector<Reported>& all() const { return reports(); }
  // The number of reports with `status`; the last one's message in `message`.
  std::size_t count(spool::Status status, std::string* message = nullptr) const {
    std::size_t n = 0;
    for (const auto& r : reports()) {
      if (r.status != status) continue;
      ++n;
      if (message) *message = r.message;
    }
    return n;
  }

 private:
  static std::vector<Reported>& reports() {
    static std::vector<Reported> all;
    return all;
  }
  static void handle(spool::Status status, const char* message) {
    reports().push_back({status, message});
  }
  spool::ErrorHandler previous_;
};

// Checks, when it goes out of scope, that everything spool allocated was given back: fiber
// records, C stacks, JS resumer slots, and engine stacks (all parked, none left suspended).
class LeakCheck {
 public:
  LeakCheck() { spool_context_get_stats(&before_); }
  ~LeakCheck() {
    spool_context_stats after;
    spool_context_get_stats(&after);
    CHECK(spool::detail::g_fiber_records_alive.load() == 0);
    CHECK(spool::detail::StackPool::for_this_thread().in_use() == 0);
    CHECK(after.js_slots_held == before_.js_slots_held);
    // Every engine stack is parked, or on its way out (its engine frees it in a microtask).
    CHECK(after.carriers_live == after.carriers_parked + after.engine_stacks_dropping);
  }

 private:
  spool_context_stats before_{};
};

}  // namespace spool_test
