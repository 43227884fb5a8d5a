#!/usr/bin/env bash
# Builds spool's stress demo for wasm and runs it under the pinned Node with JSPI: waves of
# short-lived fibers, switch cost, memory per suspended fiber. Installs what it needs first.
#   bash scripts/demo.sh [waves] [fibers per wave] [held fibers]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
spool_setup
build="$spool_root/build/demo-wasm"
mkdir -p "$spool_root/build"
spool_configure_wasm "$build" -DSPOOL_BUILD_TESTS=OFF
cmake --build "$build" -j"$spool_jobs" --target spool_stress >"$build.build.log" 2>&1 || { cat "$build.build.log"; exit 1; }
echo "node $("$spool_node" --version) (JSPI), emscripten $(emcc --version | head -1 | grep -o '[0-9]\+\.[0-9]\+\.[0-9]\+' | head -1)"
exec "$spool_node" "$build/demos/stress/spool_stress.js" "$@"
