#!/usr/bin/env bash
# Runs spool's benchmarks and their baselines in one run, on this machine: spool (wasm, JSPI), raw
# JSPI, Emscripten's Asyncify fibers, spool on its Asyncify fallback (spool_asyncify), and spool's
# native backend; for the Taisei-like stage also one <emscripten/fiber.h> program with koishi's
# recycling of fiber structs, on spool (koishi_spool) and on Asyncify (koishi_asyncify). Every
# program runs once per run, one after another, so implementations alternate within the window.
# Every wasm program runs under the same Node (the pinned one). Writes build/bench/results.json
# (medians over the runs), build/bench/chart.svg and build/bench/table.md; prints the JSON path last.
# Fails (exit 1) if the stage's implementations disagree on its final state hash or counts.
#   bash scripts/bench.sh [runs (default 5)] [quick]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
spool_setup
runs="${1:-5}"
mode="${2:-}"
out="$spool_root/build/bench"
mkdir -p "$out"

spool_configure_native "$spool_root/build/bench-native" -DCMAKE_BUILD_TYPE=Release \
  -DSPOOL_BUILD_TESTS=OFF -DSPOOL_BUILD_DEMOS=OFF
cmake --build "$spool_root/build/bench-native" -j"$spool_jobs" --target spool_bench spool_taisei >"$out/build.log" 2>&1 ||
  { cat "$out/build.log"; exit 1; }
spool_configure_wasm "$spool_root/build/bench-wasm" -DSPOOL_BUILD_TESTS=OFF -DSPOOL_BUILD_DEMOS=OFF
cmake --build "$spool_root/build/bench-wasm" -j"$spool_jobs" \
  --target spool_bench spool_taisei asyncify_bench raw_jspi_bench asyncify_taisei raw_jspi_taisei \
           koishi_spool_taisei koishi_asyncify_taisei \
  >>"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
spool_configure_wasm "$spool_root/build/bench-wasm-asyncify" -DSPOOL_CONTEXT=asyncify -DSPOOL_BUILD_TESTS=OFF \
  -DSPOOL_BUILD_DEMOS=OFF
cmake --build "$spool_root/build/bench-wasm-asyncify" -j"$spool_jobs" --target spool_bench spool_taisei \
  >>"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }

programs=(
  "$spool_node --expose-gc $spool_root/build/bench-wasm/bench/micro/spool_bench.js"
  "$spool_node --expose-gc $spool_root/build/bench-wasm/bench/micro/raw_jspi_bench.js"
  "$spool_node --expose-gc $spool_root/build/bench-wasm/bench/micro/asyncify_bench.js"
  "$spool_node --expose-gc $spool_root/build/bench-wasm-asyncify/bench/micro/spool_bench.js"
  "$spool_root/build/bench-native/bench/micro/spool_bench"
)
# The Taisei-like stage, K = 1, 2 and 4 (the program's own arguments; quick mode: fewer frames),
# on spool (wasm and native), the same baselines, and the koishi-style program on both.
frames=3600
[ "$mode" = quick ] && frames=300
for k in 1 2 4; do
  programs+=("$spool_node --expose-gc $spool_root/build/bench-wasm/bench/taisei/spool_taisei.js $frames $k 1"
             "$spool_node --expose-gc $spool_root/build/bench-wasm/bench/taisei/raw_jspi_taisei.js $frames $k 1"
             "$spool_node --expose-gc $spool_root/build/bench-wasm/bench/taisei/asyncify_taisei.js $frames $k 1"
             "$spool_node --expose-gc $spool_root/build/bench-wasm/bench/taisei/koishi_spool_taisei.js $frames $k 1"
             "$spool_node --expose-gc $spool_root/build/bench-wasm/bench/taisei/koishi_asyncify_taisei.js $frames $k 1"
             "$spool_node --expose-gc $spool_root/build/bench-wasm-asyncify/bench/taisei/spool_taisei.js $frames $k 1"
             "$spool_root/build/bench-native/bench/taisei/spool_taisei $frames $k 1")
done
inputs=()
for run in $(seq 1 "$runs"); do
  file="$out/run-$run.txt"
  : >"$file"
  for program in "${programs[@]}"; do
    args="$mode"
    case "$program" in *_taisei*) args="" ;; esac
    # shellcheck disable=SC2086 # program is a command line
    if ! $program $args >>"$file" 2>"$out/stderr.log"; then
      echo "bench: failed: $program" >&2
      tail -c 2000 "$out/stderr.log" >&2
      exit 1
    fi
  done
  inputs+=("$file")
done

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') ($(nproc) cores)"
env_json=$(printf '{"machine":"%s","node":"Node %s","emscripten":"emscripten %s","compiler":"%s","runs":%s,"date":"%s"}' \
  "$cpu" "$("$spool_node" --version)" "$(emcc --version | head -1 | grep -o '[0-9]\+\.[0-9]\+\.[0-9]\+' | head -1)" \
  "$(g++ --version | head -1)" "$runs" "$(date -u +%Y-%m-%d)")
"$spool_node" "$spool_root/bench/report/report.mjs" "$out" "$env_json" "${inputs[@]}"
