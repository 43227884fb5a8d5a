#!/usr/bin/env bash
# Builds and runs every spool test: the Catch2 suite natively (g++), natively under
# AddressSanitizer + UndefinedBehaviorSanitizer, and as wasm under the pinned Node with JSPI, plus
# the consumer check (a project outside the repo linking spool::spool runs with `node prog.js`).
# One ctest run covers them all. Installs what it needs first (scripts/setup.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
spool_setup
build="$spool_root/build"
mkdir -p "$build"

echo "== native (g++)"
spool_configure_native "$build/native" -DSPOOL_TEST_PREFIX=native.
cmake --build "$build/native" -j"$spool_jobs"

echo "== native, AddressSanitizer + UndefinedBehaviorSanitizer"
spool_configure_native "$build/native-asan" -DSPOOL_TEST_PREFIX=asan. -DSPOOL_SANITIZE=address,undefined \
  -DSPOOL_BUILD_DEMOS=OFF
cmake --build "$build/native-asan" -j"$spool_jobs"

echo "== wasm (emscripten $(emcc --version 2>/dev/null | head -1 | grep -o '[0-9]\+\.[0-9]\+\.[0-9]\+' | head -1), JSPI)"
spool_configure_wasm "$build/wasm" -DSPOOL_TEST_PREFIX=wasm.
cmake --build "$build/wasm" -j"$spool_jobs"

# One ctest over every build tree.
cat >"$build/CTestTestfile.cmake" <<CTEST
subdirs("native")
subdirs("native-asan")
subdirs("wasm")
CTEST
cd "$build"
ctest --output-on-failure --timeout 600
