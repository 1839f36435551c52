#!/usr/bin/env bash
# Install what a fresh Debian 12 machine lacks to build, run and test Latchkey
# desktop app (Tauri 2 on WebKitGTK 4.1). Idempotent: apt is skipped entirely
# when every package is already installed, and tauri-driver is only built when
# it is not on PATH. Runs as root, or through sudo when available.
set -euo pipefail

BUILD_PKGS=(
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libsoup-3.0-dev libssl-dev libxdo-dev build-essential pkg-config
)
TEST_PKGS=(
  webkit2gtk-driver xvfb xauth dbus xclip imagemagick oathtool
  jq curl python3 python3-venv
  # The R and Java examples of docs/api-clients.md are run by the tests (`java File.java`
  # needs the jdk.compiler module, which Debian's headless JRE carries).
  r-base-core r-cran-jsonlite default-jre-headless
  # The PostgreSQL store's tests start a throwaway cluster of their own (initdb, pg_ctl);
  # the system's own cluster is never touched.
  postgresql
  # The package test (scripts/package-test.sh): checks the .deb's desktop entry and
  # finds the installed app's window.
  desktop-file-utils xdotool
  # The end-to-end close button (tests/e2e/wm-close.py): Xvfb has no window manager.
  python3-xlib
)

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    echo "deps: not root and no sudo; cannot install packages" >&2
    exit 1
  fi
fi

missing=()
for pkg in "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  if [ "$status" != "installed" ]; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "deps: Debian packages already installed"
fi

# cargo's bin dir is not always on PATH in non-login shells.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# The Rust toolchain and Node.js are not Debian packages this script installs (the
# project needs newer ones than Debian 12 has): say what is missing, plainly.
absent=()
command -v cargo >/dev/null 2>&1 || absent+=("cargo (the Rust toolchain, 1.80 or later, as rustup installs it)")
command -v node >/dev/null 2>&1 || absent+=("node (Node.js 20.19 or later)")
command -v npm >/dev/null 2>&1 || absent+=("npm (comes with Node.js)")
if [ "${#absent[@]}" -gt 0 ]; then
  echo "deps: missing, and not installed by this script:" >&2
  printf 'deps:   %s\n' "${absent[@]}" >&2
  echo "deps: install them, make sure they are on PATH, and run this again" >&2
  exit 1
fi
if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "deps: cargo install tauri-driver 2.1.0"
  cargo install tauri-driver --version 2.1.0 --locked
else
  echo "deps: tauri-driver present ($(command -v tauri-driver))"
fi
