// A fiber that overflows its C stack. In wasm built with -sSTACK_OVERFLOW_CHECK=2, Emscripten's
// checks (whose limits spool moves to the running fiber's stack at every switch) stop it before
// it writes past its stack; spool names the fiber, and the other fibers keep running. Expected
// output: "stack overflow in fiber 'deep'" and "other fibers kept running: 1".
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
  int survivors = 0;
  auto deep = scheduler.spawn([] { std::printf("never: %d\n", recurse(0)); }, options);
  auto other = scheduler.spawn([&] {
    for (int i = 0; i < 3; ++i) spool::this_fiber::yield();
    ++survivors;
  });
  other.join();
  const spool::Status deep_status = deep.join();
  std::printf("other fibers kept running: %d; the overflowing one ended: %s\n", survivors,
              spool::to_string(deep_status));
  return 0;
}
