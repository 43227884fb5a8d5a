// What select() needs from the primitives it waits on (include/spool/select.h): each primitive's
// state keeps the selectors that watch it and pokes them when it may have become ready (a
// signal, a value sent, a slot freed, a close). Internal to spool's headers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <vector>

#include "../clock.h"
#include "../status.h"
#include "wait_queue.h"

namespace spool::detail {

// A fiber in select(): waits until a watched primitive pokes it.
class Selector {
 public:
  void poke() noexcept {
    poked_ = true;
    queue_.notify_all();
  }
  // Blocks until poked (ok), the deadline (timeout) or a cancellation.
  Status wait(TimePoint deadline) {
    while (!poked_) {
      Status status = queue_.wait("spool::select()", deadline);
      if (status != Status::ok) return status;
    }
    poked_ = false;
    return Status::ok;
  }

 private:
  WaitQueue queue_;
  bool poked_ = false;
};

// The selectors watching one primitive. Held weakly: a fiber killed inside select() never
// unwinds, and its selector must not be poked after it is gone (its fiber's record owns it and
// frees it when the fiber is retired).
class Watchers {
 public:
  void add(const std::shared_ptr<Selector>& selector) { list_.push_back(selector); }
  void remove(const std::shared_ptr<Selector>& selector) noexcept {
    for (std::size_t i = 0; i < list_.size(); ++i) {
      if (!list_[i].owner_before(selector) && !selector.owner_before(list_[i])) {
        list_[i] = std::move(list_.back());
        list_.pop_back();
        return;
      }
    }
  }
  void poke() noexcept {
    for (const auto& weak : list_) {
      if (auto selector = weak.lock()) selector->poke();
    }
  }

 private:
  std::vector<std::weak_ptr<Selector>> list_;
};

// One case of a select: tries to take what it waits for without blocking, and says where to
// watch for it. try_take() returns Status::timeout while not ready, else the outcome (ok,
// closed, cancelled, fiber_failed, ...), having taken it.
class SelectCase {
 public:
  virtual Status try_take() = 0;
  virtual Watchers& watchers() = 0;

 protected:
  ~SelectCase() = default;
};

// The loop behind select(): the first ready case in order, else waits until one may be.
Status select_cases(SelectCase* const* cases, std::size_t count, TimePoint deadline, int* index);

}  // namespace spool::detail
