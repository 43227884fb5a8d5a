// The fibers in wait_frames(), by the frame they wait for. Game tasks mostly wait a frame or a
// few, thousands of them each frame, so the near future is a wheel of per-frame FIFO lists
// (push, wake and cancel in O(1), touching only the fiber and its list neighbours) and only the
// far future goes to a heap. Order is the heap's: by frame, then in the order the waits began.
#pragma once

#include <array>
#include <cstdint>

#include "fiber_record.h"
#include "timer_heap.h"

namespace spool::detail {

class FrameWheel {
 public:
  // Frames ahead that have a list of their own; waits further out wait in the heap.
  static constexpr std::uint64_t kSpan = 256;

  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }

  // `fiber` waits until frame `deadline`; `now` is the current frame (deadline > now).
  void push(FiberRecord* fiber, std::uint64_t deadline, std::uint64_t now) {
    ++size_;
    if (deadline - now < kSpan) {
      append(fiber, deadline);
    } else {
      far_.push(fiber, deadline);
      fiber->heap = FiberRecord::Heap::frames;
    }
  }

  void remove(FiberRecord* fiber) noexcept {
    --size_;
    if (fiber->heap == FiberRecord::Heap::frames) {
      far_.remove(fiber);
    } else {
      unlink(fiber);
    }
    fiber->heap = FiberRecord::Heap::none;
  }

  // Frame `now` has begun: waits that came within the wheel's span move to their lists (before
  // any wait begun this frame is added there, so they stay first), then the first fiber due now,
  // or null. Wake (remove) it and call again for the next.
  FiberRecord* due(std::uint64_t now) noexcept {
    while (!far_.empty() && far_.earliest() < now + kSpan) {
      FiberRecord* fiber = far_.earliest_fiber();
      const std::uint64_t deadline = far_.earliest();
      far_.remove(fiber);
      append(fiber, deadline);
    }
    return lists_[index(now)].head;
  }

 private:
  struct List {
    FiberRecord* head = nullptr;
    FiberRecord* tail = nullptr;
  };
  static std::size_t index(std::uint64_t frame) noexcept { return static_cast<std::size_t>(frame % kSpan); }

  // Links through wait_prev/wait_next: a fiber waiting for frames is on no wait list.
  void append(FiberRecord* fiber, std::uint64_t deadline) noexcept {
    List& list = lists_[index(deadline)];
    fiber->heap = FiberRecord::Heap::frame_wheel;
    fiber->timer_index = index(deadline);
    fiber->wait_next = nullptr;
    fiber->wait_prev = list.tail;
    if (list.tail) list.tail->wait_next = fiber; else list.head = fiber;
    list.tail = fiber;
  }

  void unlink(FiberRecord* fiber) noexcept {
    List& list = lists_[fiber->timer_index];
    if (fiber->wait_prev) fiber->wait_prev->wait_next = fiber->wait_next; else list.head = fiber->wait_next;
    if (fiber->wait_next) fiber->wait_next->wait_prev = fiber->wait_prev; else list.tail = fiber->wait_prev;
    fiber->wait_prev = fiber->wait_next = nullptr;
    fiber->timer_index = FiberRecord::kNoTimer;
  }

  std::array<List, kSpan> lists_{};
  FrameHeap far_;
  std::size_t size_ = 0;
};

}  // namespace spool::detail
