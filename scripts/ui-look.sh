#!/usr/bin/env bash
# Development only: a screenshot of the window's front end as WebKit (the engine of the
# Linux app) draws it, with the dev IPC mock's sample data (ui/src/dev/mock*.ts), under a
# private X server. For looking at a page while building it; the README's screenshots come
# from the real app in the end-to-end specs (E2E_UPDATE_DOCS=1).
#   scripts/ui-look.sh 'page=team&admin=1' /tmp/team.png [seconds to wait]
set -euo pipefail
query="${1:-}"
out="${2:-/tmp/ui-look.png}"
wait="${3:-8}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
browser=/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser
[ -x "$browser" ] || { echo "ui-look.sh: $browser missing (package libwebkit2gtk-4.1-0)" >&2; exit 1; }
port="${UI_LOOK_PORT:-5199}"
log="$(mktemp)"
(cd "$repo/ui" && exec npx vite --port "$port" --strictPort) >"$log" 2>&1 &
vite=$!
trap 'kill $vite 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 60); do
  grep -q "ready in" "$log" && break
  sleep 0.5
done
export WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 NO_AT_BRIDGE=1
xvfb-run -a --server-args="-screen 0 1440x1000x24" bash -c "
  '$browser' --geometry=1440x1000 'http://localhost:$port/?$query' >/dev/null 2>&1 &
  sleep $wait
  import -window root '$out'
  kill %1 2>/dev/null || true
"
echo "$out"
