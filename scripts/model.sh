#!/usr/bin/env bash
# Runs spool's model-checked random programs for any number of seeds: each seed generates a
# program of spawns, yields, sleeps, joins, detaches, posts and coroutines; spool runs it and a
# reference model predicts it (deadlocks included), and the traces must match. A failure prints
# the seed and the shortest program that still fails (natively, a crash too). Installs what it
# needs first.
#   bash scripts/model.sh [--config NAME] [--seeds N] [--first S] [--verbose] [--threads|--real-clock]
# NAME: native (default), native-asan, native-tsan, native-ucontext, wasm, or all.
# --threads runs the programs whose posts come from other threads (native configurations only);
# --real-clock runs them on the scheduler's real clock (steady_clock, in steps of 4 ms).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

configs=(native)
seeds=1000
first=1
extra=()
filter="[model]~[threads]~[real-clock]"
while [ $# -gt 0 ]; do
  case "$1" in
    --config) shift; [ "$1" = all ] && configs=(native native-asan native-tsan native-ucontext wasm) || configs=("$1") ;;
    --seeds) shift; seeds="$1" ;;
    --first) shift; first="$1" ;;
    --verbose) extra+=(--verbose) ;;
    --threads) filter="[threads]" ;;
    --real-clock) filter="[real-clock]" ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "model.sh: unknown argument '$1' (see bash scripts/model.sh --help)" >&2; exit 2 ;;
  esac
  shift
done

spool_setup
status=0
for name in "${configs[@]}"; do
  build="$spool_root/build/$name"
  if [ "$name" = wasm ]; then
    [ "$filter" = "[threads]" ] && { echo "== wasm: no threads in this build; skipped"; continue; }
    spool_configure_wasm "$build" -DSPOOL_TEST_PREFIX=wasm. -DSPOOL_BUILD_DEMOS=ON -DSPOOL_BUILD_BENCHMARKS=ON
    runner=("$spool_node")
  else
    args=""
    found=0
    for config in "${spool_native_configs[@]}"; do
      if [ "${config%%|*}" = "$name" ]; then args="${config#*|}"; found=1; fi
    done
    [ "$found" = 1 ] || { echo "model.sh: no configuration '$name'" >&2; exit 2; }
    # shellcheck disable=SC2086 # the arguments are words
    spool_configure_native "$build" -DSPOOL_TEST_PREFIX="$name." $args
    runner=()
  fi
  echo "== $name: seeds $first..$((first + seeds - 1))"
  cmake --build "$build" -j"$spool_jobs" --target spool_model_tests >"$build.model-build.log" 2>&1 ||
    { cat "$build.model-build.log"; exit 1; }
  binary="$build/tests/model/spool_model_tests"
  [ "$name" = wasm ] && binary="$binary.js"
  "${runner[@]+"${runner[@]}"}" "$binary" --seeds "$seeds" --real-seeds "$seeds" --first "$first" \
    "${extra[@]+"${extra[@]}"}" "$filter" || status=1
done
exit $status
