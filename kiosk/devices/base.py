"""The device base class, commands, and the owner thread that runs one device.

Threading: a :class:`Device` is touched only by its :class:`DeviceWorker` thread
("device-<role>"), the only thread that touches its port. Other threads hand it
:class:`Command` objects through the worker's queue and get a ``concurrent.futures.Future``
back; events leave through the injected ``post`` callable.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.errors import (
    CommandExpiredError,
    DeviceError,
    DeviceOptionsError,
    DeviceStoppedError,
    DeviceUnavailableError,
    MissingDependencyError,
    UnknownCommandError,
)
from kiosk.devices.events import DeviceEvent
from kiosk.devices.status import NOT_STARTED, DeviceState, DeviceStatus, StatusFlag, disconnected
from kiosk.devices.transport import Transport, TransportLost, open_transport

log = logging.getLogger(__name__)

Post = Callable[[DeviceEvent], None]
Clock = Callable[[], float]

# Returned by a command handler that resolves the command's future itself later (a card sale).
PENDING: Any = object()

OptionsT = TypeVar("OptionsT", bound="DeviceOptions")


class DeviceOptions(BaseModel):
    """Base of each driver's option schema: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_options(role: DeviceRole, model: type[OptionsT], raw: Mapping[str, Any]) -> OptionsT:
    """Validate ``devices.<role>.profile``; the error names the role and each bad key."""
    try:
        return model.model_validate(dict(raw))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(profile)"
            msg = "unknown key" if err["type"] == "extra_forbidden" else str(err["msg"])
            problems.append(f"devices.{role.value}.profile.{key}: {msg}")
        raise DeviceOptionsError("; ".join(problems)) from None


@dataclass(frozen=True)
class Command:
    """One request for a device. ``key`` makes it idempotent; ``expires_at`` (monotonic) keeps a
    stale command (a queue number an hour late) from ever running."""

    name: str
    key: str
    expires_at: float
    args: Mapping[str, Any] = field(default_factory=dict)
    future: Future[Any] = field(default_factory=Future, compare=False, repr=False)

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True)
class DeviceContext:
    """What a driver gets besides its config: the event sink, a clock, and collaborators."""

    post: Post
    clock: Clock = time.monotonic
    sim_hub: Any = None  # SimulatorHub for sim:// URLs
    services: Mapping[str, Any] = field(default_factory=dict)  # e.g. "print_jobs": PrintJobStore


class Device(ABC):
    """Base of every driver. Runs only on its owner thread.

    Subclasses implement ``open``/``close`` and handlers named ``cmd_<name>(command)``; readers
    override ``poll`` to read and frame bytes. I/O failures raise :class:`TransportLost` (or
    DeviceUnavailableError from ``open``); the worker then closes and reconnects.
    """

    Options: ClassVar[type[DeviceOptions]] = DeviceOptions
    # How long the owner loop may block waiting for a command when poll() does not block itself.
    poll_wait: float = 0.05
    # Seconds between health checks while connected (None: no periodic check).
    health_interval: float | None = None

    def __init__(self, role: DeviceRole, config: DeviceConfig, ctx: DeviceContext) -> None:
        self.role = role
        self.transport = config.transport
        self.ctx = ctx
        self._status = NOT_STARTED
        self._status_listener: Callable[[DeviceStatus], None] | None = None

    @property
    def status(self) -> DeviceStatus:
        return self._status

    def set_status(self, status: DeviceStatus) -> None:
        if status != self._status:
            self._status = status
            if self._status_listener is not None:
                self._status_listener(status)

    def post(self, event: DeviceEvent) -> None:
        self.ctx.post(event)

    def open_port(self, *, baudrate: int = 9600, read_timeout: float = 0.02) -> Transport:
        """The device's transport from its URL (sim:// ports reach the context's simulator hub)."""
        return open_transport(self.transport, baudrate=baudrate, read_timeout=read_timeout, sim_hub=self.ctx.sim_hub)

    @abstractmethod
    def open(self) -> None:
        """Connect and check the device; set a status. Raise DeviceUnavailableError on failure."""

    @abstractmethod
    def close(self) -> None:
        """Release the port; must not raise."""

    def poll(self) -> None:  # noqa: B027  # optional hook
        """Read and frame whatever the device sent (readers); may block up to ~poll_wait."""

    def check_health(self) -> None:  # noqa: B027  # optional hook
        """Periodic status refresh while connected (printers ask DLE EOT)."""

    def on_lost(self, reason: str) -> None:  # noqa: B027  # optional hook
        """The connection failed: settle anything in flight (fail futures, mark recovery)."""

    def execute(self, command: Command) -> Any:
        handler = getattr(self, f"cmd_{command.name}", None)
        if handler is None:
            raise UnknownCommandError(f"{type(self).__name__} has no command {command.name!r}")
        return handler(command)

    def cmd_status(self, command: Command) -> DeviceStatus:
        """A fresh status: printers ask the device now (used before a flow takes money)."""
        self.check_health()
        return self.status


class Backoff:
    """Capped exponential reconnect delays: initial, 2x, 4x ... up to ``cap``."""

    def __init__(self, initial: float = 0.1, cap: float = 1.0) -> None:
        self.initial = initial
        self.cap = cap
        self._next = initial

    def next_delay(self) -> float:
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        return delay

    def reset(self) -> None:
        self._next = self.initial


class DeviceWorker:
    """Owns one device on a dedicated thread: connect, run commands, poll, reconnect with backoff.

    ``submit`` is thread-safe; everything else happens on the worker thread.
    """

    _MAX_REMEMBERED_KEYS = 512

    def __init__(
        self,
        device: Device,
        *,
        on_status: Callable[[DeviceRole, DeviceStatus, DeviceStatus | None], None],
        backoff: Backoff,
        clock: Clock = time.monotonic,
    ) -> None:
        self.device = device
        self.role = device.role
        self._on_status = on_status
        self._backoff = backoff
        self._clock = clock
        self._queue: queue.Queue[Command] = queue.Queue()
        self._keys: OrderedDict[str, Command] = OrderedDict()
        self._keys_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connected = False
        self._last_status: DeviceStatus | None = None
        device._status_listener = self._publish

    # --- any thread -------------------------------------------------------------------------

    def submit(self, name: str, args: Mapping[str, Any], *, key: str | None, ttl: float) -> Future[Any]:
        """Queue a command; a key seen before returns the earlier command's future (not run twice)."""
        key = key or uuid.uuid4().hex
        with self._keys_lock:
            earlier = self._keys.get(key)
            if earlier is not None:
                if earlier.name != name:
                    log.warning("%s: idempotency key reused for a different command", self.role)
                log.info("%s: duplicate command %s ignored", self.role, name)
                return earlier.future
            command = Command(name=name, key=key, expires_at=self._clock() + ttl, args=dict(args))
            self._keys[key] = command
            while len(self._keys) > self._MAX_REMEMBERED_KEYS:
                self._keys.popitem(last=False)
        if self._stop.is_set():
            command.future.set_exception(DeviceStoppedError(f"{self.role} is stopped"))
        else:
            self._queue.put(command)
        return command.future

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=f"device-{self.role.value}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            if self._thread.is_alive():
                log.error("%s: owner thread did not stop within %.1f s", self.role, timeout)
            self._thread = None
        self._fail_queued(DeviceStoppedError(f"{self.role} stopped"))

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- worker thread ----------------------------------------------------------------------

    def _publish(self, status: DeviceStatus) -> None:
        previous, self._last_status = self._last_status, status
        self._on_status(self.role, status, previous)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if not self._connected:
                    self._connect_or_wait()
                    continue
                try:
                    self._serve_once()
                except TransportLost as exc:
                    self._lost(f"connection lost: {exc}")
                except DeviceUnavailableError as exc:
                    self._lost(str(exc))
                except Exception:
                    # A driver bug must not kill the owner thread: log, reset the device, go on.
                    log.exception("%s: driver failed; reconnecting", self.role)
                    self._lost("driver error (see log)")
        finally:
            self._close_device()
            self.device.on_lost("stopped")

    def _connect_or_wait(self) -> None:
        try:
            self.device.open()
        except MissingDependencyError as exc:
            self._close_device()
            flags = frozenset({StatusFlag.DEPENDENCY_MISSING})
            self.device.set_status(DeviceStatus(DeviceState.ERROR, flags, str(exc)))
            self._wait_backoff()
            return
        except (DeviceUnavailableError, TransportLost) as exc:
            self._close_device()
            self.device.set_status(disconnected(str(exc)))
            self._wait_backoff()
            return
        except DeviceError as exc:
            self._close_device()
            self.device.set_status(DeviceStatus(DeviceState.ERROR, detail=str(exc)))
            self._wait_backoff()
            return
        except Exception:
            log.exception("%s: open failed unexpectedly", self.role)
            self._close_device()
            self.device.set_status(DeviceStatus(DeviceState.ERROR, detail="driver error (see log)"))
            self._wait_backoff()
            return
        self._connected = True
        self._backoff.reset()
        self._next_health = self._clock() + (self.device.health_interval or 0.0)
        log.info("%s: connected (%s)", self.role, self.device.status.state)

    def _wait_backoff(self) -> None:
        """Sleep the backoff delay, but fail commands that arrive meanwhile: never make them wait."""
        deadline = self._clock() + self._backoff.next_delay()
        while not self._stop.is_set():
            remaining = deadline - self._clock()
            if remaining <= 0:
                return
            try:
                command = self._queue.get(timeout=min(remaining, 0.05))
            except queue.Empty:
                continue
            self._finish(command, error=DeviceUnavailableError(f"{self.role} is not connected"))

    def _serve_once(self) -> None:
        block = self.device.poll_wait
        try:
            command: Command | None = self._queue.get(timeout=block) if block > 0 else self._queue.get_nowait()
        except queue.Empty:
            command = None
        while command is not None:
            self._run_command(command)
            if self._stop.is_set():
                return  # what is still queued fails with DeviceStoppedError in stop()
            try:
                command = self._queue.get_nowait()
            except queue.Empty:
                command = None
        self.device.poll()
        interval = self.device.health_interval
        if interval is not None and self._clock() >= self._next_health:
            self._next_health = self._clock() + interval
            self.device.check_health()

    def _run_command(self, command: Command) -> None:
        if command.expired(self._clock()):
            log.warning("%s: command %s expired in the queue; dropped", self.role, command.name)
            self._finish(command, error=CommandExpiredError(f"{command.name} expired before it ran"))
            return
        if command.future.cancelled() or not command.future.set_running_or_notify_cancel():
            return
        try:
            result = self.device.execute(command)
        except (TransportLost, DeviceUnavailableError) as exc:
            command.future.set_exception(DeviceUnavailableError(f"{self.role}: {exc}"))
            raise
        except DeviceError as exc:
            command.future.set_exception(exc)
            return
        except Exception as exc:
            command.future.set_exception(exc)
            raise
        if result is not PENDING:
            command.future.set_result(result)

    def _finish(self, command: Command, *, error: BaseException) -> None:
        if command.future.set_running_or_notify_cancel():
            command.future.set_exception(error)

    def _lost(self, reason: str) -> None:
        log.warning("%s: %s", self.role, reason)
        self._connected = False
        self.device.on_lost(reason)
        self._close_device()
        self.device.set_status(disconnected(reason))
        self._wait_backoff()

    def _close_device(self) -> None:
        try:
            self.device.close()
        except Exception:
            log.exception("%s: close failed", self.role)

    def _fail_queued(self, error: DeviceError) -> None:
        while True:
            try:
                command = self._queue.get_nowait()
            except queue.Empty:
                return
            self._finish(command, error=error)
