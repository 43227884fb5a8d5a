// spool::Channel<T>: a FIFO of values between fibers, bounded or unbounded, with close().
// A handle: copies refer to the same channel (see event.h for the capture rule).
#pragma once

#include <cstddef>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <utility>

#include "clock.h"
#include "detail/channel_calls.h"
#include "detail/select_core.h"
#include "detail/wait_queue.h"
#include "status.h"

namespace spool {

namespace detail {
template <class T>
class ReceiveCase;
template <class T>
class SendCase;
}  // namespace detail

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
    while (s.items.empty() && !s.closed) {
      Status status = s.receivers.wait("spool::Channel::receive()", deadline);
      if (status != Status::ok) return status;
    }
    if (s.items.empty()) return Status::closed;
    out = std::move(s.items.front());
    s.items.pop_front();
    s.took_one();
    return Status::ok;
  }

  // Never blocks: the oldest value, or nothing if the channel is empty.
  std::optional<T> try_receive() {
    State& s = *state_;
    if (s.items.empty()) return std::nullopt;
    std::optional<T> value(std::move(s.items.front()));
    s.items.pop_front();
    s.took_one();
    return value;
  }
  // Never blocks: ok (the oldest value is in `out`), closed (closed and empty), or timeout
  // (empty for now).
  Status try_receive(T& out) {
    State& s = *state_;
    if (s.items.empty()) return s.closed ? Status::closed : Status::timeout;
    out = std::move(s.items.front());
    s.items.pop_front();
    s.took_one();
    return Status::ok;
  }

  // No more sends; receivers still get what is buffered, then closed. Wakes every waiter.
  void close() noexcept {
    State& s = *state_;
    s.closed = true;
    s.senders.notify_all(Status::closed);
    s.receivers.notify_all(Status::closed);
    s.send_watchers.poke();
    s.receive_watchers.poke();
  }

  bool closed() const noexcept { return state_->closed; }
  std::size_t size() const noexcept { return state_->items.size(); }
  std::size_t capacity() const noexcept { return state_->capacity; }

 private:
  friend class detail::ChannelCalls<Channel<T>, T>;
  friend class detail::ReceiveCase<T>;
  friend class detail::SendCase<T>;

  // A waiter is told (handed) that a value or a slot is there; if it is killed before it looks,
  // the next waiter is told instead. select()s watching it are poked.
  struct State {
    explicit State(std::size_t cap) : capacity(cap) {}
    std::deque<T> items;
    std::size_t capacity;
    bool closed = false;
    detail::WaitQueue senders{&State::tell_next_sender, this};
    detail::WaitQueue receivers{&State::tell_next_receiver, this};
    detail::Watchers send_watchers;
    detail::Watchers receive_watchers;
    void took_one() noexcept {
      senders.hand_one();
      send_watchers.poke();
    }
    void put_one() noexcept {
      receivers.hand_one();
      receive_watchers.poke();
    }
    static void tell_next_sender(void* self) {
      State& s = *static_cast<State*>(self);
      if (!s.closed && s.items.size() < s.capacity) s.senders.hand_one();
    }
    static void tell_next_receiver(void* self) {
      State& s = *static_cast<State*>(self);
      if (!s.items.empty()) s.receivers.hand_one();
    }
  };

  template <class U>
  Status send_value(U&& value, TimePoint deadline) {
    State& s = *state_;
    while (!s.closed && s.items.size() >= s.capacity) {
      Status status = s.senders.wait("spool::Channel::send()", deadline);
      if (status != Status::ok) return status;
    }
    if (s.closed) return Status::closed;
    s.items.push_back(std::forward<U>(value));
    s.put_one();
    return Status::ok;
  }

  template <class U>
  bool try_send_value(U&& value) {
    State& s = *state_;
    if (s.closed || s.items.size() >= s.capacity) return false;
    s.items.push_back(std::forward<U>(value));
    s.put_one();
    return true;
  }

  std::shared_ptr<State> state_;
};

}  // namespace spool
