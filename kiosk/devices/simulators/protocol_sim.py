"""pyserial URL handler for ``sim://NAME``: a port whose far end is a SimDevice in this process.

pyserial finds this module through ``serial.protocol_handler_packages`` (DeviceManager adds our
package at construction). The hub is passed as ``hub=`` to ``serial_for_url``; without one the
port refuses to open with a clear reason. Runs on the thread that owns the port.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from serial.serialutil import PortNotOpenError, SerialBase, SerialException

from kiosk.devices.simulators.hub import InProcessLink, SimulatorHub


class Serial(SerialBase):  # type: ignore[misc]  # pyserial is untyped
    def __init__(self, *args: Any, hub: SimulatorHub | None = None, **kwargs: Any) -> None:
        self._hub = hub
        self._link: InProcessLink | None = None
        self._name = ""
        self.is_open: bool = False
        super().__init__(*args, **kwargs)

    def open(self) -> None:
        if self.is_open:
            raise SerialException("port is already open")
        if self._hub is None:
            raise SerialException("sim:// ports need a SimulatorHub: pass hub= to serial_for_url")
        parts = urlsplit(self.portstr or "")
        if parts.scheme != "sim" or not parts.netloc:
            raise SerialException(f"expected sim://NAME, got {self.portstr!r}")
        self._name = parts.netloc
        self._link = self._hub.connect(self._name)
        self.is_open = True

    def close(self) -> None:
        link, self._link = self._link, None
        if link is not None and self._hub is not None:
            self._hub.disconnect(self._name, link)
        self.is_open = False

    def _reconfigure_port(self, *args: Any, **kwargs: Any) -> None:
        """Baud rate and framing mean nothing in process."""

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass

    def _update_break_state(self) -> None:
        pass

    def _live(self) -> InProcessLink:
        if not self.is_open or self._link is None:
            raise PortNotOpenError()
        return self._link

    @property
    def in_waiting(self) -> int:
        return self._live().available()

    def read(self, size: int = 1) -> bytes:
        return self._live().read(size, self._timeout)

    def write(self, data: bytes) -> int:
        return self._live().write(bytes(data))

    def flush(self) -> None:
        self._live()

    def reset_input_buffer(self) -> None:
        self._live().clear_input()

    def reset_output_buffer(self) -> None:
        self._live()
