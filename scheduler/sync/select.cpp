// select() (include/spool/select.h): waits on several primitives at once.
#include "spool/detail/select_core.h"

#include <memory>

#include "../scheduler_core.h"

namespace spool::detail {

namespace {

// The waiting fiber's Selector, owned by its record while the select() lasts (FiberRecord::
// selector): a fiber killed inside select() never returns here, and retiring it frees it. Outside
// a scheduler there is no record and nothing can kill the caller: the guard owns it.
class SelectorOwner {
 public:
  Selector* get() {
    if (selector_) return selector_;
    auto made = std::make_shared<Selector>();
    selector_ = made.get();
    SchedulerCore* core = SchedulerCore::current();
    record_ = core ? core->running() : nullptr;
    if (record_ && record_->selector) record_ = nullptr;  // a select() inside one: not expected
    (record_ ? record_->selector : own_) = std::move(made);
    return selector_;
  }
  const std::shared_ptr<Selector>& shared() const { return record_ ? record_->selector : own_; }
  ~SelectorOwner() {
    if (record_) record_->selector.reset();
  }

 private:
  Selector* selector_ = nullptr;
  FiberRecord* record_ = nullptr;
  std::shared_ptr<Selector> own_;
};

}  // namespace

Status select_cases(SelectCase* const* cases, std::size_t count, TimePoint deadline, int* index) {
  SelectorOwner owner;
  for (;;) {
    for (std::size_t i = 0; i < count; ++i) {
      const Status status = cases[i]->try_take();
      if (status != Status::timeout) {
        *index = static_cast<int>(i);
        return status;
      }
    }
    Selector* selector = owner.get();
    for (std::size_t i = 0; i < count; ++i) cases[i]->watchers().add(owner.shared());
    const Status woken = selector->wait(deadline);
    for (std::size_t i = 0; i < count; ++i) cases[i]->watchers().remove(owner.shared());
    if (woken != Status::ok) {
      *index = -1;
      return woken;  // timeout, cancelled, not_suspendable, no_scheduler
    }
    // Poked: something may be ready now (another fiber may have taken it first: try again).
  }
}

}  // namespace spool::detail
