#!/usr/bin/env bash
# Runs the Taisei-like stage (1,200 frames, a mass cancel at frame 600) over and over in wasm for a
# chosen time, printing live fibers, memory and p99 tick time every 5 s; exits 1 if a stage leaves
# a fiber, C stack or engine stack held, if the C heap grows by a leaked task stack per stage, or
# if a stage never reached its mass cancel.
#   bash scripts/soak.sh [seconds (default 60)] [K (default 1)]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
spool_setup
build="$spool_root/build/bench-wasm"
spool_configure_wasm "$build" -DSPOOL_BUILD_TESTS=OFF -DSPOOL_BUILD_DEMOS=OFF
cmake --build "$build" -j"$spool_jobs" --target spool_taisei >"$build.build.log" 2>&1 || { cat "$build.build.log"; exit 1; }
exec "$spool_node" --expose-gc "$build/bench/taisei/spool_taisei.js" --soak "${1:-60}" "${2:-1}"
