// Two fibers that join each other, in wasm with no deadlock timeout: the scheduler parks on the
// event loop, Node's event loop drains, and spool reports the deadlock instead of exiting silently.
// Expected: the deadlock report naming both fibers, then "main got: deadlock".
#include <cstdio>

#include <spool/spool.h>

int main() {
  spool::Scheduler scheduler;
  spool::Fiber a, b;
  spool::FiberOptions na, nb;
  na.name = "left";
  nb.name = "right";
  a = scheduler.spawn([&] { b.join(); }, na);
  b = scheduler.spawn([&] { a.join(); }, nb);
  std::printf("main got: %s\n", spool::to_string(a.join()));
  return 0;
}
