#!/usr/bin/env bash
# Builds spool's web demo (a bullet-hell where every bullet is a fiber) twice, on JSPI and on the
# Asyncify fallback, and serves both as one site on 127.0.0.1: the page's loader runs the JSPI
# build in browsers with JSPI (Chrome or Edge 137+, Firefox 153+) and the Asyncify build in any
# other browser with WebAssembly. Installs what it needs first.
#   bash scripts/web_demo.sh            PORT=9000 bash scripts/web_demo.sh
# Open the printed URL; add ?k=N (1-8) to start at another scale, ?spool-backend=asyncify to force
# the fallback. Ctrl-C stops the server.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
spool_setup
for backend in jspi asyncify; do spool_build_web_demo $backend; done
site="$spool_root/build/web-site"
rm -rf "$site"
cp -r "$spool_root/build/web-wasm-asyncify/demos/web" "$site"
rm -rf "$site/CMakeFiles" "$site"/*.cmake "$site/Makefile"
cp "$spool_root/build/web-wasm-jspi/demos/web/spool_web_demo."{js,wasm} "$site/"
cat >"$site/builds.js" <<'BUILDS'
// The builds of the demo on this site, for spool_loader.js (written by scripts/web_demo.sh).
window.spoolDemoBuilds = { jspi: 'spool_web_demo.js', asyncify: 'spool_web_demo.asyncify.js' };
BUILDS
echo "web demo built in $site (JSPI and Asyncify builds); open the URL below in any browser (Ctrl-C stops the server)"
# serve.js prints "serving <folder> at http://127.0.0.1:<port>/" once it listens.
exec "$spool_node" "$spool_root/demos/web/serve.js" "$site"
