// Waiting in a test for what another thread does, without sleeping a guessed time and without
// hanging when it never happens.
#pragma once

#include <chrono>
#include <thread>

namespace spool_test {

// Spins (yielding the thread) until `condition` holds; false after `bound`, a bound far beyond any
// real delay, so that the caller reports a failure instead of hanging.
template <class Condition>
bool eventually(Condition condition, std::chrono::seconds bound = std::chrono::seconds(20)) {
  const auto give_up = std::chrono::steady_clock::now() + bound;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace spool_test
