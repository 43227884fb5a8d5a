#!/usr/bin/env bash
# Builds and runs every spool test: the Catch2 suite natively (g++; assembly context switch),
# natively under AddressSanitizer + UndefinedBehaviorSanitizer and under ThreadSanitizer, natively
# on the ucontext backend, natively without exceptions, the libFuzzer target (clang 14) for a
# bounded time, as wasm under the pinned Node with JSPI, and as wasm on the Asyncify fallback under
# the system's Node (no JSPI), plus whole-program tests, the model-checked programs, the soak, the
# loader that picks a build by engine, the web demo in Chromium (and its fallback in Chromium
# without JSPI and in Firefox ESR) and the consumer check (a project outside the repo linking
# spool::spool runs with `node prog.js`). The configurations are the presets of
# CMakePresets.json; README.md, "How this is tested", says what each runs.
# One ctest run covers them all. Installs what it needs first (scripts/setup.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
spool_setup
build="$spool_root/build"
mkdir -p "$build"

# Every configure preset of CMakePresets.json, native first (the wasm build reads the native
# build's replay-hash program).
mapfile -t presets < <(spool_presets)
for preset in "${presets[@]}"; do
  echo "== $preset"
  spool_configure_preset "$preset"
  cmake --build "$build/$preset" -j"$spool_jobs"
done

# One ctest over every build tree.
printf 'subdirs("%s")\n' "${presets[@]}" >"$build/CTestTestfile.cmake"
cd "$build"
ctest --output-on-failure --timeout 600
