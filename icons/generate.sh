#!/usr/bin/env bash
# Regenerate the app icons from icons/latchkey.svg:
#   icons/latchkey.png      1024x1024 PNG source
#   src-tauri/icons/*       the Tauri icon set (png, ico, icns, appx, ios, android)
# Uses the Tauri CLI from ui/node_modules (run `npm ci` in ui/ first); it
# rasterises SVG itself, so no other image tool is needed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tauri="$root/ui/node_modules/.bin/tauri"
if [ ! -x "$tauri" ]; then
  echo "generate.sh: $tauri missing; run 'npm ci' in $root/ui" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# 1024x1024 PNG source, rendered from the SVG.
"$tauri" icon "$root/icons/latchkey.svg" --output "$tmp" --png 1024
cp "$tmp/1024x1024.png" "$root/icons/latchkey.png"

# The full Tauri icon set, next to tauri.conf.json.
rm -rf "$root/src-tauri/icons"
"$tauri" icon "$root/icons/latchkey.png" --output "$root/src-tauri/icons"

# Desktop only: drop the mobile sets.
rm -rf "$root/src-tauri/icons/android" "$root/src-tauri/icons/ios"

# The front end shows the same glyph.
cp "$root/icons/latchkey.svg" "$root/ui/public/latchkey.svg"
