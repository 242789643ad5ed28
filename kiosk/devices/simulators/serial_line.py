"""Line-based serial devices: a QR/barcode scanner and a magnetic stripe reader.

Both just send ASCII lines to the host when someone scans or swipes; ``send_raw`` injects
garbage, a half line (silence mid-frame) or an over-long line for fault tests.
"""

from __future__ import annotations

from kiosk.devices.simulators.hub import SimDevice


class ScannerSimulator(SimDevice):
    def __init__(self, terminator: bytes = b"\r\n") -> None:
        super().__init__()
        self.terminator = terminator
        self.received = bytearray()  # scanners ignore the host, but record what it sent

    def scan(self, payload: str) -> None:
        self.emit(payload.encode("ascii") + self.terminator)

    def send_raw(self, data: bytes) -> None:
        self.emit(data)

    def on_host_bytes(self, data: bytes) -> None:
        with self._lock:
            self.received += data


class MagstripeSimulator(SimDevice):
    def __init__(self) -> None:
        super().__init__()
        self.received = bytearray()

    def swipe(self, track2: str, track1: str | None = None) -> None:
        """A swipe as most USB-serial stripe readers send it: ``%track1?;track2?`` then CR."""
        line = (f"%{track1}?" if track1 else "") + f";{track2}?"
        self.emit(line.encode("ascii") + b"\r")

    def send_raw(self, data: bytes) -> None:
        self.emit(data)

    def on_host_bytes(self, data: bytes) -> None:
        with self._lock:
            self.received += data
