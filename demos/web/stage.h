// The boss fight: phase after phase, forever. A phase is a fiber whose children are its attack
// patterns; it ends when its time is up or the boss's health runs out. Then it is cancelled (its
// patterns stop with it: they are its children), and the token its bullets are bound to is
// dropped, so every bullet of the phase is cancelled at the next tick: a bullet clear.
#pragma once

#include "world.h"

namespace web_demo {

// Runs for as long as the page: never returns.
void run_stage(World& world);

}  // namespace web_demo
