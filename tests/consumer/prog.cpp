// A consumer's whole program: no loader code, no JS; `node prog.js` runs main() in a JSPI call.
#include <cstdio>

#include <spool/spool.h>

int main() {
  spool::Scheduler scheduler;
  int turns = 0;
  auto a = scheduler.spawn([&] {
    for (int i = 0; i < 3; ++i, ++turns) spool::this_fiber::yield();
  });
  auto b = scheduler.spawn([&] {
    for (int i = 0; i < 3; ++i, ++turns) spool::this_fiber::yield();
  });
  if (a.join() != spool::Status::ok || b.join() != spool::Status::ok) return 1;
  std::printf("consumer: %d turns on %s\n", turns, turns == 6 ? "spool" : "a broken build");
  return turns == 6 ? 0 : 1;
}
