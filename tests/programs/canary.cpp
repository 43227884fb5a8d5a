// A fiber that writes over the canary at the low end of its C stack (what a small overflow does),
// then switches. Expected: "stack overflow in fiber 'smasher'", naming the fix, and the process
// stops (memory next to the stack may be corrupt).
#include <cstdio>
#include <cstring>

#include <spool/spool.h>

#include "scheduler/scheduler_core.h"

int main() {
  spool::Scheduler scheduler;
  spool::FiberOptions options;
  options.name = "smasher";
  scheduler.spawn([] {
    void* low_end = spool::detail::SchedulerCore::current()->running()->stack.lo;
    std::memset(low_end, 0, 16);
    spool::this_fiber::yield();
    std::printf("not reached: the canary went unnoticed\n");
  }, options);
  scheduler.spawn([] {});  // someone to switch to
  return 0;
}
