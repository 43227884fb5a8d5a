// select() (include/spool/select.h): waits on several primitives at once.
#include "spool/detail/select_core.h"

namespace spool::detail {

Status select_cases(SelectCase* const* cases, std::size_t count, TimePoint deadline, int* index) {
  std::shared_ptr<Selector> selector;
  for (;;) {
    for (std::size_t i = 0; i < count; ++i) {
      const Status status = cases[i]->try_take();
      if (status != Status::timeout) {
        *index = static_cast<int>(i);
        return status;
      }
    }
    if (!selector) selector = std::make_shared<Selector>();
    for (std::size_t i = 0; i < count; ++i) cases[i]->watchers().add(selector);
    const Status woken = selector->wait(deadline);
    for (std::size_t i = 0; i < count; ++i) cases[i]->watchers().remove(selector);
    if (woken != Status::ok) {
      *index = -1;
      return woken;  // timeout, cancelled, not_suspendable, no_scheduler
    }
    // Poked: something may be ready now (another fiber may have taken it first: try again).
  }
}

}  // namespace spool::detail
