// Seeing fibers: what a Scheduler runs, as data (Scheduler::inspect) or as text (describe), for
// a debug overlay, a console command, or a crash log.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "clock.h"
#include "fiber.h"

namespace spool {

struct FiberInfo {
  FiberId id = 0;
  std::string name;
  FiberState state = FiberState::finished;
  std::string waiting_in;        // the call it is blocked in ("wait_frames", "spool::Event::wait()"), or ""
  FiberId parent = 0;            // spawned with spawn_child by that fiber (0: none)
  std::size_t children = 0;      // live children
  std::uint64_t spawn_frame = 0; // the scheduler's frame when it was spawned
  Duration age{};                // since it was spawned, on the scheduler's clock
  bool cancel_requested = false;
  // C stack, measured: its size, how much of it is in use now (the saved stack pointer's
  // distance from the top; the running fiber's own; 0 before it started or where the backend
  // cannot tell, as on ucontext), and the most it ever used (scanned for the pattern written at
  // spawn, never less than in use now; needs Config::measure_stacks, else 0).
  std::size_t stack_size = 0;
  std::size_t stack_in_use = 0;
  std::size_t stack_high_water = 0;
  bool holds_engine_stack = false;  // wasm: it runs on (or reserved) an engine stack of its own
};

struct Inspection {
  std::uint64_t frame = 0;
  std::vector<FiberInfo> fibers;  // every fiber not yet finished (queued ones too), main first
};

}  // namespace spool
