// The boundary with the page (demos/web/page.js). Out: each frame, the bullet records (a view of
// linear memory, no copy) and the HUD's numbers as JSON, handed to Module.spoolDemoPresent. In:
// the controls, exported as spool_demo_set_scale / spool_demo_set_paused / spool_demo_step.
#pragma once

#include <spool/spool.h>

#include "controls.h"
#include "frame_stats.h"
#include "world.h"

namespace web_demo {

// Hands the frame to the page, which draws it and updates the HUD before returning.
void present_frame(const World& world, const Controls& controls, const FrameStats& frame_stats,
                   const spool::Scheduler::Stats& scheduler_stats);

// The fiber inspector overlay (when shown): what the scheduler runs, from Scheduler::inspect().
void present_inspector(const spool::Scheduler& scheduler);

// performance.now(), in milliseconds.
double now_ms();

}  // namespace web_demo
