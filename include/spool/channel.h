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
class Channel {
 public:
  static constexpr std::size_t unbounded = std::numeric_limits<std::size_t>::max();

  // capacity: how many values may wait in the channel (at least 1), or `unbounded`.
  explicit Channel(std::size_t capacity = unbounded)
      : state_(std::make_shared<State>(capacity == 0 ? 1 : capacity)) {}

  // Puts a value in, blocking the calling fiber while the channel is full. Returns ok; closed if
  // the channel is (or gets) closed; cancelled. Unless it returns ok, the value stays with the
  // caller (an rvalue is moved from only when it is sent).
  Status send(const T& value) { return send_value(value, TimePoint::max()); }
  Status send(T&& value) { return send_value(std::move(value), TimePoint::max()); }
  // As send(), giving up at the deadline with Status::timeout.
  Status send_until(T&& value, TimePoint deadline) { return send_value(std::move(value), deadline); }
  Status send_until(const T& value, TimePoint deadline) { return send_value(value, deadline); }
  Status send_for(T&& value, Duration timeout) {
    return send_value(std::move(value), detail::deadline_after(timeout));
  }
  Status send_for(const T& value, Duration timeout) { return send_value(value, detail::deadline_after(timeout)); }

  // Never blocks: false if the channel is full or closed, and then the value stays with the
  // caller.
  bool try_send(const T& value) { return try_send_value(value); }
  bool try_send(T&& value) { return try_send_value(std::move(value)); }

  // Takes the oldest value, blocking the calling fiber while the channel is empty. Returns ok;
  // closed once the channel is closed and empty; cancelled.
  Status receive(T& out) { return receive_until(out, TimePoint::max()); }
  // As receive(), giving up at the deadline with Status::timeout.
  Status receive_for(T& out, Duration timeout) { return receive_until(out, detail::deadline_after(timeout)); }
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

  // The oldest value, or nothing once closed and empty (or cancelled).
  std::optional<T> receive() {
    T value{};
    if (receive(value) != Status::ok) return std::nullopt;
    return value;
  }

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
