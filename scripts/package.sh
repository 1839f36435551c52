#!/usr/bin/env bash
# Build the Debian package (`make package`): the desktop app (/usr/bin/latchkey-desktop),
# the `latchkey` command line (/usr/bin/latchkey), a desktop entry and the icon set.
#
# Tauri's bundler does the work (src-tauri/tauri.conf.json, bundle.linux.deb): it builds
# the front end (beforeBuildCommand) and the app in release mode, and maps the CLI, built
# here first, to /usr/bin/latchkey. The desktop entry comes from
# packaging/latchkey.desktop.hbs.
#
# Prints the path of the .deb on its last line of output (target/release/bundle/deb/).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

version=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' src-tauri/tauri.conf.json)
target="${CARGO_TARGET_DIR:-$repo/target}"
deb="$target/release/bundle/deb/Latchkey_${version}_amd64.deb"

if [ -n "${CARGO_TARGET_DIR:-}" ] && [ "$(realpath -m "$CARGO_TARGET_DIR")" != "$repo/target" ]; then
  # tauri.conf.json maps ../target/release/latchkey; a different target dir would
  # package a stale (or missing) CLI.
  echo "package: CARGO_TARGET_DIR must be unset or $repo/target" >&2
  exit 1
fi

[ -d ui/node_modules ] || (cd ui && npm ci --no-audit --no-fund)

echo "== package: the latchkey CLI (release) =="
cargo build --release --locked -p latchkey-cli

echo "== package: the desktop app and its .deb (tauri build --bundles deb) =="
rm -f "$deb"
npx --prefix ui tauri build --ci --bundles deb -- --locked

[ -f "$deb" ] || { echo "package: $deb was not produced" >&2; exit 1; }

# tauri-cli seeds Depends with bundle.linux.deb.depends and then appends what it detects
# (libwebkit2gtk-4.1-0, libgtk-3-0, and the appindicator library when the `tray-icon`
# feature is on) without removing duplicates. The tray library is named in the config so
# the package needs it whether or not the feature is on; when both name it, drop the
# repeat (dpkg accepts repeats, but they read as a mistake).
depends=$(dpkg-deb -f "$deb" Depends)
dedup=$(printf '%s\n' "$depends" | tr ',' '\n' | sed 's/^ *//; s/ *$//' | awk 'NF && !seen[$0]++' | paste -sd, | sed 's/,/, /g')
if [ "$dedup" != "$depends" ]; then
  echo "package: Depends repeats an entry; rewriting it as: $dedup"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  dpkg-deb -R "$deb" "$work/root"
  sed -i "s/^Depends: .*/Depends: $dedup/" "$work/root/DEBIAN/control"
  dpkg-deb --root-owner-group -Zgzip --build "$work/root" "$deb.new" >/dev/null
  mv "$deb.new" "$deb"
fi

echo "== package: built =="
dpkg-deb -I "$deb" | sed -n '/Package:/,$p'
echo "$deb"
