#include "frame_stats.h"

namespace web_demo {

void FrameStats::begin_frame(double now_ms) {
  if (last_frame_start_ms_ >= 0) frame_ms_ = now_ms - last_frame_start_ms_;
  last_frame_start_ms_ = now_ms;
  if (window_start_ms_ < 0) {
    window_start_ms_ = now_ms;
    window_start_spawns_ = spawns_total_;
  } else if (now_ms - window_start_ms_ >= kRateWindowMs) {
    spawns_per_second_ = static_cast<double>(spawns_total_ - window_start_spawns_) * 1000.0 /
                         (now_ms - window_start_ms_);
    window_start_ms_ = now_ms;
    window_start_spawns_ = spawns_total_;
  }
}

void FrameStats::record_tick(const spool::Scheduler::Stats& before, const spool::Scheduler::Stats& after,
                             double tick_ms) {
  tick_ms_ = tick_ms;
  switches_per_tick_ = after.switches - before.switches;
  spawns_total_ = after.spawns;
}

}  // namespace web_demo
