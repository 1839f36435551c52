#!/usr/bin/env bash
# Run the end-to-end tests against the built debug app under a private X
# server, with a throwaway HOME and data dirs. Build the app first:
#   (cd <repo> && CARGO_TARGET_DIR=<repo>/target npx --prefix ui tauri build --debug --no-bundle)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

for tool in tauri-driver WebKitWebDriver xvfb-run; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool missing; run make deps" >&2; exit 1; }
done
[ -d node_modules ] || npm ci

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/data" "$tmp/config" "$tmp/cache" "$tmp/runtime"
chmod 700 "$tmp/runtime"

export HOME="$tmp/home" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config"
export XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/runtime"
export LATCHKEY_DB="$tmp/data/latchkey-e2e.db"
export WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 NO_AT_BRIDGE=1

# One automation session at a time: WebKit allows one.
exec xvfb-run -a --server-args="-screen 0 1280x900x24" \
  node --test --test-concurrency=1 "$@" specs/*.test.js
