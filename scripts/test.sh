#!/usr/bin/env bash
# Builds and runs every spool test: the Catch2 suite natively (g++; assembly context switch),
# natively under AddressSanitizer + UndefinedBehaviorSanitizer and under ThreadSanitizer, natively
# on the ucontext backend, natively without exceptions, the libFuzzer target (clang 14) for a
# bounded time, and as wasm under the pinned Node with JSPI, plus whole-program tests, the
# model-checked programs, the soak, the web demo in Chromium and the consumer check (a project
# outside the repo linking spool::spool runs with `node prog.js`). The configurations are listed in
# scripts/env.sh; README.md, "How this is tested", says what each runs.
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

# One ctest over every build tree.
{
  for config in "${spool_native_configs[@]}"; do echo "subdirs(\"${config%%|*}\")"; done
  echo 'subdirs("wasm")'
} >"$build/CTestTestfile.cmake"
cd "$build"
ctest --output-on-failure --timeout 600
