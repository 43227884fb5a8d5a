#!/usr/bin/env bash
# Builds spool's web demo (a bullet-hell where every bullet is a fiber) for wasm and serves it on
# 127.0.0.1 for a browser with JSPI (Chrome or Edge 137+). Installs what it needs first.
#   bash scripts/web_demo.sh            PORT=9000 bash scripts/web_demo.sh
# Open the printed URL; add ?k=N (1-8) to start at another scale. Ctrl-C stops the server.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
spool_setup
build="$spool_root/build/web-wasm"
spool_configure_wasm "$build" -DSPOOL_BUILD_TESTS=OFF -DSPOOL_BUILD_BENCHMARKS=OFF
cmake --build "$build" -j"$spool_jobs" --target spool_web_demo >"$build.build.log" 2>&1 ||
  { cat "$build.build.log"; exit 1; }
site="$build/demos/web"
echo "web demo built in $site; open the URL below in Chrome or Edge 137+ (Ctrl-C stops the server)"
# serve.js prints "serving <folder> at http://127.0.0.1:<port>/" once it listens.
exec "$spool_node" "$spool_root/demos/web/serve.js" "$site"
