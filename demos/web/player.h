// The player's ship, a fiber: it flies a fixed path near the bottom (the demo plays itself) and
// fires shots at the boss, each shot a child fiber of its own.
#pragma once

#include "world.h"

namespace web_demo {

// Runs for as long as the page: never returns.
void run_player(World& world);

}  // namespace web_demo
