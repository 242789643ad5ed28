"""The kiosk's operations side as the composition root wires it: metrics and the systemd link.

Built by ``build_kiosk`` before the session chart (the chart reports to the metrics), started
with the kiosk and stopped first when it stops. GUI thread only.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt

from kiosk import __version__
from kiosk.config import Config
from kiosk.flows.runtime import Executor
from kiosk.ops.metrics import KioskMetrics, MetricsServer, observe_services
from kiosk.ops.watchdog import SystemdLink
from kiosk.services import Services
from kiosk.ui.main_window import MainWindow

log = logging.getLogger(__name__)


class Operations:
    """Metrics (always counted; served on ``metrics.port`` when enabled and the kiosk has its
    services) and the systemd link (READY=1 after the first frame, the watchdog, STOPPING=1)."""

    def __init__(self, config: Config, services: Services | None) -> None:
        self.metrics = KioskMetrics(config.kiosk.id, __version__, [str(s) for s in config.kiosk.services])
        if services is not None:
            observe_services(self.metrics, services)
        section = config.metrics
        serve = section.enabled and services is not None
        self.server = MetricsServer(self.metrics.registry, section.bind, section.port) if serve else None
        self.systemd = SystemdLink.from_environment()
        self._executor: Executor | None = None

    def start(self, window: MainWindow, executor: Executor) -> None:
        self._executor = executor
        window.first_frame_painted.connect(self._first_frame, Qt.ConnectionType.SingleShotConnection)

    def _first_frame(self) -> None:
        self.systemd.ready()
        if self.server is not None and self._executor is not None:
            # Binding may look up the host name: off the GUI thread. stop() stops it whenever it ran.
            self._executor.run_in_background(self.server.start, lambda _port: None, self._server_failed)

    @staticmethod
    def _server_failed(error: BaseException) -> None:
        log.error("metrics endpoint failed to start: %s", error, exc_info=error)

    def stop(self) -> None:
        """First in the kiosk's shutdown: systemd learns it is stopping, scrapes end. Safe twice."""
        self.systemd.stopping()
        self.systemd.close()
        if self.server is not None:
            self.server.stop()
