"""Visit / insurance card readers: magnetic-stripe ASCII over serial, and PC/SC contact IC cards.

Both run on their owner thread and post CardRead with a CardIdentifier (the system comes from
the profile). PC/SC needs pyscard, an optional dependency (``pip install hospital-kiosk[pcsc]``)
imported only when a pcsc device is opened; without it the device reports dependency_missing.
"""

from __future__ import annotations

import importlib
import logging
import re
import time
from typing import Any, Literal, Protocol

from pydantic import Field, field_validator

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.base import Device, DeviceContext, DeviceOptions, parse_options
from kiosk.devices.errors import DeviceUnavailableError, MissingDependencyError
from kiosk.devices.events import CardIdentifier, CardRead, CardReadFailed, CardRemoved
from kiosk.devices.framing import LineFramer, printable_ascii
from kiosk.devices.status import READY, DeviceState, DeviceStatus
from kiosk.devices.transport import Transport, TransportLost, close_quietly, read_some

log = logging.getLogger(__name__)

_TRACK1 = re.compile(r"%([^?]{1,79})\?")
_TRACK23 = re.compile(r";([^?]{1,107})\?")


def _compile(value: str) -> str:
    try:
        pattern = re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from None
    if pattern.groups < 1:
        raise ValueError("needs one capturing group: the identifier")
    return value


class MagstripeOptions(DeviceOptions):
    baudrate: int = Field(default=9600, gt=0)
    system: str = Field(default="visit_card", min_length=1)  # identifier system for the HIS
    track: Literal[1, 2, 3] = 2
    # Applied to the chosen track's content; group 1 is the identifier.
    value_pattern: str = r"^(\d{6,32})(?:=.*)?$"
    sentinels: bool = True  # False: the reader sends bare track content, one line per swipe
    max_line: int = Field(default=512, ge=16, le=4096)

    _check_pattern = field_validator("value_pattern")(_compile)


def parse_swipe(line: str, options: MagstripeOptions) -> str | None:
    """The identifier from one swipe line, or None if the swipe is unreadable."""
    if options.sentinels:
        if options.track == 1:
            found = _TRACK1.search(line)
            content = found.group(1) if found else None
        else:
            tracks = _TRACK23.findall(line)
            index = options.track - 2
            content = tracks[index] if len(tracks) > index else None
    else:
        content = line.strip()
    if not content:
        return None
    match = re.match(options.value_pattern, content)
    return match.group(1) if match else None


class MagstripeReader(Device):
    """Serial magnetic stripe reader: one line per swipe. Owner thread only."""

    Options = MagstripeOptions

    def __init__(self, role: DeviceRole, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(role, config, ctx)
        self.options = parse_options(role, MagstripeOptions, config.profile)
        self.poll_wait = 0.0
        self._port: Transport | None = None
        self._framer = LineFramer(self.options.max_line)

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
        chunk = read_some(self._port)
        for raw in self._framer.feed(chunk):
            self._line(raw)

    def _line(self, raw: bytes) -> None:
        text = printable_ascii(raw)
        value = parse_swipe(text, self.options) if text is not None else None
        if value is None:
            log.warning("%s: unreadable swipe (%d bytes)", self.role, len(raw))
            self.post(CardReadFailed(self.role, "unreadable swipe"))
            return
        log.info("%s: card swiped", self.role)
        self.post(CardRead(self.role, CardIdentifier(self.options.system, value), "magstripe"))


class PcscBackend(Protocol):
    """The few PC/SC calls the reader needs (pyscard in production, a fake in tests)."""

    def readers(self) -> list[str]: ...

    def read_card(self, reader: str, apdu: bytes) -> bytes | None:
        """Response data for ``apdu`` from the card in ``reader``; None if no card is present.
        Raises OSError when the reader or the card fails."""
        ...


class PyscardBackend:
    """pyscard, imported on construction (owner thread) so kiosks without PC/SC never need it."""

    def __init__(self) -> None:
        try:
            self._system: Any = importlib.import_module("smartcard.System")
            self._exc: Any = importlib.import_module("smartcard.Exceptions")
        except ImportError as exc:
            raise MissingDependencyError(
                "pyscard is not installed: pip install 'hospital-kiosk[pcsc]' (and apt pcscd libpcsclite1)"
            ) from exc

    def readers(self) -> list[str]:
        try:
            return [str(r) for r in self._system.readers()]
        except self._exc.SmartcardException as exc:
            raise OSError(f"PC/SC unavailable (is pcscd running?): {exc}") from exc

    def read_card(self, reader: str, apdu: bytes) -> bytes | None:
        target = next((r for r in self._system.readers() if str(r) == reader), None)
        if target is None:
            raise OSError("reader disappeared")
        connection = target.createConnection()
        try:
            connection.connect()
        except self._exc.NoCardException:
            return None
        except self._exc.CardConnectionException as exc:
            # pyscard raises this too when no card is inserted in some reader drivers
            if "no smart card" in str(exc).lower() or "removed" in str(exc).lower():
                return None
            raise OSError(str(exc)) from exc
        try:
            data, sw1, sw2 = connection.transmit(list(apdu))
        except self._exc.CardConnectionException as exc:
            raise OSError(str(exc)) from exc
        finally:
            try:
                connection.disconnect()
            except self._exc.CardConnectionException:
                log.debug("disconnect after transmit failed")
        if (sw1, sw2) != (0x90, 0x00):
            raise OSError(f"card answered SW {sw1:02X}{sw2:02X}")
        return bytes(data)


class PcscOptions(DeviceOptions):
    system: str = Field(default="visit_card", min_length=1)
    # Default: PC/SC pseudo-APDU "get data: UID" (FF CA 00 00 00), answered by the reader itself.
    apdu_hex: str = Field(default="FFCA000000", pattern=r"^(?:[0-9A-Fa-f]{2}){4,64}$")
    value_format: Literal["hex", "ascii", "bcd"] = "hex"
    poll_interval_s: float = Field(default=0.3, ge=0.05, le=5)


def format_card_value(data: bytes, fmt: str) -> str | None:
    if not data:
        return None
    if fmt == "hex":
        return data.hex().upper()
    if fmt == "bcd":
        digits = data.hex().upper().rstrip("F")
        return digits if digits.isdigit() else None
    text = data.decode("ascii", "replace").strip("\x00 ")
    return text if text and text.isprintable() and "\ufffd" not in text else None


class PcscReader(Device):
    """Contact IC card reader over PC/SC; URL ``pcsc://NAME-SUBSTRING`` (or ``pcsc://`` for the first).
    Owner thread only."""

    Options = PcscOptions

    def __init__(
        self, role: DeviceRole, config: DeviceConfig, ctx: DeviceContext, backend: PcscBackend | None = None
    ) -> None:
        super().__init__(role, config, ctx)
        self.options = parse_options(role, PcscOptions, config.profile)
        if not config.transport.lower().startswith("pcsc://"):
            raise DeviceUnavailableError(f"devices.{role.value}.transport: a pcsc reader needs pcsc://READER")
        self._wanted = config.transport[len("pcsc://") :]
        backend = backend if backend is not None else ctx.services.get("pcsc_backend")
        self._backend: PcscBackend | None = backend
        self._reader = ""
        self._present_value: str | None = None
        self._next_poll = 0.0
        self.poll_wait = 0.05

    def open(self) -> None:
        if self._backend is None:
            self._backend = PyscardBackend()
        try:
            readers = self._backend.readers()
        except OSError as exc:
            raise DeviceUnavailableError(str(exc)) from exc
        match = [r for r in readers if self._wanted.lower() in r.lower()]
        if not match:
            raise DeviceUnavailableError(f"no PC/SC reader matching {self._wanted!r}")
        self._reader = match[0]
        self._present_value = None
        self.set_status(READY)

    def close(self) -> None:
        self._reader = ""

    def on_lost(self, reason: str) -> None:
        if self._present_value is not None:
            self._present_value = None
            self.post(CardRemoved(self.role))

    def poll(self) -> None:
        now = time.monotonic()
        if now < self._next_poll or self._backend is None:
            return
        self._next_poll = now + self.options.poll_interval_s
        try:
            data = self._backend.read_card(self._reader, bytes.fromhex(self.options.apdu_hex))
        except OSError as exc:
            if self._backend is not None and self._reader not in self._backend.readers():
                raise TransportLost(f"reader gone: {exc}") from exc
            log.warning("%s: card read failed: %s", self.role, exc)
            self.set_status(DeviceStatus(DeviceState.WARNING, detail="card could not be read"))
            if self._present_value is None:
                self.post(CardReadFailed(self.role, "card could not be read"))
                self._present_value = ""
            return
        if data is None:
            if self._present_value is not None:
                self._present_value = None
                self.post(CardRemoved(self.role))
            self.set_status(READY)
            return
        value = format_card_value(data, self.options.value_format)
        if self._present_value is None:
            if value is None:
                self.post(CardReadFailed(self.role, "card data not in the expected format"))
                self._present_value = ""
            else:
                self._present_value = value
                log.info("%s: IC card read", self.role)
                self.post(CardRead(self.role, CardIdentifier(self.options.system, value), "pcsc"))
        self.set_status(READY)
