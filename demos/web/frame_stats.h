// The timing and rate figures the HUD shows, measured around each Scheduler::tick(): frame time
// (between animation frames), scheduler time per tick, switches per tick, spawns per second.
#pragma once

#include <cstdint>

#include <spool/spool.h>

namespace web_demo {

class FrameStats {
 public:
  // At the start of every animation frame, ticked or not (paused). `now_ms`: performance.now().
  void begin_frame(double now_ms);
  // After a tick: the scheduler's stats before and after it, and the milliseconds it took.
  void record_tick(const spool::Scheduler::Stats& before, const spool::Scheduler::Stats& after,
                   double tick_ms);

  double frame_ms() const noexcept { return frame_ms_; }
  double tick_ms() const noexcept { return tick_ms_; }
  std::uint64_t switches_per_tick() const noexcept { return switches_per_tick_; }
  double spawns_per_second() const noexcept { return spawns_per_second_; }

 private:
  // Spawns per second are counted over windows of this length, so the figure is readable.
  static constexpr double kRateWindowMs = 500;

  double last_frame_start_ms_ = -1;
  double frame_ms_ = 0;
  double tick_ms_ = 0;
  std::uint64_t switches_per_tick_ = 0;
  std::uint64_t spawns_total_ = 0;
  double window_start_ms_ = -1;
  std::uint64_t window_start_spawns_ = 0;
  double spawns_per_second_ = 0;
};

}  // namespace web_demo
