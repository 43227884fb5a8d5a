// A binary min-heap of deadlines, one entry per waiting fiber: the timer heap (every sleeping
// fiber of a scheduler, so no JS timer per fiber) and the frame heap (wait_frames). Each fiber
// knows its index, so a wait can be cancelled in O(log n).
#pragma once

#include <cstdint>
#include <vector>

#include "fiber_record.h"
#include "spool/clock.h"

namespace spool::detail {

template <class Key>
class DeadlineHeap {
 public:
  bool empty() const noexcept { return entries_.empty(); }
  std::size_t size() const noexcept { return entries_.size(); }
  Key earliest() const noexcept { return entries_.front().deadline; }
  FiberRecord* earliest_fiber() const noexcept { return entries_.front().fiber; }

  void push(FiberRecord* fiber, Key deadline) {
    entries_.push_back(Entry{deadline, next_sequence_++, fiber});
    fiber->timer_index = entries_.size() - 1;
    sift_up(entries_.size() - 1);
  }

  void remove(FiberRecord* fiber) noexcept {
    std::size_t i = fiber->timer_index;
    fiber->timer_index = FiberRecord::kNoTimer;
    std::size_t last = entries_.size() - 1;
    if (i != last) {
      entries_[i] = entries_[last];
      entries_[i].fiber->timer_index = i;
    }
    entries_.pop_back();
    if (i < entries_.size()) {
      sift_up(i);
      sift_down(entries_[i].fiber->timer_index);
    }
  }

 private:
  struct Entry {
    Key deadline;
    std::uint64_t sequence;  // equal deadlines fire in the order they were set
    FiberRecord* fiber;
  };
  static bool before(const Entry& a, const Entry& b) noexcept {
    return a.deadline < b.deadline || (a.deadline == b.deadline && a.sequence < b.sequence);
  }
  void place(std::size_t i, const Entry& e) noexcept {
    entries_[i] = e;
    e.fiber->timer_index = i;
  }
  void sift_up(std::size_t i) noexcept {
    Entry e = entries_[i];
    while (i > 0) {
      std::size_t parent = (i - 1) / 2;
      if (!before(e, entries_[parent])) break;
      place(i, entries_[parent]);
      i = parent;
    }
    place(i, e);
  }
  void sift_down(std::size_t i) noexcept {
    Entry e = entries_[i];
    const std::size_t n = entries_.size();
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(entries_[child + 1], entries_[child])) ++child;
      if (!before(entries_[child], e)) break;
      place(i, entries_[child]);
      i = child;
    }
    place(i, e);
  }

  std::vector<Entry> entries_;
  std::uint64_t next_sequence_ = 0;
};

using TimerHeap = DeadlineHeap<TimePoint>;
using FrameHeap = DeadlineHeap<std::uint64_t>;

}  // namespace spool::detail
