"""The kiosk's services (HIS gateway, devices) built from the configuration, started and stopped
in order. Part of the composition root; no Qt, so ``kiosk doctor`` and tests build them too.

Built and stopped on the main thread; ``start`` may run on a worker thread (the app starts the
services after the first frame, so seeding the demo HIS never delays the home screen). The HIS
gateway is called from worker threads only; devices run on their own threads and report
through ``post``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kiosk.config import Config, HisSection
from kiosk.devices.manager import DeviceManager
from kiosk.devices.simulators.demo import DemoPanel, build_demo_hub
from kiosk.devices.simulators.hub import SimulatorHub
from kiosk.his.gateway import HisGateway
from kiosk.journal import Journal, JournalPrintJobStore

if TYPE_CHECKING:
    from kiosk.his.fhir import RequestObserver
    from kiosk.his.simulator import HisSimulator
    from kiosk.payments.service import PaymentsService

# The FHIR client (requests) and the HIS simulator are imported where they are built: in demo
# mode that is start(), on a worker after the first frame, which keeps ~0.3 s off start-up.

log = logging.getLogger(__name__)


@dataclass
class Services:
    config: Config
    journal: Journal
    devices: DeviceManager
    # None until start() in simulator mode: the embedded HIS is seeded there.
    his: HisGateway | None = None
    his_simulator: HisSimulator | None = None
    sim_hub: SimulatorHub | None = None
    # Built in start(), once the HIS is reachable; its start runs payment recovery.
    payments: PaymentsService | None = None
    # Told about every HIS request (the metrics); set before start().
    his_observer: RequestObserver | None = None
    _started: bool = field(default=False, repr=False)

    @property
    def his_settings(self) -> HisSection:
        return self.config.his

    @property
    def demo_panel(self) -> DemoPanel | None:
        """The injector the demo's device panel drives; None with real devices."""
        return DemoPanel(self.sim_hub) if self.sim_hub is not None else None

    def start(self) -> None:
        if self._started:
            return
        if self.his is None:
            from kiosk.his.fhir import FhirHisGateway  # noqa: PLC0415
            from kiosk.his.simulator import HisSimulator  # noqa: PLC0415

            log.warning("HIS mode 'simulator': fictitious patients only, never for a real kiosk")
            self.his_simulator = HisSimulator(settings=self.his_settings)
            self.his = FhirHisGateway(self.his_settings, base_url=self.his_simulator.start())
        if self.his_observer is not None:
            from kiosk.his.fhir import FhirHisGateway  # noqa: PLC0415 - loaded already in both modes

            if isinstance(self.his, FhirHisGateway):
                self.his.observer = self.his_observer
        # Receipts that were printing when the power went are queued for reprint first.
        JournalPrintJobStore(self.journal).recover_interrupted()
        self.devices.start()
        self._started = True
        if self.config.payments.providers:
            from kiosk.payments.build import build_payments  # noqa: PLC0415 - qrcode, sandbox: not at start-up

            self.payments = build_payments(self.config, self.his, self.devices, self.journal)
            report = self.payments.start()  # recovery: every unfinished payment settled or refunded
            log.info("payments ready: %s", report)

    def stop(self) -> None:
        """Stops in reverse order of starting; safe to call twice, and after a failed start."""
        if self.payments is not None:
            self.payments.stop()
            self.payments = None
        if self._started:
            self.devices.stop()
            self._started = False
        if self.his is not None:
            self.his.close()
            self.his = None
        if self.his_simulator is not None:
            self.his_simulator.close()
            self.his_simulator = None
        self.journal.close()


def build_services(config: Config, post: Callable[[Any], None]) -> Services:
    """The HIS gateway and the device manager, checked against the configuration (a bad device
    profile fails here, at start). Nothing connects or seeds until ``start``."""
    journal = Journal(config.journal_path).open()
    gateway: HisGateway | None = None
    try:
        if config.his.mode == "fhir":
            from kiosk.his.fhir import FhirHisGateway  # noqa: PLC0415

            gateway = FhirHisGateway(config.his)
        uses_sim = any(d.transport.lower().startswith("sim://") for d in config.devices.values())
        hub = build_demo_hub() if uses_sim else None
        devices = DeviceManager(config.devices, post, sim_hub=hub, print_jobs=JournalPrintJobStore(journal))
    except BaseException:
        if gateway is not None:
            gateway.close()
        journal.close()
        raise
    return Services(config=config, journal=journal, devices=devices, his=gateway, sim_hub=hub)
