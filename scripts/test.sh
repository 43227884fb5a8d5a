#!/usr/bin/env bash
# Builds and runs every spool test: the Catch2 suite natively (g++; assembly context switch),
# natively under AddressSanitizer + UndefinedBehaviorSanitizer and under ThreadSanitizer, natively
# on the ucontext backend, natively without exceptions, the libFuzzer target (clang 14) for a
# bounded time, as wasm under the pinned Node with JSPI, and as wasm on the Asyncify fallback under
# the system's Node (no JSPI), plus whole-program tests, the model-checked programs, the soak, the
# loader that picks a build by engine, the web demo in Chromium (and its fallback in Chromium
# without JSPI and in Firefox ESR) and the consumer check (a project outside the repo linking
# spool::spool runs with `node prog.js`). The configurations are listed in scripts/env.sh;
# README.md, "How this is tested", says what each runs.
# One ctest run covers them all. Installs what it needs first (scripts/setup.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
spool_setup
build="$spool_root/build"
mkdir -p "$build"

for config in "${spool_native_configs[@]}"; do
  name="${config%%|*}"
  args="${config#*|}"
  echo "== $name ${args:+($args)}"
  # shellcheck disable=SC2086 # the arguments are words
  spool_configure_native "$build/$name" -DSPOOL_TEST_PREFIX="$name." $args
  cmake --build "$build/$name" -j"$spool_jobs"
done

echo "== wasm (emscripten $(emcc --version 2>/dev/null | head -1 | grep -o '[0-9]\+\.[0-9]\+\.[0-9]\+' | head -1), JSPI)"
spool_configure_wasm "$build/wasm" -DSPOOL_TEST_PREFIX=wasm. -DSPOOL_BUILD_DEMOS=ON -DSPOOL_BUILD_BENCHMARKS=ON \
  -DSPOOL_NATIVE_BUILD_DIR="$build/native"
cmake --build "$build/wasm" -j"$spool_jobs"

# The Asyncify fallback (-DSPOOL_CONTEXT=asyncify), for engines without JSPI: the same suites under
# the system's Node, which has none; the loader against both wasm builds; the web demo's fallback.
echo "== wasm-asyncify (Asyncify, tests under $("$spool_plain_node" --version) without JSPI)"
spool_configure_wasm "$build/wasm-asyncify" -DSPOOL_TEST_PREFIX=wasm-asyncify. -DSPOOL_CONTEXT=asyncify \
  -DSPOOL_BUILD_DEMOS=ON -DSPOOL_BUILD_BENCHMARKS=OFF -DCMAKE_CROSSCOMPILING_EMULATOR="$spool_plain_node" \
  -DSPOOL_JSPI_PEER_BUILD_DIR="$build/wasm" -DSPOOL_NODE_WITH_JSPI="$spool_node"
cmake --build "$build/wasm-asyncify" -j"$spool_jobs"

# One ctest over every build tree.
{
  for config in "${spool_native_configs[@]}"; do echo "subdirs(\"${config%%|*}\")"; done
  echo 'subdirs("wasm")'
  echo 'subdirs("wasm-asyncify")'
} >"$build/CTestTestfile.cmake"
cd "$build"
ctest --output-on-failure --timeout 600
