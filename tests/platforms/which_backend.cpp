// Run through js/spool_loader.js: says which backend the loader picked (the JSPI build where the
// engine has JSPI, the Asyncify build where it has not) and that fibers, timers, a JS await and a
// C++ exception across a switch work on it. Expected:
//   backend: <jspi|asyncify>; args: a b; ping-pong: 1000; slept; awaited: 42; caught after switch: boom
#include <cstdio>
#include <stdexcept>
#include <string>

#include <spool/spool.h>

#include "src/context/context.h"

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  std::string args;
  for (int i = 1; i < argc; ++i) args += (i > 1 ? " " : "") + std::string(argv[i]);
  int pings = 0;
  std::string caught;
  int awaited = 0;
  {
    spool::Scheduler scheduler;
    spool::Channel<int> to_b(1), to_a(1);
    auto a = scheduler.spawn([&] {
      for (int i = 0; i < 1000; ++i) {
        to_b.send(i);
        if (to_a.receive()) ++pings;
      }
    });
    auto b = scheduler.spawn([&] {
      for (int i = 0; i < 1000; ++i) {
        if (auto v = to_b.receive()) to_a.send(*v);
      }
    });
    auto c = scheduler.spawn([&] {
      try {
        spool::this_fiber::sleep_for(2ms);
        throw std::runtime_error("boom");
      } catch (const std::exception& e) {
        spool::this_fiber::yield();  // switch inside the catch block
        caught = e.what();
      }
      awaited = static_cast<int>(spool::js::await_value("Promise.resolve(42)").number);
    });
    a.join();
    b.join();
    c.join();
  }
  std::printf("backend: %s; args: %s; ping-pong: %d; slept; awaited: %d; caught after switch: %s\n",
              spool_context_backend_name(), args.c_str(), pings, awaited, caught.c_str());
  return 0;
}
