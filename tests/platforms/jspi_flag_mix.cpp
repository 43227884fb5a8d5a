// A program built with the user's own -sJSPI (Emscripten 4.x and later): Emscripten runs main()
// in WebAssembly.promising and wraps its own async imports (emscripten_sleep, EM_ASYNC_JS) in
// WebAssembly.Suspending; spool uses that main and its own engine stacks beside it. Fibers
// switch, sleep on spool's timers, await JS through spool, and call Emscripten's async imports,
// which suspend the whole thread (every fiber) until they settle, as they do without spool.
// Expected: the trace below, main's exit status 3.
#include <emscripten.h>

#include <cstdio>
#include <string>
#include <vector>

#include <spool/spool.h>

using namespace std::chrono_literals;

EM_ASYNC_JS(int, js_later, (int value), {
  await new Promise((resolve) => setTimeout(resolve, 5));
  return value * 2;
});

static std::vector<std::string> g_trace;
static void note(const std::string& what) { g_trace.push_back(what); }

int main() {
  emscripten_sleep(1);  // before any fiber: main's own suspension through Emscripten
  note("main slept");
  {
    spool::Scheduler scheduler;
    spool::FiberOptions a_opts, b_opts, c_opts;
    a_opts.name = "yielder";
    b_opts.name = "sleeper";
    c_opts.name = "awaiter";
    auto a = scheduler.spawn([] {
      for (int i = 0; i < 3; ++i) {
        note("a" + std::to_string(i));
        spool::this_fiber::yield();
      }
    }, a_opts);
    auto b = scheduler.spawn([] {
      note("b: emscripten_sleep");
      emscripten_sleep(10);  // holds the thread: no other fiber runs meanwhile
      note("b: woke; js_later(21) = " + std::to_string(js_later(21)));
      spool::this_fiber::sleep_for(5ms);
      note("b: spool sleep done");
    }, b_opts);
    auto c = scheduler.spawn([] {
      auto r = spool::js::await_value("new Promise(r => setTimeout(() => r(7), 20))");
      note("c: awaited " + r.text);
    }, c_opts);
    const bool joined = a.join() == spool::Status::ok && b.join() == spool::Status::ok &&
                        c.join() == spool::Status::ok;
    note(joined ? "joined" : "join failed");
  }
  emscripten_sleep(1);  // after the Scheduler: main suspends through Emscripten again
  std::string all;
  for (const auto& t : g_trace) all += t + "; ";
  std::printf("trace: %s\n", all.c_str());
  return 3;
}
