#!/usr/bin/env bash
# Install everything qa_audit needs on a fresh Debian/Ubuntu machine into ./.venv:
# the system libraries Qt and the PDF tests use (when run as root with apt), then the
# package with its test and dev tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(libegl1 libgl1 libfontconfig1 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xkb1
  libxcb-shape0 libxcb-randr0 libxcb-xinerama0 poppler-utils xvfb x11-apps
  postgresql  # the team store's tests start their own throwaway PostgreSQL cluster
  # tools/atspi_check.py: the screens as a screen reader reads them (AT-SPI over D-Bus,
  # read with Debian's python3 and pyatspi; Tab pressed with xdotool)
  at-spi2-core dbus-daemon python3-pyatspi xdotool)
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  missing=()
  for p in "${apt_packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
echo "setup: ready (.venv)"
