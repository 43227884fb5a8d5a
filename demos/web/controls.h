// What the page's controls change: the scale K, pause, and single steps while paused. The page
// sets them through the exported functions in page_bridge.cpp; the game loop reads them.
#pragma once

#include <algorithm>

#include "world.h"

namespace web_demo {

struct Controls {
  int scale = kDefaultScale;
  bool paused = false;
  int steps_requested = 0;
  bool inspector = false;  // the fiber inspector overlay

  void set_scale(int k) { scale = std::clamp(k, kMinScale, kMaxScale); }

  // Whether this animation frame runs a tick: always unless paused; when paused, once per step
  // asked for.
  bool take_tick() {
    if (!paused) return true;
    if (steps_requested == 0) return false;
    --steps_requested;
    return true;
  }
};

// The page's controls (one page, one set).
Controls& page_controls();

}  // namespace web_demo
