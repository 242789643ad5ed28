#!/usr/bin/env bash
# Run the README's two commands the way a new user would: on a fresh Debian 12 (bookworm) minbase
# system, made with debootstrap in a folder and entered with chroot, from a fresh `git clone` of
# this repository (its committed HEAD, or --rev). Then report how each ended.
#
#   sudo scripts/fresh-check.sh [--dir DIR] [--rev REV] [--no-demo] [--keep]
#
#   --dir DIR   where the system is made (default /var/tmp/fresh-check; emptied first)
#   --rev REV   the commit to clone (default HEAD)
#   --no-demo   run only `./dev test`
#   --keep      leave the system in DIR afterwards (it is removed otherwise; logs stay in DIR)
#
# It needs root (debootstrap, chroot, mounts, unshare), util-linux and iproute2 (ip) on the host,
# and installs debootstrap when it is missing. The two commands run with loopback networking only
# (the host's listening ports would otherwise answer the tests). Logs:
# DIR/test.log and DIR/demo.log. Exit 0 only when `./dev test` and `./dev demo` both exit 0 and the
# demo wrote its tour. Takes a while: debootstrap, about 1 GB of packages and wheels, the suite.
# The host's own certificate authorities (/usr/local/share/ca-certificates, e.g. a proxy's) are
# handed to pip inside, and nothing else of the host is.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
DIR=/var/tmp/fresh-check
REV=HEAD
DEMO=1
KEEP=0
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}

while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR=$2; shift ;;
    --rev) REV=$2; shift ;;
    --no-demo) DEMO=0 ;;
    --keep) KEEP=1 ;;
    -h | --help) sed -n '2,/^set -e/p' "$0" | grep '^#'; exit 0 ;;
    *) echo "fresh-check: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [ "$(id -u)" -ne 0 ]; then
  echo "fresh-check: run as root (debootstrap, chroot and mounts need it)" >&2
  exit 2
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  echo "fresh-check: installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

ROOT=$DIR/root
CACHE=$DIR-cache  # downloaded .debs only: the system itself is made anew every time
MOUNTS=(proc sys dev dev/pts dev/shm)

unmount_all() {
  local i
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    if mountpoint -q "$ROOT/${MOUNTS[$i]}" 2>/dev/null; then
      umount "$ROOT/${MOUNTS[$i]}" 2>/dev/null || umount -l "$ROOT/${MOUNTS[$i]}"
    fi
  done
}
cleanup() {
  unmount_all
  if [ "$KEEP" -eq 0 ] && [ -d "$ROOT" ]; then
    rm -rf --one-file-system "$ROOT"
  fi
}
trap cleanup EXIT

unmount_all # a run that was killed may have left its mounts
rm -rf --one-file-system "$ROOT"
mkdir -p "$ROOT" "$CACHE"
rm -f "$DIR/test.log" "$DIR/demo.log"

started=$(date +%s)
echo "fresh-check: debootstrap bookworm minbase into $ROOT"
debootstrap --variant=minbase --cache-dir="$CACHE" bookworm "$ROOT" "$MIRROR" >"$DIR/debootstrap.log" 2>&1 || {
  tail -20 "$DIR/debootstrap.log" >&2
  exit 1
}
cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY_MIRROR bookworm-security main
EOF
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"

# The host's certificate authorities, only when it has local ones (pip must reach PyPI through
# the same network the host uses).
ca_env=()
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/fresh-check-host-ca.pem"
  ca_env=(PIP_CERT=/etc/fresh-check-host-ca.pem)
fi

echo "fresh-check: cloning $(git -C "$SRC" rev-parse --short "$REV") ($(git -C "$SRC" log -1 --format=%s "$REV" | cut -c1-60))"
git clone --quiet --no-local "$SRC" "$ROOT/root/hospital-kiosk"
git -C "$ROOT/root/hospital-kiosk" checkout --quiet --detach "$(git -C "$SRC" rev-parse "$REV")"

mount -t proc proc "$ROOT/proc"
mount -t sysfs sysfs "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$ROOT/dev/shm"

# A clean environment, as a root login on a fresh machine has: no display, no host variables.
in_chroot() {
  chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${ca_env[@]}" \
    /bin/bash -c "cd /root/hospital-kiosk && $1"
}
# The same, in a network namespace of its own with only loopback: the host's listeners (a demo
# kiosk's metrics on 127.0.0.1:9471, another test run's servers) are not there, as on a fresh
# machine. The system's bootstrap (apt, pip) has run by then with the network.
in_chroot_offline() {
  unshare --net -- /bin/sh -c 'ip link set lo up && exec "$@"' sh \
    chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/bash -c "cd /root/hospital-kiosk && $1"
}

echo "fresh-check: ./dev test (log: $DIR/test.log)"
set +e
# The bootstrap first with the network (./dev test runs it again: then a one-second check).
in_chroot "bash scripts/bootstrap.sh" >"$DIR/test.log" 2>&1 && in_chroot_offline "./dev test" >>"$DIR/test.log" 2>&1
test_rc=$?
set -e
test_summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed)|(passed|failed|error).* in [0-9.]+s' "$DIR/test.log" | tail -1)
[ -n "$test_summary" ] || test_summary=$(tail -1 "$DIR/test.log")

demo_rc=-
demo_summary="not run"
if [ "$DEMO" -eq 1 ]; then
  echo "fresh-check: ./dev demo without a display (log: $DIR/demo.log)"
  set +e
  in_chroot_offline "timeout 1800 ./dev demo" >"$DIR/demo.log" 2>&1
  demo_rc=$?
  set -e
  shots=$(find "$ROOT/root/hospital-kiosk/demo-tour" -name '*.png' 2>/dev/null | wc -l)
  if [ "$demo_rc" -eq 0 ] && { [ ! -f "$ROOT/root/hospital-kiosk/demo-tour/index.html" ] || [ "$shots" -eq 0 ]; }; then
    demo_rc=1
    demo_summary="exited 0 but wrote no tour ($shots screenshots)"
  else
    demo_summary="$shots screenshots, $(tail -1 "$DIR/demo.log")"
  fi
fi

minutes=$((($(date +%s) - started) / 60))
echo "fresh-check: Debian $(cat "$ROOT/etc/debian_version") minbase, $minutes min"
echo "fresh-check: ./dev test exit $test_rc: $test_summary"
echo "fresh-check: ./dev demo exit $demo_rc: $demo_summary"
if [ "$test_rc" -eq 0 ] && { [ "$DEMO" -eq 0 ] || [ "$demo_rc" -eq 0 ]; }; then
  echo "fresh-check: PASS"
  exit 0
fi
echo "fresh-check: FAIL (logs in $DIR)"
exit 1
