// Built with -fno-exceptions (configuration native-noexcept): cancellation is a status, and
// Fiber::kill stops a fiber that would not stop by itself, running its on_kill cleanups.
#include <cstdio>

#include <spool/spool.h>

int main() {
  spool::Scheduler scheduler;
  int cleanups = 0;
  spool::Status waited = spool::Status::ok;
  auto polite = scheduler.spawn([&] { waited = spool::this_fiber::wait_frames(1000); });
  auto stubborn = scheduler.spawn([&] {
    spool::this_fiber::on_kill([&] { ++cleanups; });
    for (;;) spool::this_fiber::wait_frames(1);  // ignores every status
  });
  scheduler.tick();
  polite.cancel();
  scheduler.tick();
  const spool::Status killed = stubborn.kill();
  std::printf("cancelled wait: %s; kill: %s; cleanups: %d; live: %zu\n", spool::to_string(waited),
              spool::to_string(killed), cleanups, scheduler.stats().live_fibers);
  return 0;
}
