#!/usr/bin/env bash
# Run the end-to-end tests against the built debug app (e2e feature) under a private X
# server. Each spec file gets its own throwaway HOME, XDG dirs, store (LATCHKEY_DB) and
# download dir (run-specs.js makes them under this run's temp dir).
# Build first (make test-e2e does both):
#   make app-e2e && cargo test --workspace --no-run   (the latter builds target/debug/latchkey)
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
  [ -x "$bin" ] || { echo "run.sh: $bin missing; run make app-e2e and cargo test --workspace --no-run" >&2; exit 1; }
done

tmp="$(mktemp -d -t latchkey-e2e.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
# The parent of every spec's own dirs (run-specs.js).
export E2E_TMP="$tmp"
# Nothing of the caller's may leak into a spec: its store comes from run-specs.js only.
unset LATCHKEY_DB LATCHKEY_USER LATCHKEY_E2E_SAVE_DIR
export WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 NO_AT_BRIDGE=1

if [ "$#" -gt 0 ]; then specs=("$@"); else specs=(specs/*.test.js); fi

# run-specs.js runs the specs one at a time, each with its own dirs and its own
# tauri-driver, and always stops the driver. Not exec: the EXIT trap must still run.
status=0
xvfb-run -a --server-args="-screen 0 1440x1024x24" node run-specs.js "${specs[@]}" || status=$?
exit "$status"
