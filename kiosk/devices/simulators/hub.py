"""Hosting simulated devices: in-process behind ``sim://NAME``, or on the master side of a pty.

A :class:`SimDevice` is only the protocol brain (bytes in, bytes out). The :class:`SimulatorHub`
decides how the host reaches it: the ``sim://`` pyserial handler connects through an
in-process link, or :meth:`SimulatorHub.serve_pty` puts it behind a real pseudo-terminal whose
slave path (a stable symlink) the driver opens like any serial port. Unplug and replug close and
recreate the link or the pty, so drivers see the same failures a yanked USB cable gives.
"""

from __future__ import annotations

import abc
import contextlib
import heapq
import itertools
import logging
import os
import select
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from serial import SerialException

log = logging.getLogger(__name__)

T = TypeVar("T", bound="SimDevice")


class SimScheduler:
    """Runs simulator callbacks after a delay on one thread ("sim-scheduler"), started on first use."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        with self._cond:
            if self._stopping:
                return
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._seq), fn))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sim-scheduler", daemon=True)
                self._thread.start()
            self._cond.notify()

    def cancel_all(self) -> None:
        with self._cond:
            self._heap.clear()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (not self._heap or self._heap[0][0] > time.monotonic()):
                    wait = self._heap[0][0] - time.monotonic() if self._heap else 0.5
                    self._cond.wait(timeout=max(0.0, min(wait, 0.5)))
                if self._stopping:
                    return
                _, _, fn = heapq.heappop(self._heap)
            try:
                fn()
            except Exception:
                log.exception("simulator callback failed")

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._heap.clear()
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=2.0)


class SimDevice(abc.ABC):
    """A simulated device speaking its byte protocol.

    ``on_host_bytes`` runs on whichever thread delivers the host's bytes (the driver's owner
    thread for ``sim://``, the pty bridge thread for ptys); panel and test calls come from other
    threads, so subclasses guard their state with ``self._lock``.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._emit_fn: Callable[[bytes], None] | None = None
        self._scheduler: SimScheduler | None = None

    def bind(self, emit: Callable[[bytes], None], scheduler: SimScheduler) -> None:
        self._emit_fn = emit
        self._scheduler = scheduler

    def emit(self, data: bytes) -> None:
        """Send bytes to the host (dropped when nothing is connected, as on a real wire)."""
        fn = self._emit_fn
        if fn is not None and data:
            fn(data)

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        if self._scheduler is not None:
            self._scheduler.call_later(delay, fn)

    @abc.abstractmethod
    def on_host_bytes(self, data: bytes) -> None:
        """Bytes the host (the driver) wrote: parse them and answer as the device would."""

    def on_connect(self) -> None:  # noqa: B027 - optional hook, most devices keep no parse state
        """The host (re)connected: drop half-parsed input from an earlier connection."""


class InProcessLink:
    """The far end of a ``sim://`` port: bytes from the device wait here until the driver reads."""

    def __init__(self, device: SimDevice) -> None:
        self._device = device
        self._cond = threading.Condition()
        self._buffer = bytearray()
        self._open = True

    @property
    def is_open(self) -> bool:
        return self._open

    def deliver(self, data: bytes) -> None:
        with self._cond:
            if self._open:
                self._buffer += data
                self._cond.notify_all()

    def available(self) -> int:
        with self._cond:
            self._check_open()
            return len(self._buffer)

    def read(self, size: int, timeout: float | None) -> bytes:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._buffer:
                self._check_open()
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return b""
                self._cond.wait(timeout=remaining if remaining is not None else 0.5)
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
            return data

    def write(self, data: bytes) -> int:
        with self._cond:
            self._check_open()
        self._device.on_host_bytes(bytes(data))
        return len(data)

    def clear_input(self) -> None:
        with self._cond:
            self._buffer.clear()

    def close(self) -> None:
        with self._cond:
            self._open = False
            self._cond.notify_all()

    def _check_open(self) -> None:
        if not self._open:
            raise SerialException("simulated device disconnected")


class PtyBridge:
    """Serves one SimDevice on the master side of a pty; its thread ("pty-NAME") reads the host."""

    def __init__(self, name: str, device: SimDevice, link_path: Path) -> None:
        self._name = name
        self._device = device
        self.link_path = link_path
        self._master = -1
        self._slave = -1
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        master, slave = os.openpty()
        # Keep our own slave fd open: with no slave open, reads on the master fail with EIO.
        tty.setraw(slave)
        self._master, self._slave = master, slave
        tmp = self.link_path.with_name(self.link_path.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(os.ttyname(slave))
        tmp.replace(self.link_path)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"pty-{self._name}", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        with self._write_lock:
            view = memoryview(data)
            deadline = time.monotonic() + 2.0
            while view and self._master >= 0:
                try:
                    view = view[os.write(self._master, view) :]
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        log.warning("pty %s: host is not reading; dropped %d bytes", self._name, len(view))
                        return
                    select.select([], [self._master], [], 0.05)
                except OSError:
                    return

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(self._master, 4096)
            except (OSError, ValueError):
                if self._stop.wait(0.05):
                    return
                continue
            if data:
                try:
                    self._device.on_host_bytes(data)
                except Exception:
                    log.exception("simulator %s failed on host bytes", self._name)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        with self._write_lock:
            for fd in (self._master, self._slave):
                if fd >= 0:
                    os.close(fd)
            self._master = self._slave = -1
        with contextlib.suppress(FileNotFoundError):
            self.link_path.unlink()


class SimulatorHub:
    """Named simulated devices and how the host reaches them. Thread-safe; tests and the demo own one."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._devices: dict[str, SimDevice] = {}
        self._links: dict[str, InProcessLink] = {}
        self._bridges: dict[str, PtyBridge] = {}
        self._unplugged: set[str] = set()
        self.scheduler = SimScheduler()

    def add(self, name: str, device: T) -> T:
        with self._lock:
            if name in self._devices:
                raise ValueError(f"simulator {name!r} already exists")
            self._devices[name] = device
        device.bind(lambda data: self._route(name, data), self.scheduler)
        return device

    def get(self, name: str, kind: type[T]) -> T:
        with self._lock:
            device = self._devices.get(name)
        if not isinstance(device, kind):
            raise KeyError(f"no {kind.__name__} simulator named {name!r}")
        return device

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._devices)

    def connect(self, name: str) -> InProcessLink:
        """Called by the ``sim://`` handler when a driver opens the port."""
        with self._lock:
            device = self._devices.get(name)
            if device is None:
                raise SerialException(f"no simulated device named {name!r}")
            if name in self._unplugged:
                raise SerialException(f"simulated device {name!r} is unplugged")
            if name in self._bridges:
                raise SerialException(f"simulated device {name!r} is served on a pty")
            old = self._links.pop(name, None)
            link = InProcessLink(device)
            self._links[name] = link
        if old is not None:
            old.close()
        device.on_connect()
        return link

    def disconnect(self, name: str, link: InProcessLink) -> None:
        with self._lock:
            if self._links.get(name) is link:
                del self._links[name]
        link.close()

    def serve_pty(self, name: str, link_path: Path) -> Path:
        """Put ``name`` behind a pty; the driver opens ``link_path`` (a symlink to the slave)."""
        with self._lock:
            device = self._devices[name]
            if name in self._bridges:
                raise ValueError(f"{name!r} is already served on a pty")
            bridge = PtyBridge(name, device, link_path)
            self._bridges[name] = bridge
            if name not in self._unplugged:
                bridge.start()
        return link_path

    def unplug(self, name: str) -> None:
        with self._lock:
            if name not in self._devices:
                raise KeyError(name)
            self._unplugged.add(name)
            link = self._links.pop(name, None)
            bridge = self._bridges.get(name)
        if link is not None:
            link.close()
        if bridge is not None:
            bridge.stop()

    def replug(self, name: str) -> None:
        with self._lock:
            self._unplugged.discard(name)
            bridge = self._bridges.get(name)
            device = self._devices[name]
        device.on_connect()
        if bridge is not None:
            bridge.start()

    def _route(self, name: str, data: bytes) -> None:
        with self._lock:
            link = self._links.get(name)
            bridge = self._bridges.get(name)
            unplugged = name in self._unplugged
        if unplugged:
            return
        if bridge is not None:
            bridge.write(data)
        elif link is not None:
            link.deliver(data)

    def close(self) -> None:
        self.scheduler.stop()
        with self._lock:
            links = list(self._links.values())
            bridges = list(self._bridges.values())
            self._links.clear()
            self._bridges.clear()
        for link in links:
            link.close()
        for bridge in bridges:
            bridge.stop()
