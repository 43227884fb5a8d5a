#!/usr/bin/env bash
# The benchmarks in browsers: the wasm programs of scripts/bench.sh (spool on JSPI, raw JSPI,
# Emscripten's Asyncify fibers, spool on its Asyncify fallback; micro workloads and the Taisei-like
# stage at K = 1, 2, 4), plus the minimal raw-JSPI hand-off reproducer (bench/engine/handoff.html),
# each in headless Debian Chromium and Firefox ESR, engines alternating, served from 127.0.0.1.
# Writes build/bench-web/results.json (medians over the runs, records with an "engine" field),
# chart.svg and table.md; prints the JSON path last.
#   bash scripts/bench_web.sh [runs (default 3)] [quick]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
spool_setup
runs="${1:-3}"
mode="${2:-}"
out="$spool_root/build/bench-web"
site="$out/site"
mkdir -p "$out"

# -sEXIT_RUNTIME=1: main()'s return reaches Module.onExit, which is how the page (bench/web/host.js)
# knows a program is over; the Node builds of scripts/bench.sh stay as they are.
targets=(spool_bench spool_taisei asyncify_bench raw_jspi_bench asyncify_taisei raw_jspi_taisei)
for backend in jspi asyncify; do
  build="$spool_root/build/bench-web-$backend"
  [ "$backend" = asyncify ] && targets=(spool_bench spool_taisei)
  spool_configure_wasm "$build" -DSPOOL_CONTEXT=$backend -DSPOOL_BUILD_TESTS=OFF -DSPOOL_BUILD_DEMOS=OFF \
    -DCMAKE_EXE_LINKER_FLAGS=-sEXIT_RUNTIME=1
  cmake --build "$build" -j"$spool_jobs" --target "${targets[@]}" >"$build.build.log" 2>&1 ||
    { cat "$build.build.log"; exit 1; }
  for kind in micro taisei; do
    mkdir -p "$site/$backend/$kind"
    cp "$build/bench/$kind/"*.{js,wasm} "$site/$backend/$kind/"
  done
done
# The web demo as scripts/web_demo.sh builds it (its JSPI build): its K = 2 frame is measured too.
spool_build_web_demo jspi
mkdir -p "$site/demo"
cp "$spool_root/build/web-wasm-jspi/demos/web/"*.{html,js,css,wasm} "$site/demo/"
echo "window.spoolDemoBuilds = { jspi: 'spool_web_demo.js' };" >"$site/demo/builds.js"
cp "$spool_root/bench/web/"{host.html,host.js,jspi_counters.js} "$spool_root/bench/engine/handoff."{html,js} "$site/"

# The stage's state hash is checked against spool's native build: run that once, as a reference.
spool_configure_native "$spool_root/build/bench-native" -DCMAKE_BUILD_TYPE=Release \
  -DSPOOL_BUILD_TESTS=OFF -DSPOOL_BUILD_DEMOS=OFF
cmake --build "$spool_root/build/bench-native" -j"$spool_jobs" --target spool_taisei >"$out/native.build.log" 2>&1 ||
  { cat "$out/native.build.log"; exit 1; }
# Fewer frames than under Node (3,600): Firefox runs the stage on JSPI 10-40x slower than Chromium.
frames=600
[ "$mode" = quick ] && frames=300
: >"$out/native.txt"
for k in 1 2 4; do
  "$spool_root/build/bench-native/bench/taisei/spool_taisei" $frames $k 1 | grep '"state_hash' >>"$out/native.txt"
done

"$spool_node" "$spool_root/bench/web/run_bench.mjs" --site "$site" --serve "$spool_root/demos/web/serve.js" \
  --out "$out" --runs "$runs" --frames "$frames" ${mode:+--quick}
inputs=()
for run in $(seq 1 "$runs"); do inputs+=("$out/run-$run.txt"); done

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') ($(nproc) cores)"
# "node" and "compiler" are what report.mjs's chart names under its title: here, the browsers.
env_json=$(printf '{"machine":"%s","browsers":%s,"node":"%s","compiler":"in headless browsers","emscripten":"emscripten %s","runs":%s,"date":"%s"}' \
  "$cpu" "$(cat "$out/browsers.json")" "$(tr -d '{}"' <"$out/browsers.json" | sed 's/,/, /')" \
  "$(emcc --version | head -1 | grep -o '[0-9]\+\.[0-9]\+\.[0-9]\+' | head -1)" "$runs" "$(date -u +%Y-%m-%d)")
"$spool_node" "$spool_root/bench/report/report.mjs" "$out" "$env_json" "${inputs[@]}" "$out/native.txt"
