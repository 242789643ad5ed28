"""QR / barcode scanners: serial line readers and keyboard-wedge scanners read from evdev.

A keyboard-wedge scanner is a USB keyboard. Reading it from ``/dev/input/...`` with EVIOCGRAB
means its keystrokes never reach a widget, so a scan cannot type into the screen. Each payload
is classified (health card QR, insurance voucher, payment code, report barcode) by regexes from
the profile. Both drivers run on their owner thread.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import select
import struct
import time

from pydantic import Field, field_validator

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.base import Device, DeviceContext, DeviceOptions, parse_options
from kiosk.devices.errors import DeviceUnavailableError
from kiosk.devices.events import QrScanned, ScanKind
from kiosk.devices.framing import LineFramer, printable_ascii
from kiosk.devices.status import READY
from kiosk.devices.transport import Transport, TransportLost, close_quietly, read_some

log = logging.getLogger(__name__)


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from None
    return value


class ScanPatterns(DeviceOptions):
    """Full-match regexes, tried in this order. Defaults follow the common formats; check them
    against the hospital's own card and voucher issuers when deploying."""

    # WeChat Pay 10-15 + 16 digits, Alipay 25-30 + 14-22 digits, UnionPay 62 + 17 digits.
    payment_code: str = r"(?:1[0-5]\d{16}|(?:2[5-9]|30)\d{14,22}|62\d{17})"
    # National e-health card QR: issuer hex digest, then colon-separated fields.
    health_card: str = r"(?:[0-9A-F]{64}(?::[0-9A-Za-z]+){1,8}|EHC[:|][0-9A-Za-z:|._-]{8,256})"
    # Medical insurance e-voucher (医保电子凭证) QR.
    insurance_voucher: str = r"(?:NHSA|YB)[0-9A-Za-z]{16,128}"
    # Report slip barcodes printed by the lab / radiology systems.
    report_barcode: str = r"R\d{8,16}"

    _check = field_validator("payment_code", "health_card", "insurance_voucher", "report_barcode")(_regex)


def classify(payload: str, patterns: ScanPatterns) -> ScanKind:
    for kind, pattern in (
        (ScanKind.PAYMENT_CODE, patterns.payment_code),
        (ScanKind.HEALTH_CARD, patterns.health_card),
        (ScanKind.INSURANCE_VOUCHER, patterns.insurance_voucher),
        (ScanKind.REPORT_BARCODE, patterns.report_barcode),
    ):
        if re.fullmatch(pattern, payload):
            return kind
    return ScanKind.UNKNOWN


class ScannerOptions(DeviceOptions):
    baudrate: int = Field(default=9600, gt=0)
    max_length: int = Field(default=2048, ge=8, le=8192)
    # A code held under the scanner is read again and again: ignore repeats within this window.
    repeat_window_s: float = Field(default=1.5, ge=0, le=30)
    patterns: ScanPatterns = ScanPatterns()


class _ScanSink:
    """Shared by both scanner drivers: de-duplicate, classify, post."""

    def __init__(self, device: Device, options: ScannerOptions) -> None:
        self._device = device
        self._options = options
        self._last: tuple[str, float] | None = None

    def payload(self, text: str | None, raw_len: int) -> None:
        if text is None:
            log.warning("%s: unreadable scan (%d bytes)", self._device.role, raw_len)
            return
        now = time.monotonic()
        if self._last is not None and self._last[0] == text and now - self._last[1] < self._options.repeat_window_s:
            return
        self._last = (text, now)
        kind = classify(text, self._options.patterns)
        log.info("%s: scanned %s (%d chars)", self._device.role, kind.value, len(text))
        self._device.post(QrScanned(self._device.role, kind, text))


class SerialScanner(Device):
    """A scanner in serial (or USB CDC) mode: one line per code. Owner thread only."""

    Options = ScannerOptions

    def __init__(self, role: DeviceRole, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(role, config, ctx)
        self.options = parse_options(role, ScannerOptions, config.profile)
        self.poll_wait = 0.0
        self._port: Transport | None = None
        self._framer = LineFramer(self.options.max_length)
        self._sink = _ScanSink(self, self.options)

    def open(self) -> None:
        self._port = self.open_port(baudrate=self.options.baudrate, read_timeout=0.02)
        self._framer.reset()
        self.set_status(READY)

    def close(self) -> None:
        port, self._port = self._port, None
        close_quietly(port)

    def poll(self) -> None:
        if self._port is None:
            raise TransportLost("port is closed")
        dropped = self._framer.dropped_lines
        for raw in self._framer.feed(read_some(self._port)):
            self._sink.payload(printable_ascii(raw), len(raw))
        if self._framer.dropped_lines != dropped:
            log.warning("%s: dropped an over-long scan", self.role)


# --- keyboard wedge -----------------------------------------------------------------------

EV_KEY = 1
EVENT = struct.Struct("llHHi")  # struct input_event: timeval, type, code, value
EVIOCGRAB = 0x40044590  # _IOW('E', 0x90, int)

_PLAIN = {
    **{c: ch for c, ch in zip(range(2, 12), "1234567890", strict=True)},
    12: "-", 13: "=", 26: "[", 27: "]", 39: ";", 40: "'", 41: "`", 43: "\\", 51: ",", 52: ".", 53: "/", 57: " ",
    **{c: ch for c, ch in zip(range(16, 26), "qwertyuiop", strict=True)},
    **{c: ch for c, ch in zip(range(30, 39), "asdfghjkl", strict=True)},
    **{c: ch for c, ch in zip(range(44, 51), "zxcvbnm", strict=True)},
    71: "7", 72: "8", 73: "9", 74: "-", 75: "4", 76: "5", 77: "6", 78: "+", 79: "1", 80: "2", 81: "3", 82: "0",
    83: ".", 98: "/", 55: "*",
}  # fmt: skip
_SHIFTED = {
    **{c: ch for c, ch in zip(range(2, 12), "!@#$%^&*()", strict=True)},
    12: "_", 13: "+", 26: "{", 27: "}", 39: ":", 40: '"', 41: "~", 43: "|", 51: "<", 52: ">", 53: "?",
}  # fmt: skip
_SHIFT_KEYS = (42, 54)
_CAPSLOCK = 58
_ENTER_KEYS = (28, 96)


class WedgeDecoder:
    """US-layout key events to text lines (Enter ends a scan). Pure; never raises on input."""

    def __init__(self, max_length: int = 2048) -> None:
        self.max_length = max_length
        self._chars: list[str] = []
        self._shift = 0
        self._caps = False
        self._overflow = False
        self.unknown_keys = 0

    def key(self, code: int, value: int) -> str | None:
        """One EV_KEY event (value 1 press, 2 repeat, 0 release); returns a line on Enter."""
        if code in _SHIFT_KEYS:
            self._shift = max(0, self._shift + (1 if value == 1 else -1 if value == 0 else 0))
            return None
        if value == 0:
            return None
        if code == _CAPSLOCK:
            if value == 1:
                self._caps = not self._caps
            return None
        if code in _ENTER_KEYS:
            line = "".join(self._chars)
            overflow = self._overflow
            self._chars.clear()
            self._overflow = False
            return None if overflow or not line else line
        ch = _SHIFTED.get(code) if self._shift else None
        if ch is None:
            ch = _PLAIN.get(code)
            if ch is None:
                self.unknown_keys += 1
                return None
            if ch.isalpha() and (bool(self._shift) != self._caps):
                ch = ch.upper()
        if len(self._chars) >= self.max_length:
            self._overflow = True
        else:
            self._chars.append(ch)
        return None


class WedgeOptions(ScannerOptions):
    grab: bool = True  # EVIOCGRAB: keep scans away from the focused widget


class KeyboardWedgeScanner(Device):
    """Reads a keyboard-wedge scanner from ``evdev:///dev/input/by-id/...-event-kbd``. Owner thread only."""

    Options = WedgeOptions

    def __init__(self, role: DeviceRole, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(role, config, ctx)
        self.options = parse_options(role, WedgeOptions, config.profile)
        if not config.transport.startswith("evdev://"):
            raise DeviceUnavailableError(
                f"devices.{role.value}.transport: a keyboard wedge needs evdev:///dev/input/..."
            )
        self._path = config.transport[len("evdev://") :]
        self.poll_wait = 0.0
        self._fd = -1
        self._pending = b""
        self._decoder = WedgeDecoder(self.options.max_length)
        self._sink = _ScanSink(self, self.options)

    def open(self) -> None:
        try:
            self._fd = os.open(self._path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            raise DeviceUnavailableError(f"cannot open {self._path}: {exc.strerror}") from exc
        if self.options.grab:
            try:
                fcntl.ioctl(self._fd, EVIOCGRAB, 1)
            except OSError as exc:
                raise DeviceUnavailableError(f"cannot grab {self._path}: {exc.strerror}") from exc
        self._pending = b""
        self._decoder = WedgeDecoder(self.options.max_length)
        self.set_status(READY)

    def close(self) -> None:
        fd, self._fd = self._fd, -1
        if fd >= 0:
            if self.options.grab:
                try:
                    fcntl.ioctl(fd, EVIOCGRAB, 0)
                except OSError:
                    log.debug("%s: release grab failed", self.role)
            os.close(fd)

    def poll(self) -> None:
        if self._fd < 0:
            raise TransportLost("device is closed")
        ready, _, _ = select.select([self._fd], [], [], 0.02)
        if not ready:
            return
        try:
            data = os.read(self._fd, EVENT.size * 64)
        except BlockingIOError:
            return
        except OSError as exc:
            raise TransportLost(str(exc)) from exc
        if not data:
            raise TransportLost("input device closed")
        self.feed(data)

    def feed(self, data: bytes) -> None:
        buf = self._pending + data
        whole = len(buf) - len(buf) % EVENT.size
        self._pending = buf[whole:]
        for offset in range(0, whole, EVENT.size):
            _, _, etype, code, value = EVENT.unpack_from(buf, offset)
            if etype != EV_KEY:
                continue
            line = self._decoder.key(code, value)
            if line is not None:
                self._sink.payload(line if line.isprintable() else None, len(line))
