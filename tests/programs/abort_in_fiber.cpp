// A fiber that calls abort(): the process ends, and spool says which fiber it was.
#include <cstdlib>

#include <spool/spool.h>

int main() {
  spool::Scheduler scheduler;
  spool::FiberOptions options;
  options.name = "crasher";
  scheduler.spawn([] {
    spool::this_fiber::yield();
    std::abort();
  }, options);
  scheduler.spawn([] { spool::this_fiber::yield(); });
  return 0;
}
