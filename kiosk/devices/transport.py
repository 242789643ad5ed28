"""Opening a device's byte transport from its URL, and reading from it with deadlines.

Every serial-style device goes through :func:`serial.serial_for_url`, so a device accepts a
path, ``hwgrep://VID:PID``, ``socket://host:port``, ``spy://PATH`` and ``sim://NAME``. USB line
printer nodes (``/dev/usb/lp0``) are not ttys, so they get a small raw file transport instead.
Runs on the device's owner thread.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import time
from typing import Any, Protocol

import serial

from kiosk.devices.errors import DeviceUnavailableError

SIM_HANDLER_PACKAGE = "kiosk.devices.simulators"


class Transport(Protocol):
    """The subset of a pyserial port the drivers use."""

    def read(self, size: int = 1) -> bytes: ...
    def write(self, data: bytes) -> int | None: ...
    @property
    def in_waiting(self) -> int: ...
    def reset_input_buffer(self) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


class TransportLost(Exception):
    """The port failed under us (unplugged, closed by the far end). Internal to the device layer."""


def register_sim_handler() -> None:
    """Let serial_for_url resolve ``sim://NAME``. Called by DeviceManager at construction."""
    if SIM_HANDLER_PACKAGE not in serial.protocol_handler_packages:
        serial.protocol_handler_packages.append(SIM_HANDLER_PACKAGE)


class RawDeviceTransport:
    """A USB printer class node (``/dev/usb/lpN``): plain reads and writes, select for timeouts."""

    def __init__(self, path: str, timeout: float) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        self._timeout = timeout

    @property
    def in_waiting(self) -> int:
        return 0  # usblp cannot tell; read() polls instead

    def read(self, size: int = 1) -> bytes:
        ready, _, _ = select.select([self._fd], [], [], self._timeout)
        if not ready:
            return b""
        try:
            return os.read(self._fd, size)
        except BlockingIOError:
            return b""
        except OSError as exc:
            raise TransportLost(str(exc)) from exc

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        deadline = time.monotonic() + 10.0
        while view:
            try:
                written = os.write(self._fd, view)
            except BlockingIOError:
                written = 0
            except OSError as exc:
                raise TransportLost(str(exc)) from exc
            view = view[written:]
            if view:
                if time.monotonic() > deadline:
                    raise TransportLost("write timed out")
                select.select([], [self._fd], [], 0.1)
        return len(data)

    def reset_input_buffer(self) -> None:
        while True:
            try:
                if not os.read(self._fd, 4096):
                    return
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                    return
                raise TransportLost(str(exc)) from exc

    def flush(self) -> None:
        return None

    def close(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)


def open_transport(
    url: str,
    *,
    baudrate: int = 9600,
    read_timeout: float = 0.02,
    write_timeout: float = 5.0,
    sim_hub: Any = None,
) -> Transport:
    """Open ``url``; raises DeviceUnavailableError with the reason (the URL is not patient data)."""
    try:
        if url.startswith("/dev/usb/lp"):
            return RawDeviceTransport(url, read_timeout)
        kwargs: dict[str, Any] = {
            "baudrate": baudrate,
            "timeout": read_timeout,
            "write_timeout": write_timeout,
        }
        if url.lower().startswith("sim://"):
            kwargs["hub"] = sim_hub
        port: Transport = serial.serial_for_url(url, **kwargs)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise DeviceUnavailableError(f"cannot open {url}: {exc}") from exc
    return port


def read_some(port: Transport, limit: int = 4096) -> bytes:
    """Whatever has arrived, waiting at most the port's read timeout for the first byte."""
    try:
        first = port.read(1)
        if not first:
            return b""
        waiting = min(port.in_waiting, limit)
        return first + port.read(waiting) if waiting else first
    except (serial.SerialException, OSError) as exc:
        raise TransportLost(str(exc)) from exc


def write_all(port: Transport, data: bytes) -> None:
    try:
        port.write(data)
        port.flush()
    except (serial.SerialException, OSError) as exc:
        raise TransportLost(str(exc)) from exc


def drain_input(port: Transport) -> None:
    """Drop stale bytes (an answer that came too late must not be taken for the next one)."""
    try:
        port.reset_input_buffer()
    except (serial.SerialException, OSError) as exc:
        raise TransportLost(str(exc)) from exc


def close_quietly(port: Transport | None) -> None:
    if port is None:
        return
    # Closing a port whose device vanished can fail; there is nothing left to release then.
    with contextlib.suppress(serial.SerialException, OSError):
        port.close()
