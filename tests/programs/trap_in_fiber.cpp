// A fiber that traps (wasm `unreachable`): its engine stack is lost, spool names the fiber, the
// fiber's join() returns fiber_failed, and the other fibers go on (README, "Errors and
// guarantees"). Expected output: the runtime's "fiber 'trapper' stopped with an error", then
// "others: 3 rounds; trapper: fiber_failed; live: 0".
#include <cstdio>

#include <spool/spool.h>

int main() {
  spool::Scheduler scheduler;
  spool::FiberOptions options;
  options.name = "trapper";
  int rounds = 0;
  auto trapper = scheduler.spawn([] {
    spool::this_fiber::yield();
    __builtin_trap();
  }, options);
  auto other = scheduler.spawn([&] {
    for (int i = 0; i < 3; ++i) {
      spool::this_fiber::yield();
      ++rounds;
    }
  });
  const spool::Status trapped = trapper.join();
  const spool::Status went_on = other.join();
  std::printf("others: %d rounds (%s); trapper: %s; live: %zu\n", rounds, spool::to_string(went_on),
              spool::to_string(trapped), scheduler.stats().live_fibers);
  return 0;
}
