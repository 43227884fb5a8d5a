// The calls spool::Channel and spool::cross_thread::Channel share: every overload of send and
// receive, written once over the three a channel implements itself (send_value, try_send_value,
// receive_until), so that the two channels cannot drift apart in what they offer.
#pragma once

#include <optional>
#include <utility>

#include "../clock.h"
#include "../status.h"
#include "wait_queue.h"  // deadline_after

namespace spool::detail {

// CRTP base: `Channel` provides
//   template <class U> Status send_value(U&& value, TimePoint deadline);  // moves from value only on ok
//   template <class U> bool try_send_value(U&& value);                    // likewise
//   Status receive_until(T& out, TimePoint deadline);
// and befriends ChannelCalls<Channel, T>.
template <class Channel, class T>
class ChannelCalls {
 public:
  // Puts a value in, blocking the calling fiber while the channel is full. Returns ok; closed if
  // the channel is (or gets) closed; cancelled. Unless it returns ok, the value stays with the
  // caller (an rvalue is moved from only when it is sent).
  Status send(const T& value) { return self().send_value(value, TimePoint::max()); }
  Status send(T&& value) { return self().send_value(std::move(value), TimePoint::max()); }
  // As send(), giving up at the deadline with Status::timeout.
  Status send_until(T&& value, TimePoint deadline) { return self().send_value(std::move(value), deadline); }
  Status send_until(const T& value, TimePoint deadline) { return self().send_value(value, deadline); }
  Status send_for(T&& value, Duration timeout) {
    return self().send_value(std::move(value), deadline_after(timeout));
  }
  Status send_for(const T& value, Duration timeout) { return self().send_value(value, deadline_after(timeout)); }

  // Never blocks: false if the channel is full or closed, and then the value stays with the
  // caller.
  bool try_send(const T& value) { return self().try_send_value(value); }
  bool try_send(T&& value) { return self().try_send_value(std::move(value)); }

  // Takes the oldest value, blocking the calling fiber while the channel is empty. Returns ok;
  // closed once the channel is closed and empty; cancelled.
  Status receive(T& out) { return self().receive_until(out, TimePoint::max()); }
  // As receive(), giving up at the deadline with Status::timeout.
  Status receive_for(T& out, Duration timeout) { return self().receive_until(out, deadline_after(timeout)); }
  // The oldest value, or nothing once closed and empty (or cancelled).
  std::optional<T> receive() {
    T value{};
    if (receive(value) != Status::ok) return std::nullopt;
    return value;
  }

 private:
  Channel& self() { return static_cast<Channel&>(*this); }
};

}  // namespace spool::detail
