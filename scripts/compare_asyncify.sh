#!/usr/bin/env bash
# spool's emscripten_fiber_* against Emscripten's own Asyncify fibers, side by side, in one run on
# this machine. One C source (bench/compat/fiber_compare.c, <emscripten/fiber.h> only) is
# built twice at -O3: linked against spool::spool (JSPI, no -sASYNCIFY), and with -sASYNCIFY
# without spool. Both run under the pinned Node, alternating; they must print the same checksum of
# their work. Prints a Markdown table (also build/compare/compare.md) and writes
# build/compare/compare.json (flat records); the JSON path is the last line.
#   bash scripts/compare_asyncify.sh [runs per build (default 3)] [quick]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
spool_setup
runs="${1:-3}"
mode="${2:-}"
build="$spool_root/build/compare-wasm"
out="$spool_root/build/compare"
mkdir -p "$out"

spool_configure_wasm "$build" -DSPOOL_BUILD_DEMOS=OFF
cmake --build "$build" -j"$spool_jobs" --target fiber_compare_spool fiber_compare_asyncify \
  >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }

# The program's own arguments: round trips per depth repeat, fibers per spawn repeat, repeats.
program_args=(100000 20000 7)
[ "$mode" = quick ] && program_args=(2000 500 3)

programs_dir="$build/bench/compat"
run_files=()
rm -f "$out"/run-*.txt
for run in $(seq 1 "$runs"); do
  for impl in spool asyncify; do
    file="$out/run-$run-$impl.txt"
    if ! "$spool_node" "$programs_dir/fiber_compare_$impl.js" "${program_args[@]}" >"$file" 2>"$out/stderr.log"; then
      echo "compare: the $impl build failed (run $run):" >&2
      tail -c 2000 "$out/stderr.log" >&2
      exit 1
    fi
    run_files+=("$file")
  done
done

file_size() { stat -c %s "$1"; }
sizes_json=$(printf '{"spool":{"wasm":%s,"js":%s},"asyncify":{"wasm":%s,"js":%s}}' \
  "$(file_size "$programs_dir/fiber_compare_spool.wasm")" "$(file_size "$programs_dir/fiber_compare_spool.js")" \
  "$(file_size "$programs_dir/fiber_compare_asyncify.wasm")" "$(file_size "$programs_dir/fiber_compare_asyncify.js")")

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') ($(nproc) cores)"
engine="Node $("$spool_node" --version) (V8 $("$spool_node" -p process.versions.v8))"
emcc_version="$(emcc --version | head -1 | grep -o '[0-9]\+\.[0-9]\+\.[0-9]\+' | head -1)"
clang_version="$(emcc -v 2>&1 | grep -m1 -o 'clang version [0-9.]\+' || true)"
compiler="emscripten $emcc_version (${clang_version:-clang}), -O3 both; Asyncify build: -sASYNCIFY"
command="bash scripts/compare_asyncify.sh $*"
env_json=$("$spool_node" -e 'console.log(JSON.stringify({machine: process.argv[1], engine: process.argv[2],
  compiler: process.argv[3], command: process.argv[4].trim(), runs: Number(process.argv[5]),
  program_args: process.argv[6], date: new Date().toISOString().slice(0, 10)}))' \
  "$cpu" "$engine" "$compiler" "$command" "$runs" "${program_args[*]}")

"$spool_node" "$spool_root/bench/compat/compare_report.mjs" "$out" "$env_json" "$sizes_json" "${run_files[@]}"
