// Captures what spool reports to its error handler, for tests that check a report was made.
#pragma once

#include <string>
#include <vector>

#include "spool/status.h"

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

}  // namespace spool_test
