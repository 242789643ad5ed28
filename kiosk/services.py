"""The kiosk's services (HIS gateway, devices) built from the configuration, started and stopped
in order. Part of the composition root; no Qt, so ``kiosk doctor`` and tests build them too.

Built, started and stopped on the main thread. The HIS gateway is then called from worker
threads only; devices run on their own threads and report through ``post``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kiosk.config import Config
from kiosk.devices.manager import DeviceManager
from kiosk.devices.simulators.demo import DemoPanel, build_demo_hub
from kiosk.devices.simulators.hub import SimulatorHub
from kiosk.his.fhir import FhirHisGateway
from kiosk.his.gateway import HisGateway
from kiosk.his.simulator import HisSimulator

log = logging.getLogger(__name__)


@dataclass
class Services:
    his: HisGateway
    devices: DeviceManager
    his_simulator: HisSimulator | None = None
    sim_hub: SimulatorHub | None = None
    _started: bool = field(default=False, repr=False)

    @property
    def demo_panel(self) -> DemoPanel | None:
        """The injector the demo's device panel drives; None with real devices."""
        return DemoPanel(self.sim_hub) if self.sim_hub is not None else None

    def start(self) -> None:
        self.devices.start()
        self._started = True

    def stop(self) -> None:
        """Stops in reverse order of building; safe to call twice."""
        if self._started:
            self.devices.stop()
            self._started = False
        self.his.close()
        if self.his_simulator is not None:
            self.his_simulator.close()
            self.his_simulator = None


def build_services(config: Config, post: Callable[[Any], None]) -> Services:
    """The HIS (the embedded simulator in demo configurations) and the device manager."""
    simulator: HisSimulator | None = None
    gateway: FhirHisGateway | None = None
    try:
        if config.his.mode == "simulator":
            log.warning("HIS mode 'simulator': fictitious patients only, never for a real kiosk")
            simulator = HisSimulator(settings=config.his)
            gateway = FhirHisGateway(config.his, base_url=simulator.start())
        else:
            gateway = FhirHisGateway(config.his)
        uses_sim = any(d.transport.lower().startswith("sim://") for d in config.devices.values())
        hub = build_demo_hub() if uses_sim else None
        devices = DeviceManager(config.devices, post, sim_hub=hub)
    except BaseException:
        if gateway is not None:
            gateway.close()
        if simulator is not None:
            simulator.close()
        raise
    return Services(his=gateway, devices=devices, his_simulator=simulator, sim_hub=hub)
