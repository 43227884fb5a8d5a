// Natively: a fiber that recurses past its stack hits the guard page below it; spool names the
// fiber before the process ends. Expected: "stack overflow in fiber 'deep'".
#include <cstdio>
#include <cstring>

#include <spool/spool.h>

namespace {
int recurse(int depth) {
  volatile char frame[512];
  std::memset(const_cast<char*>(frame), depth & 0xff, sizeof frame);
  return depth > 1000000 ? frame[3] : recurse(depth + 1) + frame[7];
}
}  // namespace

int main() {
  spool::Scheduler scheduler;
  spool::FiberOptions options;
  options.name = "deep";
  options.stack_size = 16 * 1024;
  scheduler.spawn([] { std::printf("never: %d\n", recurse(0)); }, options);
  return 0;
}
