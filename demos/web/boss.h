// The boss's movement, a fiber: it glides to a new spot at the top of the field, holds there a
// while, and glides on. The attack patterns fire from wherever it is (see stage.h).
#pragma once

#include "world.h"

namespace web_demo {

// Runs for as long as the page: never returns.
void run_boss_movement(World& world);

}  // namespace web_demo
