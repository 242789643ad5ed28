"""systemd's side of the kiosk: READY=1 after the first frame, WATCHDOG=1 from the Qt event loop.

The watchdog ping is a QTimer on the GUI thread at half of ``WatchdogSec``: when the event loop
is blocked (a slot that never returns, a deadlock), the timer cannot fire, the pings stop and
systemd kills and restarts the kiosk. A frozen screen is restarted, not only a dead process.
Outside systemd nothing is sent. GUI thread only.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, QTimer

from kiosk.ops.sdnotify import SystemdNotifier, from_environment

log = logging.getLogger(__name__)


class SystemdLink(QObject):
    """Notifies systemd of start-up and shutdown and feeds its watchdog. GUI thread only."""

    def __init__(self, notifier: SystemdNotifier, watchdog_s: float | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._notifier = notifier
        # sd_watchdog_enabled(3): ping at half the timeout, so one late ping is not fatal.
        self.ping_interval_s = watchdog_s / 2 if watchdog_s else None
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._ping)
        self._ready = False

    @classmethod
    def from_environment(cls, parent: QObject | None = None) -> SystemdLink:
        notifier, watchdog_s = from_environment()
        return cls(notifier, watchdog_s, parent)

    @property
    def enabled(self) -> bool:
        return self._notifier.enabled

    def ready(self, status: str = "serving patients") -> None:
        """The kiosk shows its home screen: start-up is complete, the watchdog runs from now."""
        if self._ready:
            return
        self._ready = True
        if not self._notifier.enabled:
            return
        self._notifier.ready(status)
        if self.ping_interval_s is not None:
            self._timer.start(max(1, round(self.ping_interval_s * 1000)))
            self._ping()
            log.info("systemd watchdog fed every %.1f s from the event loop", self.ping_interval_s)
        else:
            log.info("systemd notified: ready (no watchdog configured)")

    def stopping(self) -> None:
        """Shutdown has begun: no more pings, so a hung shutdown is not mistaken for life."""
        self._timer.stop()
        if self._notifier.enabled:
            self._notifier.stopping("stopping")

    def close(self) -> None:
        self._timer.stop()
        self._notifier.close()

    def _ping(self) -> None:
        self._notifier.watchdog()
