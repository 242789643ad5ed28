#!/usr/bin/env bash
# Set up everything the kiosk needs on a Debian 12 machine: system packages (apt, as root),
# a virtualenv in .venv and the package installed editable with its dev tools.
# Idempotent: a second run checks and returns in about a second.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

# Everything Qt's xcb/offscreen platforms, Chinese text, speech (espeak-ng, and aplay from
# alsa-utils or paplay from pulseaudio-utils to play it; PortAudio for the microphone), A4
# printing (CUPS client) and the real-window tests need on a fresh Debian 12; python3-venv
# because Debian splits venv out. Every program the code runs comes from a package here
# (fontconfig: fc-match/fc-list find the CJK font; procps: kill, ps; systemd: systemd-analyze
# checks the unit), which tests/test_external_programs.py checks: a minbase system has none of them.
# Test-only: openbox + xdotool + x11-utils (a real window manager's Alt+F4 / Alt+Tab against the
# kiosk window under Xvfb).
APT_PACKAGES=(
  python3 python3-venv
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-xinerama0 libxcb-shape0 libxcb-randr0 libxcb-xfixes0 libpulse0
  fonts-noto-cjk fontconfig espeak-ng alsa-utils pulseaudio-utils libportaudio2 xvfb xauth cups-client
  procps systemd openbox xdotool x11-utils
)

missing_apt() {
  local pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      printf '%s ' "$pkg"
    fi
  done
}

if command -v dpkg-query >/dev/null 2>&1; then
  missing=$(missing_apt)
  if [ -n "$missing" ]; then
    if [ "$(id -u)" -eq 0 ]; then
      echo "bootstrap: installing system packages: $missing"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      # shellcheck disable=SC2086
      apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
      echo "bootstrap: these system packages are missing; install them as root with:" >&2
      echo "  sudo apt-get install -y --no-install-recommends $missing" >&2
      exit 1
    fi
  fi
else
  echo "bootstrap: not a Debian system; make sure the Qt/xcb libraries, a CJK font and espeak-ng are installed" >&2
fi

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "bootstrap: $PYTHON must be Python 3.11 or newer (found: $("$PYTHON" --version 2>&1 || echo none))" >&2
  exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "bootstrap: creating virtualenv $VENV"
  "$PYTHON" -m venv "$VENV"
fi

# Reinstall only when the project's metadata changed since the last successful install.
stamp="$VENV/.kiosk-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "bootstrap: installing the kiosk and its dependencies into $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[dev]'
  touch "$stamp"
fi

# promtool (the alert-rule tests) from Debian's prometheus package: only that one binary, into the
# virtualenv, so no Prometheus server gets installed and started on a developer's machine.
if [ ! -x "$VENV/bin/promtool" ] && command -v apt-get >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download -qq prometheus 2>/dev/null); then
    [ "$(id -u)" -eq 0 ] && apt-get update -qq
    (cd "$tmp" && apt-get download -qq prometheus)
  fi
  dpkg-deb --fsys-tarfile "$tmp"/prometheus_*.deb | tar -x -C "$tmp" ./usr/bin/promtool
  install -m 755 "$tmp/usr/bin/promtool" "$VENV/bin/promtool"
  rm -rf "$tmp"
  echo "bootstrap: installed promtool into $VENV/bin"
fi
