// A fiber that writes over the canary at the low end of its C stack (what a small overflow does),
// then goes on. The canary is checked now and then at switches and always when the fiber ends.
// Expected: "stack overflow in fiber 'smasher'", naming the fix, and the process stops (memory
// next to the stack may be corrupt).
#include <cstdio>
#include <cstring>

#include <spool/spool.h>

#include "scheduler/scheduler_core.h"

int main() {
  {
    spool::Scheduler scheduler;
    spool::FiberOptions options;
    options.name = "smasher";
    scheduler.spawn([] {
      void* low_end = spool::detail::SchedulerCore::current()->running()->stack.lo;
      std::memset(low_end, 0, 16);
      for (int i = 0; i < 200; ++i) spool::this_fiber::yield();
    }, options);
    scheduler.spawn([] {
      for (int i = 0; i < 200; ++i) spool::this_fiber::yield();
    });  // someone to switch to
  }  // the fibers run to their end here
  std::printf("not reached: the canary went unnoticed\n");
  return 0;
}
