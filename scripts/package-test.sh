#!/usr/bin/env bash
# The .deb, checked end to end (`make package-test`; `make test` runs it when CI=true):
#
#   1. build it (scripts/package.sh), or reuse the one built with SKIP_BUILD=1;
#   2. dpkg-deb -I / -c: both binaries, the desktop entry, the icons, Depends;
#   3. desktop-file-validate on the packaged desktop entry;
#   4. apt-get install ./….deb, then `latchkey --version` from PATH;
#   5. under Xvfb, with a throwaway HOME: the installed app started as the desktop entry
#      says keeps running and shows its window (xdotool), and, driven through tauri-driver,
#      opens on its setup screen;
#   6. apt-get remove, and check that everything it installed is gone.
#
# Runs as root (apt). Refuses to start when a latchkey package or /usr/bin/latchkey* is
# already there; whatever happens, an EXIT trap stops what it started, removes the
# package (and any dependency apt pulled in for it) and deletes its temporary files.
# Screenshots and logs of the run are kept in target/package-test/.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
PKG=latchkey
APP=/usr/bin/latchkey-desktop
CLI=/usr/bin/latchkey
ENTRY=/usr/share/applications/Latchkey.desktop
# The icon set: Tauri's (hicolor/<size>/apps/<binary>.png, its 128x128@2x as 256x256@2),
# plus a plain 256x256 and the SVG (bundle.linux.deb.files).
ICONS=(
  /usr/share/icons/hicolor/32x32/apps/latchkey-desktop.png
  /usr/share/icons/hicolor/64x64/apps/latchkey-desktop.png
  /usr/share/icons/hicolor/128x128/apps/latchkey-desktop.png
  /usr/share/icons/hicolor/256x256/apps/latchkey-desktop.png
  /usr/share/icons/hicolor/256x256@2/apps/latchkey-desktop.png
  /usr/share/icons/hicolor/512x512/apps/latchkey-desktop.png
  /usr/share/icons/hicolor/scalable/apps/latchkey-desktop.svg
)
DEPENDS=(libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1)

fail() { echo "package-test: FAIL: $*" >&2; exit 1; }
step() { echo; echo "== package-test: $* =="; }

# ---------------------------------------------------------------------------------------
# Stage 2 (inside xvfb-run and a private D-Bus session): the installed app in a window.
# ---------------------------------------------------------------------------------------
if [ "${1:-}" = "--in-display" ]; then
  work="$2" out="$3"
  app_pid=""
  trap '[ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null; wait 2>/dev/null || true' EXIT
  export WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 NO_AT_BRIDGE=1
  unset LATCHKEY_DB LATCHKEY_USER LATCHKEY_E2E_SAVE_DIR
  use_home() { # a fresh HOME and XDG dirs under $work/$1
    export HOME="$work/$1"
    export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config"
    export XDG_CACHE_HOME="$HOME/.cache" XDG_RUNTIME_DIR="$work/$1-runtime"
    mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
    mkdir -m 700 -p "$XDG_RUNTIME_DIR"
  }

  # As the menu would start it: the desktop entry's Exec, looked up on PATH.
  use_home launch
  exec_line=$(sed -n 's/^Exec=//p' "$ENTRY")
  wmclass=$(sed -n 's/^StartupWMClass=//p' "$ENTRY")
  bin=$(command -v "${exec_line%% *}") || fail "Exec=$exec_line is not on PATH"
  [ "$bin" = "$APP" ] || fail "Exec=$exec_line resolves to $bin, not $APP"
  echo "package-test: starting $exec_line (HOME=$HOME, display $DISPLAY)"
  $exec_line >"$out/app.log" 2>&1 &
  app_pid=$!
  win=""
  for _ in $(seq 1 60); do
    kill -0 "$app_pid" 2>/dev/null || { cat "$out/app.log" >&2; fail "the app exited early"; }
    win=$(xdotool search --onlyvisible --name '^Latchkey$' 2>/dev/null | head -n1) || true
    [ -n "$win" ] && break
    sleep 0.5
  done
  [ -n "$win" ] || { cat "$out/app.log" >&2; fail "no visible window named Latchkey within 30 s"; }
  echo "package-test: window $win \"$(xdotool getwindowname "$win")\" is up"
  if [ -n "$wmclass" ]; then
    xdotool search --classname "^${wmclass}\$" 2>/dev/null | grep -qx "$win" ||
      fail "the window's WM_CLASS is not StartupWMClass=$wmclass ($(xprop -id "$win" WM_CLASS 2>&1))"
    echo "package-test: its WM_CLASS matches StartupWMClass=$wmclass"
  fi
  sleep 5
  kill -0 "$app_pid" 2>/dev/null || { cat "$out/app.log" >&2; fail "the app exited within 5 s of showing its window"; }
  import -window root "$out/window.png" 2>/dev/null || true
  echo "package-test: still running 5 s later (screenshot: $out/window.png)"
  kill "$app_pid"
  wait "$app_pid" 2>/dev/null || true
  app_pid=""

  # Driven through tauri-driver (its own ports: an e2e run may hold 4444/4445).
  use_home webdriver
  LATCHKEY_APP="$APP" PACKAGE_SHOT="$out/setup-screen.png" \
    E2E_DRIVER_PORT="${PACKAGE_DRIVER_PORT:-4544}" E2E_NATIVE_PORT="${PACKAGE_NATIVE_PORT:-4545}" \
    node "$repo/scripts/package-window-check.mjs"
  exit 0
fi

# ---------------------------------------------------------------------------------------
# Stage 1: build, inspect, install, run, remove.
# ---------------------------------------------------------------------------------------
start=$SECONDS
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || fail "run as root (apt-get install/remove)"
  SUDO=(sudo)
fi
for tool in dpkg-deb apt-get desktop-file-validate xvfb-run xdotool dbus-run-session import tauri-driver WebKitWebDriver node; do
  command -v "$tool" >/dev/null || fail "$tool missing; run make deps"
done
[ -d "$repo/tests/e2e/node_modules" ] || fail "tests/e2e/node_modules missing; run make e2e-deps"

# Leave the machine as we found it: never touch a latchkey that is already installed.
if dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null | grep -qv '^not-installed$'; then
  fail "a $PKG package is already installed ($(dpkg-query -W -f='${Version} ${db:Status-Abbrev}' "$PKG")); remove it first"
fi
for f in "$APP" "$CLI" "$ENTRY"; do
  [ ! -e "$f" ] || fail "$f already exists (not from the $PKG package); the test would overwrite it"
done

out="$repo/target/package-test"
rm -rf "$out" && mkdir -p "$out"
work=$(mktemp -d -t latchkey-package-test.XXXXXX)
installed=0
pulled_in=()
cleanup() {
  local status=$?
  set +e
  if [ "$installed" = 1 ] || dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null | grep -qv '^not-installed$'; then
    echo "package-test: cleanup: removing $PKG"
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get purge -y "$PKG" >/dev/null 2>&1 ||
      "${SUDO[@]}" dpkg --purge "$PKG" >/dev/null 2>&1
  fi
  if [ "${#pulled_in[@]}" -gt 0 ]; then
    echo "package-test: cleanup: removing what apt pulled in for it: ${pulled_in[*]}"
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get remove -y "${pulled_in[@]}" >/dev/null 2>&1
  fi
  rm -rf "$work"
  if [ "$status" -eq 0 ]; then
    echo "package-test: passed in $((SECONDS - start)) s"
  else
    echo "package-test: FAILED (exit $status) after $((SECONDS - start)) s; logs in $out" >&2
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# 1. The package.
version=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$repo/src-tauri/tauri.conf.json")
deb="${CARGO_TARGET_DIR:-$repo/target}/release/bundle/deb/Latchkey_${version}_amd64.deb"
if [ "${SKIP_BUILD:-}" = 1 ] && [ -f "$deb" ]; then
  step "reusing $deb (SKIP_BUILD=1)"
else
  step "building the package (scripts/package.sh)"
  bash "$repo/scripts/package.sh"
fi
[ -f "$deb" ] || fail "$deb not found"

# 2. What is in it.
step "dpkg-deb -I"
dpkg-deb -I "$deb" | tee "$out/info.txt"
[ "$(dpkg-deb -f "$deb" Package)" = "$PKG" ] || fail "Package is not $PKG"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version is not $version"
depends=$(dpkg-deb -f "$deb" Depends)
for dep in "${DEPENDS[@]}"; do
  tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ *$//' | grep -qx "$dep" || fail "Depends ($depends) lacks $dep"
done
[ -z "$(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ *$//' | sort | uniq -d)" ] || fail "Depends repeats an entry: $depends"

step "dpkg-deb -c"
dpkg-deb -c "$deb" | tee "$out/contents.txt"
# dpkg-deb -c: mode owner size date time path (path as "usr/bin/x" or "./usr/bin/x").
paths() { awk '{p = $6; sub(/^\.?\/?/, "/", p); print $1, $2, p}' "$out/contents.txt"; }
listed() { paths | awk -v p="$1" '$3 == p {found = 1} END {exit !found}'; }
mode_of() { paths | awk -v p="$1" '$3 == p {print $1}'; }
for f in "$APP" "$CLI"; do
  listed "$f" || fail "$f is not in the package"
  [ "$(mode_of "$f")" = "-rwxr-xr-x" ] || fail "$f has mode $(mode_of "$f"), not -rwxr-xr-x"
done
listed "$ENTRY" || fail "the desktop entry $ENTRY is not in the package"
for icon in "${ICONS[@]}"; do listed "$icon" || fail "icon $icon is not in the package"; done
[ -z "$(paths | awk '$2 != "root/root" && $2 != "0/0"')" ] || fail "files not owned by root in the package"

# 3. The desktop entry, as packaged.
step "desktop-file-validate"
dpkg-deb -x "$deb" "$work/root"
cp "$work/root$ENTRY" "$out/"
cat "$work/root$ENTRY"
# Errors make it exit non-zero; warnings do not, so they fail here too. Hints pass: the
# one it gives is that Security could also be filed under Settings or System.
remarks=$(desktop-file-validate "$work/root$ENTRY" 2>&1) || { echo "$remarks" >&2; fail "desktop-file-validate rejects $ENTRY"; }
[ -z "$remarks" ] || echo "$remarks"
! grep -Eq ': (error|warning): ' <<<"$remarks" || fail "desktop-file-validate warns about $ENTRY"
grep -qx 'Categories=Utility;Security;' "$work/root$ENTRY" || fail "Categories is not Utility;Security;"
grep -qx 'Icon=latchkey-desktop' "$work/root$ENTRY" || fail "Icon is not latchkey-desktop"
grep -q '^Comment=.' "$work/root$ENTRY" || fail "no Comment"
grep -qx 'Exec=latchkey-desktop' "$work/root$ENTRY" || fail "Exec is not latchkey-desktop"

# 4. Install it, as a person would.
step "apt-get install -y $deb"
while read -r extra; do pulled_in+=("$extra"); done < <(
  "${SUDO[@]}" apt-get install -s "$deb" 2>/dev/null | awk '/^Inst /{print $2}' | grep -vx "$PKG" || true)
[ "${#pulled_in[@]}" -eq 0 ] || echo "package-test: apt will also install: ${pulled_in[*]}"
installed=1
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y "$deb"
[ "$(dpkg-query -W -f='${db:Status-Status}' "$PKG")" = installed ] || fail "$PKG is not installed after apt-get install"
for f in "$APP" "$CLI" "$ENTRY" "${ICONS[@]}"; do
  [ -e "$f" ] || fail "$f missing after install"
  [ "$(dpkg-query -S "$f" 2>/dev/null | cut -d: -f1)" = "$PKG" ] || fail "$f is not owned by $PKG"
done

step "latchkey --version (from PATH)"
(
  cd "$work" # not the repo: no target/ on the way
  [ "$(command -v latchkey)" = "$CLI" ] || fail "latchkey on PATH is $(command -v latchkey), not $CLI"
  [ "$(command -v latchkey-desktop)" = "$APP" ] || fail "latchkey-desktop on PATH is $(command -v latchkey-desktop), not $APP"
  v=$(latchkey --version) || fail "latchkey --version failed"
  echo "$v"
  grep -q "$version" <<<"$v" || fail "latchkey --version does not say $version"
)

# 5. The installed app in a window.
step "the installed app under Xvfb"
timeout 300 xvfb-run -a -s "-screen 0 1280x1024x24" \
  dbus-run-session -- bash "$repo/scripts/package-test.sh" --in-display "$work" "$out" ||
  fail "the installed app did not come up (logs and screenshots in $out)"

# 6. Remove it; nothing of it may remain.
step "apt-get remove -y $PKG"
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get remove -y "$PKG"
installed=0
status=$(dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null || echo not-installed)
[ "$status" = not-installed ] || [ "$status" = config-files ] || fail "$PKG status after remove: $status"
for f in "$APP" "$CLI" "$ENTRY" "${ICONS[@]}"; do [ ! -e "$f" ] || fail "$f is still there after remove"; done
hash -r
! command -v latchkey >/dev/null || fail "latchkey still on PATH after remove ($(command -v latchkey))"
! command -v latchkey-desktop >/dev/null || fail "latchkey-desktop still on PATH after remove"
echo "package-test: removed; no binary, desktop entry or icon left"
