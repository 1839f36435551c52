#!/usr/bin/env bash
# Run the end-to-end tests against the built debug app (e2e feature) under a private X
# server, with a throwaway HOME, XDG dirs, store (LATCHKEY_DB) and download dir.
# Build first (make test-e2e does both):
#   make app-e2e && cargo build -p latchkey-cli
# Usage: tests/e2e/run.sh [spec files...]    (default: every specs/*.test.js, in order)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

for tool in tauri-driver WebKitWebDriver xvfb-run xclip; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool missing; run make deps" >&2; exit 1; }
done
[ -d node_modules ] || npm ci --no-audit --no-fund

repo="$(cd "$here/../.." && pwd)"
export LATCHKEY_APP="${LATCHKEY_APP:-${CARGO_TARGET_DIR:-$repo/target}/debug/latchkey-desktop}"
export LATCHKEY_CLI="${LATCHKEY_CLI:-${CARGO_TARGET_DIR:-$repo/target}/debug/latchkey}"
for bin in "$LATCHKEY_APP" "$LATCHKEY_CLI"; do
  [ -x "$bin" ] || { echo "run.sh: $bin missing; run make app-e2e and cargo build -p latchkey-cli" >&2; exit 1; }
done

tmp="$(mktemp -d -t latchkey-e2e.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home"
export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config" XDG_CACHE_HOME="$HOME/.cache"
export XDG_RUNTIME_DIR="$tmp/runtime"
mkdir -p "$XDG_DATA_HOME/latchkey" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR" "$HOME/Downloads"
chmod 700 "$XDG_RUNTIME_DIR" "$HOME/Downloads"
export LATCHKEY_DB="$XDG_DATA_HOME/latchkey/latchkey.db"
# Test builds only (cargo feature e2e): the save dialog is answered with this directory.
export LATCHKEY_E2E_SAVE_DIR="$HOME/Downloads"
export WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 NO_AT_BRIDGE=1

if [ "$#" -gt 0 ]; then specs=("$@"); else specs=(specs/*.test.js); fi

# run-specs.js starts tauri-driver once, runs the specs one at a time, stops the driver.
# Not exec: the EXIT trap must still remove the temp dir.
status=0
xvfb-run -a --server-args="-screen 0 1440x1024x24" node run-specs.js "${specs[@]}" || status=$?
exit "$status"
