#!/usr/bin/env bash
# Install (or upgrade) the kiosk on a Debian 12 machine, as root, from this checkout:
#   - the Debian packages it runs on (cage, Qt's Wayland libraries, a CJK font, espeak-ng, CUPS client)
#   - the system user "kiosk" (groups dialout and lp: serial devices and USB printers)
#   - the app in /opt/hospital-kiosk with its virtualenv (.venv)
#   - /etc/hospital-kiosk/config.yaml, root:kiosk 0640 (the demo configuration the first time;
#     never overwritten afterwards)
#   - the systemd unit and its PAM service; the unit enabled (started at boot on tty1)
# Idempotent: run it again after `git pull` to upgrade; a running kiosk is restarted.
# Options: --no-apt (packages already installed), --start (start the kiosk now).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
APP=${APP:-/opt/hospital-kiosk}
CONF_DIR=/etc/hospital-kiosk
STATE_DIR=/var/lib/hospital-kiosk
USER_NAME=kiosk
# Debian's Python: the service user must be able to run it (not a pyenv build under /root).
PYTHON=${PYTHON:-/usr/bin/python3}
UNIT=hospital-kiosk.service
APT=1
START=0

for arg in "$@"; do
  case "$arg" in
    --no-apt) APT=0 ;;
    --start) START=1 ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "install: run as root (sudo $0)" >&2
  exit 1
fi

# What the kiosk needs at run time (scripts/bootstrap.sh adds the development tools); fontconfig
# is fc-match/fc-list (the receipt's raster text and the A4 PDF find the CJK font with it),
# procps and pulseaudio-utils (paplay) are programs the kiosk runs too.
APT_PACKAGES=(
  python3 python3-venv cage
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0
  libwayland-client0 libwayland-cursor0 libwayland-egl1
  libpulse0 fonts-noto-cjk fontconfig espeak-ng alsa-utils pulseaudio-utils libportaudio2 cups-client
  procps
)
if [ "$APT" -eq 1 ]; then
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "install: apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# The service user: no password, no shell; its home is the state directory.
if ! id -u "$USER_NAME" >/dev/null 2>&1; then
  echo "install: creating user $USER_NAME"
  useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
fi
usermod -a -G dialout,lp "$USER_NAME"

# The app: the checkout's files (not its virtualenv, git data or demo state).
echo "install: copying the app to $APP"
mkdir -p "$APP"
if [ "$SRC" != "$APP" ]; then
  rm -rf "$APP/kiosk" "$APP/resources"  # modules removed upstream must not linger
  tar -C "$SRC" --exclude=./.venv --exclude=./.git --exclude=./var --exclude=./demo-tour \
    --exclude='*.pyc' --exclude=__pycache__ -cf - . | tar -C "$APP" -xf -
fi
chown -R root:root "$APP"
chmod -R go-w "$APP"

# Editable install: the kiosk finds its translations and theme in $APP/resources. A virtualenv
# made from another Python is made again.
if ! grep -qx "home = $(dirname "$PYTHON")" "$APP/.venv/pyvenv.cfg" 2>/dev/null; then
  rm -rf "$APP/.venv"
  "$PYTHON" -m venv "$APP/.venv"
fi
"$APP/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$APP"
# The service cannot write to /opt (ProtectSystem=strict): compile the bytecode now.
"$APP/.venv/bin/python" -m compileall -q "$APP/kiosk" >/dev/null

# The configuration: readable by the service user only (secrets live beside it, same rule).
install -d -m 0750 -o root -g "$USER_NAME" "$CONF_DIR"
if [ ! -e "$CONF_DIR/config.yaml" ]; then
  echo "install: $CONF_DIR/config.yaml is the DEMO configuration: edit it (README, Configuring a real kiosk)"
  sed -e "s|^journal_path: .*|journal_path: $STATE_DIR/journal.sqlite|" \
    -e "s|file:///tmp/hospital-kiosk/reports|file://$STATE_DIR/reports|" \
    "$SRC/config.yaml" >"$CONF_DIR/config.yaml"
fi
chown root:"$USER_NAME" "$CONF_DIR/config.yaml"
chmod 0640 "$CONF_DIR/config.yaml"

# The unit and its PAM service (a logind session on tty1 for cage).
install -m 0644 "$SRC/systemd/$UNIT" /etc/systemd/system/$UNIT
install -m 0644 "$SRC/systemd/pam.d/hospital-kiosk" /etc/pam.d/hospital-kiosk
install -d -m 0750 -o "$USER_NAME" -g "$USER_NAME" "$STATE_DIR"
# Before (re)starting: a running kiosk answers for its devices through its metrics; a stopped
# one's ports are free for doctor to open.
echo "install: checking the set-up as $USER_NAME:"
runuser -u "$USER_NAME" -- "$APP/.venv/bin/kiosk" doctor --config "$CONF_DIR/config.yaml" || true
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl disable --quiet getty@tty1.service 2>/dev/null || true  # tty1 is the kiosk's
  systemctl enable --quiet "$UNIT"
  if systemctl is-active --quiet "$UNIT"; then
    echo "install: restarting the running kiosk"
    systemctl restart "$UNIT"
  elif [ "$START" -eq 1 ]; then
    systemctl start "$UNIT"
  fi
else
  echo "install: systemd is not running here; enable $UNIT on the kiosk itself" >&2
fi

echo "install: done. Start now: systemctl start $UNIT (or reboot); logs: journalctl -u $UNIT -f"
