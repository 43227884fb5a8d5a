// spool::cross_thread::Channel<T>: a FIFO of values between fibers of different threads'
// Schedulers (Pool workers included) and plain threads, bounded or unbounded, with close(). The
// same calls as spool::Channel, without select().
//
// A handle: copies refer to the same channel. Every call is thread-safe. A blocking call parks the
// calling fiber (or blocks a thread that has no Scheduler; see cross_thread/event.h). A woken
// waiter looks again and may wait again at the back (another may have taken the value first);
// one woken for a value or a slot that ends before it looks (killed, cancelled by exception)
// passes the wake on, so nothing is left unseen.
#pragma once

#include <cstddef>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "../clock.h"
#include "../detail/channel_calls.h"
#include "../detail/cross_wait_list.h"
#include "../detail/wait_queue.h"
#include "../status.h"

namespace spool::cross_thread {

template <class T>
class Channel : public detail::ChannelCalls<Channel<T>, T> {
 public:
  static constexpr std::size_t unbounded = std::numeric_limits<std::size_t>::max();

  // capacity: how many values may wait in the channel (at least 1), or `unbounded`.
  explicit Channel(std::size_t capacity = unbounded)
      : state_(std::make_shared<State>(capacity == 0 ? 1 : capacity)) {}

  // send, send_until, send_for, try_send, receive, receive_for: see detail/channel_calls.h.

  // As receive(), giving up at the deadline with Status::timeout.
  Status receive_until(T& out, TimePoint deadline) {
    State& s = *state_;
    std::unique_lock<std::mutex> lock(s.mutex);
    for (;;) {
      if (!s.items.empty()) {
        out = std::move(s.items.front());
        s.items.pop_front();
        s.senders.notify_one();
        return Status::ok;
      }
      if (s.closed) return Status::closed;
      const Status status = s.receivers.wait(lock, state_, deadline, "spool::cross_thread::Channel::receive()");
      if (status != Status::ok && s.items.empty()) return s.closed ? Status::closed : status;
    }
  }

  // Never blocks: ok, closed (closed and empty), or timeout (empty for now).
  Status try_receive(T& out) {
    State& s = *state_;
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.items.empty()) return s.closed ? Status::closed : Status::timeout;
    out = std::move(s.items.front());
    s.items.pop_front();
    s.senders.notify_one();
    return Status::ok;
  }

  // No more sends; receivers still get what is buffered, then closed. Wakes every waiter.
  void close() noexcept {
    State& s = *state_;
    std::lock_guard<std::mutex> lock(s.mutex);
    s.closed = true;
    s.senders.notify_all();
    s.receivers.notify_all();
  }

  bool closed() const noexcept {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->closed;
  }
  std::size_t size() const noexcept {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->items.size();
  }
  std::size_t capacity() const noexcept { return state_->capacity; }

 private:
  friend class detail::ChannelCalls<Channel<T>, T>;
  struct State {
    explicit State(std::size_t cap) : capacity(cap) {}
    std::mutex mutex;
    std::deque<T> items;
    const std::size_t capacity;
    bool closed = false;
    detail::CrossWaitList senders;
    detail::CrossWaitList receivers;
  };

  template <class U>
  Status send_value(U&& value, TimePoint deadline) {
    State& s = *state_;
    std::unique_lock<std::mutex> lock(s.mutex);
    for (;;) {
      if (s.closed) return Status::closed;
      if (s.items.size() < s.capacity) {
        s.items.push_back(std::forward<U>(value));
        s.receivers.notify_one();
        return Status::ok;
      }
      const Status status = s.senders.wait(lock, state_, deadline, "spool::cross_thread::Channel::send()");
      if (status != Status::ok && !s.closed && s.items.size() >= s.capacity) return status;
    }
  }

  template <class U>
  bool try_send_value(U&& value) {
    State& s = *state_;
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.closed || s.items.size() >= s.capacity) return false;
    s.items.push_back(std::forward<U>(value));
    s.receivers.notify_one();
    return true;
  }

  std::shared_ptr<State> state_;
};

}  // namespace spool::cross_thread
