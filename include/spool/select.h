// spool::select: wait on several things at once and take the first that is ready.
//
//   int hit = 0;
//   spool::Selected s = spool::select_for(16ms, boss_died, spool::receive(hits, hit), phase.done());
//   if (s.status == spool::Status::ok && s.index == 1) apply(hit);
//
// Cases, tried in argument order (the first ready one is taken, the others are left as they are):
//   an Event                 taken when set (an auto-reset event is reset); cancelled if cancelled
//   receive(channel, out)    a value moved into `out`; closed once closed and empty
//   send(channel, value)     `value` moved into the channel (only if it is sent); closed if closed
//   a Future                 ready: its outcome (ok, fiber_failed, cancelled)
// Returns the case's index and its outcome, or index -1 with timeout (select_for/until),
// cancelled (the calling fiber was cancelled), not_suspendable or no_scheduler. Blocks the calling
// fiber only. A signal, value or slot that a plain waiter of the same primitive also waits for goes
// to that waiter first. when_all()/when_any() wait on Futures.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include "channel.h"
#include "clock.h"
#include "detail/select_core.h"
#include "event.h"
#include "future.h"
#include "status.h"

namespace spool {

struct Selected {
  Status status;  // the case's outcome, or why none was taken
  int index;      // the case taken, -1 if none
  bool ok() const noexcept { return status == Status::ok; }
};

namespace detail {

class EventCase final : public SelectCase {
 public:
  explicit EventCase(Event& event) : event_(event) {}
  Status try_take() override { return event_.try_wait(); }
  Watchers& watchers() override { return watchers_of(event_); }

 private:
  Event& event_;
};

template <class T>
class FutureCase final : public SelectCase {
 public:
  explicit FutureCase(Future<T>& future) : future_(future) {}
  Status try_take() override { return future_.try_get(); }
  Watchers& watchers() override { return watchers_of(future_.done()); }

 private:
  Future<T>& future_;
};

template <class T>
class ReceiveCase final : public SelectCase {
 public:
  ReceiveCase(Channel<T>& channel, T& out) : channel_(channel), out_(out) {}
  Status try_take() override { return channel_.try_receive(out_); }
  Watchers& watchers() override { return channel_.state_->receive_watchers; }

 private:
  Channel<T>& channel_;
  T& out_;
};

template <class T>
class SendCase final : public SelectCase {
 public:
  SendCase(Channel<T>& channel, T& value) : channel_(channel), value_(value) {}
  Status try_take() override {
    auto& s = *channel_.state_;
    if (s.closed) return Status::closed;
    if (s.items.size() >= s.capacity) return Status::timeout;
    s.items.push_back(std::move(value_));
    s.put_one();
    return Status::ok;
  }
  Watchers& watchers() override { return channel_.state_->send_watchers; }

 private:
  Channel<T>& channel_;
  T& value_;
};

inline EventCase make_case(Event& event) { return EventCase(event); }
inline EventCase make_case(const Event& event) { return EventCase(const_cast<Event&>(event)); }
template <class T>
FutureCase<T> make_case(Future<T>& future) { return FutureCase<T>(future); }
template <class T>
ReceiveCase<T> make_case(ReceiveCase<T> c) { return c; }
template <class T>
SendCase<T> make_case(SendCase<T> c) { return c; }

template <class... Cases>
Selected select_now_or_wait(TimePoint deadline, Cases&&... cases) {
  SelectCase* all[] = {&cases...};
  int index = -1;
  const Status status = select_cases(all, sizeof...(Cases), deadline, &index);
  return Selected{status, index};
}

}  // namespace detail

// Cases for channels (see above).
template <class T>
detail::ReceiveCase<T> receive(Channel<T>& channel, T& out) {
  return detail::ReceiveCase<T>(channel, out);
}
template <class T>
detail::SendCase<T> send(Channel<T>& channel, T& value) {
  return detail::SendCase<T>(channel, value);
}

template <class... Cases>
Selected select_until(TimePoint deadline, Cases&&... cases) {
  static_assert(sizeof...(Cases) > 0, "select() needs at least one case");
  return detail::select_now_or_wait(deadline, detail::make_case(std::forward<Cases>(cases))...);
}
template <class... Cases>
Selected select_for(Duration timeout, Cases&&... cases) {
  return select_until(detail::deadline_after(timeout), std::forward<Cases>(cases)...);
}
template <class... Cases>
Selected select(Cases&&... cases) {
  return select_until(TimePoint::max(), std::forward<Cases>(cases)...);
}

// Waits until every future is ready (or the calling fiber's wait ends: timeout, cancelled). ok if
// every one ended ok, else the outcome of the first that did not.
template <class... Futures>
Status when_all(Futures&... futures) {
  Status result = Status::ok;
  for (Status s : {futures.wait()...}) {
    if (s != Status::ok && result == Status::ok) result = s;
  }
  return result;
}
template <class T>
Status when_all(std::vector<Future<T>>& futures) {
  Status result = Status::ok;
  for (auto& f : futures) {
    const Status s = f.wait();
    if (s != Status::ok && result == Status::ok) result = s;
  }
  return result;
}

// Waits until one future is ready: its index and outcome (-1 and why, if the wait ended first).
template <class... Futures>
Selected when_any(Futures&... futures) {
  return select(futures...);
}
template <class T>
Selected when_any(std::vector<Future<T>>& futures, TimePoint deadline = TimePoint::max()) {
  std::vector<detail::FutureCase<T>> cases;
  cases.reserve(futures.size());
  for (auto& f : futures) cases.emplace_back(f);
  std::vector<detail::SelectCase*> all;
  all.reserve(cases.size());
  for (auto& c : cases) all.push_back(&c);
  int index = -1;
  const Status status = detail::select_cases(all.data(), all.size(), deadline, &index);
  return Selected{status, index};
}

}  // namespace spool
