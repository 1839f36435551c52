#!/usr/bin/env bash
# Regenerate the app icons from the source image, icons/latchkey.svg:
#   icons/latchkey.png   the 1024x1024 PNG rendered from it
#   icons/*.png|ico|icns  the Tauri icon set (tauri.conf.json bundle.icon points here)
#   ui/src/lib/shared/latchkey.svg  the same glyph, drawn in the window (Logo.svelte)
# Uses the Tauri CLI from ui/node_modules (run `npm ci` in ui/ first); it rasterises
# SVG itself, so no other image tool is needed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
icons="$root/icons"
tauri="$root/ui/node_modules/.bin/tauri"
if [ ! -x "$tauri" ]; then
  echo "generate.sh: $tauri missing; run 'npm ci' in $root/ui" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# 1024x1024 PNG source, rendered from the SVG.
"$tauri" icon "$icons/latchkey.svg" --output "$tmp/source" --png 1024
cp "$tmp/source/1024x1024.png" "$icons/latchkey.png"

# The full Tauri icon set, desktop only (the mobile sets are dropped).
"$tauri" icon "$icons/latchkey.png" --output "$tmp/set"
rm -rf "$tmp/set/android" "$tmp/set/ios"

# Replace the previous set: everything in icons/ but the sources and this script.
find "$icons" -maxdepth 1 -type f ! -name latchkey.svg ! -name latchkey.png ! -name generate.sh -delete
cp "$tmp/set"/* "$icons/"

# The front end shows the same glyph.
cp "$icons/latchkey.svg" "$root/ui/src/lib/shared/latchkey.svg"

echo "generate.sh: $(find "$icons" -maxdepth 1 -type f | wc -l) files in $icons"
