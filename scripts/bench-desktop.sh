#!/usr/bin/env bash
# Desktop figures for BENCHMARKS.md: the release build of Latchkey beside a bare Tauri
# "hello" window (bench/hello-tauri, same tauri 2.12.5, same `tauri build --no-bundle`),
# both under Xvfb, in the same run:
#   - time from launch to the interactive sign-in screen (median of BENCH_RUNS launches),
#   - memory of the app and its WebKit processes after sign-in (RSS and PSS sums, /proc),
#   - binary size (as built, and stripped).
# Usage: scripts/bench-desktop.sh          (SKIP_BUILD=1 to reuse the release binaries)
# Results: bench-results/desktop.json and a summary on stdout.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

for tool in tauri-driver WebKitWebDriver xvfb-run node; do
  command -v "$tool" >/dev/null || { echo "bench-desktop: $tool missing; run make deps" >&2; exit 1; }
done

target="${CARGO_TARGET_DIR:-$repo/target}"
app="$target/release/latchkey-desktop"
hello_target="$repo/target/bench-hello"
hello="$hello_target/release/hello-tauri"
cli="$target/debug/latchkey"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  [ -d ui/node_modules ] || (cd ui && npm ci --no-audit --no-fund)
  # Release, front end embedded; no e2e feature.
  npx --prefix ui tauri build --no-bundle
  # The baseline: its own workspace and target dir, so the main Cargo.lock is untouched.
  (cd bench/hello-tauri && CARGO_TARGET_DIR="$hello_target" npx --prefix "$repo/ui" tauri build --no-bundle)
  cargo build -p latchkey-cli # only to create the store signed in to
fi
for bin in "$app" "$hello" "$cli"; do
  [ -x "$bin" ] || { echo "bench-desktop: $bin missing (build it, or drop SKIP_BUILD)" >&2; exit 1; }
done

tmp="$(mktemp -d -t latchkey-bench.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home"
export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config" XDG_CACHE_HOME="$HOME/.cache"
export XDG_RUNTIME_DIR="$tmp/runtime"
mkdir -p "$XDG_DATA_HOME/latchkey" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
export LATCHKEY_DB="$XDG_DATA_HOME/latchkey/latchkey.db"
export WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 NO_AT_BRIDGE=1

# A store with one administrator, so Latchkey opens on sign-in (not setup).
export BENCH_USER=bench BENCH_PASSWORD="bench passphrase $(date +%s)"
printf '%s\n%s\n' "$BENCH_PASSWORD" "$BENCH_PASSWORD" |
  "$cli" --db "$LATCHKEY_DB" --password-stdin init --username "$BENCH_USER" --first-name Bench --last-name Mark \
    >"$tmp/init.log" 2>&1 || { cat "$tmp/init.log" >&2; exit 1; }

# Private copies: a later `cargo build` elsewhere in the workspace cannot swap them out
# mid-run (a plain cargo build of the app loads devUrl instead of the embedded page).
mkdir -p "$tmp/bin"
cp "$app" "$tmp/bin/latchkey-desktop" && cp "$hello" "$tmp/bin/hello-tauri"
export BENCH_APP="$tmp/bin/latchkey-desktop" BENCH_HELLO="$tmp/bin/hello-tauri"
export BENCH_OUT="${BENCH_OUT:-$repo/bench-results/desktop.json}"
export BENCH_RUNS="${BENCH_RUNS:-7}"

stripped() {
  local copy="$tmp/$(basename "$1").stripped"
  cp "$1" "$copy" && strip "$copy" && stat -c %s "$copy"
}
echo "binary bytes: latchkey $(stat -c %s "$app") (stripped $(stripped "$app")), hello $(stat -c %s "$hello") (stripped $(stripped "$hello"))"

xvfb-run -a --server-args="-screen 0 1440x1024x24" node scripts/bench-desktop.mjs
