// A fiber that catches everything and goes on, abandoned and then re-initialised: spool unwinds
// the abandoned run with an exception of its own, the catch swallows it, and the next switch
// must stop with a message that names the cause, not run on a stack that belongs to a new fiber.
#include <emscripten/fiber.h>

#include <cstdio>
#include <cstdlib>

namespace {
constexpr std::size_t kStack = 16 * 1024;
emscripten_fiber_t g_main;
emscripten_fiber_t g_fiber;
char g_asyncify_stack[256];

void swallows_everything(void*) {
  for (;;) {
    try {
      emscripten_fiber_swap(&g_fiber, &g_main);
    } catch (...) {
      std::puts("the fiber swallowed an exception");
    }
  }
}
}  // namespace

int main() {
  void* stack = std::aligned_alloc(16, kStack);
  emscripten_fiber_init_from_current_context(&g_main, g_asyncify_stack, sizeof g_asyncify_stack);
  emscripten_fiber_init(&g_fiber, swallows_everything, nullptr, stack, kStack, g_asyncify_stack,
                        sizeof g_asyncify_stack);
  emscripten_fiber_swap(&g_main, &g_fiber);
  // Abandon the run above (suspended in its swap) and start again on the same struct and stack.
  emscripten_fiber_init(&g_fiber, swallows_everything, nullptr, stack, kStack, g_asyncify_stack,
                        sizeof g_asyncify_stack);
  emscripten_fiber_swap(&g_main, &g_fiber);
  std::puts("main went on");
  return 0;
}
