// spool::FiberOptions: how a fiber is spawned (Scheduler::spawn, this_fiber::spawn_child,
// Event::spawn_when_signalled).
#pragma once

#include <cstddef>
#include <memory>

namespace spool {

struct FiberOptions {
  // Shown in error reports and stats; copied. nullptr: "fiber-<id>".
  const char* name = nullptr;
  // Bytes of C stack, rounded up to a size class (powers of two from 4 KiB). 0: the Scheduler's
  // default (Scheduler::Config::default_stack_size).
  std::size_t stack_size = 0;
  // Cancellation (Fiber::cancel(), a parent ending, bound_to expiring) makes the fiber's blocking
  // calls return Status::cancelled. With this set, in builds with exceptions (-fwasm-exceptions in
  // wasm), they throw spool::FiberCancelled instead, so that destructors run as it unwinds; the
  // fiber then ends normally (join() returns ok).
  bool cancel_by_exception = false;
  // Ties the fiber to an object's lifetime: once this expires, the scheduler cancels the fiber at
  // its next tick, without switching into it to find out.
  std::weak_ptr<void> bound_to;
  // Runs the new fiber at once, up to its first blocking call, before spawn() returns, as
  // Taisei's tasks start (the spawner then goes on ahead of every other ready fiber). Only where
  // the caller can switch (a fiber, or main inside a JSPI call): from a plain call, or past the
  // live-fiber cap, the fiber starts as usual.
  bool start_now = false;
};

}  // namespace spool
