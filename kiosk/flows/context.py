"""What a service flow may use: the HIS and the devices (through the app's Services), the
configuration, and the ways this kiosk can identify a patient. Flows read the ports here when
they are created, which happens after the services started (a patient's tap, not start-up)."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import Config, DeviceRole
from kiosk.devices.manager import DeviceManager
from kiosk.errors import ServiceUnavailableError
from kiosk.his.gateway import HisGateway
from kiosk.services import Services


@dataclass(frozen=True)
class FlowContext:
    config: Config
    services: Services

    @property
    def his(self) -> HisGateway:
        his = self.services.his
        if his is None:  # services still starting (the first seconds after boot)
            raise ServiceUnavailableError("the HIS connection is not ready yet")
        return his

    @property
    def devices(self) -> DeviceManager:
        return self.services.devices

    def identify_ways(self) -> tuple[str, ...]:
        """The identification methods this kiosk's hardware offers; the keypad always works."""
        roles = set(self.config.devices)
        ways = []
        if DeviceRole.ID_CARD_READER in roles:
            ways.append("id_card")
        if DeviceRole.CARD_READER in roles:
            ways.append("visit_card")
        if DeviceRole.SCANNER in roles:
            ways.append("qr")
        ways.append("keypad")
        return tuple(ways)
