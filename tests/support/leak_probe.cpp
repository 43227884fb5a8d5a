#include "leak_probe.h"

#include "scheduler/fiber_record.h"
#include "src/stack/stack_pool.h"

namespace spool_test {

LeakProbe::LeakProbe() noexcept { spool_context_get_stats(&before_); }

std::vector<std::string> LeakProbe::problems() const {
  std::vector<std::string> found;
  spool_context_stats after;
  spool_context_get_stats(&after);
  const long records = spool::detail::g_fiber_records_alive.load();
  if (records != 0) found.push_back(std::to_string(records) + " fiber records left alive");
  const std::size_t stacks = spool::detail::StackPool::for_this_thread().in_use();
  if (stacks != 0) found.push_back(std::to_string(stacks) + " C stacks still in use");
  if (after.js_slots_held != before_.js_slots_held) {
    found.push_back("JS resumer slots leaked: " + std::to_string(before_.js_slots_held) +
                    " held before, " + std::to_string(after.js_slots_held) + " after");
  }
  // Every engine stack is parked, or on its way out (its engine frees it in a microtask).
  const auto accounted = after.carriers_parked + after.engine_stacks_dropping;
  if (after.carriers_live != accounted) {
    found.push_back("engine stacks left suspended: " + std::to_string(after.carriers_live) +
                    " live, " + std::to_string(accounted) + " parked or being dropped");
  }
  return found;
}

}  // namespace spool_test
