// spool::FiberLocal (include/spool/fiber_local.h): values per fiber, kept in the fiber's record
// and destroyed as the fiber ends.
#include "spool/fiber_local.h"

#include "scheduler_core.h"

namespace spool::detail {

namespace {
// Without a Scheduler, the thread's own context keeps its FiberLocal values here.
struct ThreadLocals {
  std::vector<FiberRecord::Local> values;
  ~ThreadLocals() {
    for (auto& local : values) local.destroy(local.value);
  }
};
thread_local ThreadLocals tls_locals;
}  // namespace

void* fiber_local_get(const void* key) noexcept {
  if (SchedulerCore* core = SchedulerCore::current()) return core->local_get(key);
  for (const auto& local : tls_locals.values) {
    if (local.key == key) return local.value;
  }
  return nullptr;
}

void fiber_local_set(const void* key, void* value, void (*destroy)(void*)) {
  if (SchedulerCore* core = SchedulerCore::current()) {
    core->local_set(key, value, destroy);
  } else {
    tls_locals.values.push_back(FiberRecord::Local{key, value, destroy});
  }
}

}  // namespace spool::detail
