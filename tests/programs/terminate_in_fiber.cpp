// std::terminate in a fiber (here: an exception thrown out of a noexcept function): the process
// ends after one report that names the fiber, whatever else is live.
#include <cstdio>
#include <exception>
#include <stdexcept>

#include <spool/spool.h>

namespace {
#if defined(__cpp_exceptions)
void throw_error() { throw std::runtime_error("thrown through noexcept"); }
void fail_noexcept() noexcept { throw_error(); }  // std::terminate
#else
void fail_noexcept() noexcept { std::terminate(); }
#endif
}  // namespace

int main() {
  spool::Scheduler scheduler;
  for (int i = 0; i < 1000; ++i) {
    scheduler.spawn([] {
      while (spool::this_fiber::yield() == spool::Status::ok) {
      }
    });
  }
  spool::FiberOptions options;
  options.name = "terminator";
  scheduler.spawn([] {
    spool::this_fiber::yield();
    fail_noexcept();
  }, options);
  for (int i = 0; i < 10; ++i) spool::this_fiber::yield();
  std::printf("main went on after the terminate\n");
  return 0;
}
