// A fiber running a spool::Coroutine (the coroutine's body blocked on the scheduler) is killed,
// or abandoned by the Scheduler's destructor after a deadlock. Neither fiber ever resumes, so
// neither does the coroutine: it becomes dead, none of its frames runs again, and destroying it
// gives back its C stack; the runs that resumed it (the fiber's own; in wasm, its engine stack)
// are let go with the fiber. Nothing is left held at the end.
#include <cstdio>

#include <spool/spool.h>

#include "src/context/context.h"
#include "src/stack/stack_pool.h"

namespace {

// Coroutines that cannot be destroyed stay reachable from here (so LeakSanitizer reports only
// what the core really lost, not these).
spool::Coroutine* g_killed = nullptr;
spool::Coroutine* g_abandoned = nullptr;

bool destroyable(const spool::Coroutine& coroutine) {
  return coroutine.state() != spool::CoroutineState::running && coroutine.state() != spool::CoroutineState::normal;
}

spool::Coroutine* blocked_in_coroutine(spool::Scheduler& scheduler, spool::Event never, spool::Fiber& fiber) {
  auto* coroutine = new spool::Coroutine([never](spool::Coroutine&, void*) mutable -> void* {
    never.wait();
    return nullptr;
  });
  fiber = scheduler.spawn([coroutine] { coroutine->resume(); });
  spool::this_fiber::yield();  // the fiber resumes the coroutine, whose body blocks
  return coroutine;
}

}  // namespace

int main() {
  spool::Coroutine*& killed = g_killed;
  spool::Coroutine*& abandoned = g_abandoned;
  {
    spool::ManualClock clock;  // the deadlock in the destructor is declared at once
    spool::Scheduler::Config config;
    config.clock = &clock;
    spool::Scheduler scheduler(config);
    spool::Event never;
    spool::Fiber first, second;
    killed = blocked_in_coroutine(scheduler, never, first);
    std::printf("killed: %s; ", spool::to_string(first.kill()));
    std::printf("its coroutine: %s\n", spool::to_string(killed->state()));
    abandoned = blocked_in_coroutine(scheduler, never, second);
    second.detach();
  }  // a deadlock: `second` is abandoned
  std::printf("abandoned; its coroutine: %s\n", spool::to_string(abandoned->state()));
  for (spool::Coroutine** coroutine : {&killed, &abandoned}) {
    if (!destroyable(**coroutine)) continue;  // kept, not deleted: delete would stop the process
    delete *coroutine;
    *coroutine = nullptr;
  }
  spool_context_stats stats;
  spool_context_get_stats(&stats);
  std::printf("C stacks in use at the end: %zu; engine stacks held: %u; JS slots held: %u\n",
              spool::detail::StackPool::for_this_thread().in_use(),
              stats.carriers_live - stats.carriers_parked - stats.engine_stacks_dropping, stats.js_slots_held);
  return 0;
}
