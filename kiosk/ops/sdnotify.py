"""The sd_notify(3) protocol, spoken directly: one datagram per message to ``$NOTIFY_SOCKET``.

systemd passes a service of ``Type=notify`` the path of a unix datagram socket in
``NOTIFY_SOCKET`` (a leading ``@`` means the abstract namespace) and, with ``WatchdogSec=``,
the interval in ``WATCHDOG_USEC`` and the process it is meant for in ``WATCHDOG_PID``. Each
message is newline-separated ``KEY=value`` lines: ``READY=1``, ``STOPPING=1``, ``WATCHDOG=1``,
``STATUS=…``. Outside systemd (no ``NOTIFY_SOCKET``) every call does nothing.

Under ``cage`` the kiosk is the compositor's child, not the unit's main process: systemd set
``WATCHDOG_PID`` to cage's pid, and the unit needs ``NotifyAccess=all`` so that messages from the
kiosk count. :func:`watchdog_interval` therefore accepts a ``WATCHDOG_PID`` of this process or
of its parent (see systemd/hospital-kiosk.service).

Any thread may call :class:`SystemdNotifier`; a send never blocks and never raises.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import threading
from collections.abc import Mapping, MutableMapping

log = logging.getLogger(__name__)

NOTIFY_VARIABLES = ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")


def watchdog_interval(environ: Mapping[str, str], pid: int | None = None, ppid: int | None = None) -> float | None:
    """systemd's watchdog timeout in seconds, or None when no watchdog is meant for this process."""
    text = environ.get("WATCHDOG_USEC", "")
    if not text.isdigit() or int(text) == 0:
        return None
    owner = environ.get("WATCHDOG_PID", "")
    if owner:
        if not owner.isdigit():
            return None
        mine = os.getpid() if pid is None else pid
        parent = os.getppid() if ppid is None else ppid
        if int(owner) not in (mine, parent):
            return None  # a grandchild (a helper we started) must not feed it
    return int(text) / 1_000_000


def from_environment(environ: MutableMapping[str, str] | None = None) -> tuple[SystemdNotifier, float | None]:
    """The notifier for ``$NOTIFY_SOCKET`` and the watchdog timeout meant for this process.

    The variables are then removed from the environment, as sd_notify's ``unset_environment``
    does, so that programs the kiosk starts cannot speak for it.
    """
    env = os.environ if environ is None else environ
    interval = watchdog_interval(env)
    notifier = SystemdNotifier(env.get("NOTIFY_SOCKET"))
    for name in NOTIFY_VARIABLES:
        env.pop(name, None)
    return notifier, interval


class SystemdNotifier:
    """Sends notifications to the service manager; does nothing when there is none."""

    def __init__(self, address: str | None) -> None:
        self._address: str | bytes | None = None
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._warned = False
        if not address:
            return
        if address.startswith("@"):
            self._address = b"\0" + address[1:].encode()  # Linux abstract namespace
        elif address.startswith("/"):
            self._address = address
        else:
            log.warning("NOTIFY_SOCKET is neither a path nor an abstract name; not notifying systemd")
            return
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        sock.setblocking(False)
        self._socket = sock

    @property
    def enabled(self) -> bool:
        return self._socket is not None

    def notify(self, *lines: str) -> bool:
        """Sends ``KEY=value`` lines as one message; True when it was sent."""
        if not lines:
            return False
        message = "\n".join(line.replace("\n", " ") for line in lines).encode("utf-8")
        with self._lock:
            sock = self._socket
            if sock is None or self._address is None:
                return False
            try:
                sock.sendto(message, self._address)
            except OSError as exc:
                if not self._warned:  # the manager restarted, or a full queue: say it once
                    self._warned = True
                    reason = errno.errorcode.get(exc.errno or 0, str(exc))
                    log.warning("cannot notify systemd (%s); later failures are not logged", reason)
                return False
        return True

    def ready(self, status: str = "") -> bool:
        return self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def stopping(self, status: str = "") -> bool:
        return self.notify("STOPPING=1", *([f"STATUS={status}"] if status else []))

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={text}")

    def close(self) -> None:
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None
