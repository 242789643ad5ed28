"""DeviceManager: builds drivers by role from config, owns their threads, publishes status.

Built, started and stopped on the GUI (or CLI) thread; ``submit`` and ``status`` may be called
from any thread. Each device runs on its own DeviceWorker thread. Status changes and device
events reach the app only through the injected ``post(event)`` callable.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.base import Backoff, Clock, Device, DeviceContext, DeviceWorker, Post
from kiosk.devices.errors import DeviceOptionsError, DeviceUnavailableError
from kiosk.devices.events import DeviceStatusChanged
from kiosk.devices.jobs import InMemoryPrintJobStore, PrintJobStore
from kiosk.devices.receipt import Receipt
from kiosk.devices.status import NOT_STARTED, DeviceStatus, StatusFlag
from kiosk.devices.transport import register_sim_handler

log = logging.getLogger(__name__)

# driver name in config -> "module:Class" (imported when a config names it, so optional
# dependencies such as pyscard are only needed by kiosks that use them).
BUILTIN_DRIVERS: Mapping[str, str] = {
    "escpos": "kiosk.devices.escpos_printer:EscposPrinter",
    "cups": "kiosk.devices.report_printer:ReportPrinter",
    "report_file": "kiosk.devices.report_printer:ReportPrinter",
    "id_card_ga467": "kiosk.devices.idcard:IdCardReader",
    "magstripe": "kiosk.devices.card_reader:MagstripeReader",
    "pcsc": "kiosk.devices.card_reader:PcscReader",
    "serial_scanner": "kiosk.devices.scanner:SerialScanner",
    "keyboard_wedge": "kiosk.devices.scanner:KeyboardWedgeScanner",
    "card_terminal": "kiosk.devices.terminal:CardTerminal",
}

# Which drivers make sense for which role; a printer driver on a reader role is a config error.
ROLE_DRIVERS: Mapping[DeviceRole, frozenset[str]] = {
    DeviceRole.RECEIPT_PRINTER: frozenset({"escpos"}),
    DeviceRole.REPORT_PRINTER: frozenset({"cups", "report_file"}),
    DeviceRole.ID_CARD_READER: frozenset({"id_card_ga467"}),
    DeviceRole.CARD_READER: frozenset({"magstripe", "pcsc"}),
    DeviceRole.SCANNER: frozenset({"serial_scanner", "keyboard_wedge"}),
    DeviceRole.CARD_TERMINAL: frozenset({"card_terminal"}),
}


def load_driver(name: str) -> type[Device]:
    target = BUILTIN_DRIVERS.get(name)
    if target is None:
        known = ", ".join(sorted(BUILTIN_DRIVERS))
        raise DeviceOptionsError(f"unknown device driver {name!r} (known: {known})")
    module_name, _, class_name = target.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, Device)):
        raise DeviceOptionsError(f"driver {name!r} is not a Device")
    return cls


class DeviceManager:
    """All configured devices. Construct on the GUI thread; ``start`` spawns one thread each."""

    def __init__(
        self,
        devices: Mapping[DeviceRole, DeviceConfig],
        post: Post,
        *,
        sim_hub: Any = None,
        print_jobs: PrintJobStore | None = None,
        report_dir: Path | None = None,
        backoff_initial_s: float = 0.1,
        backoff_cap_s: float = 1.0,
        clock: Clock = time.monotonic,
        drivers: Mapping[str, type[Device]] | None = None,
    ) -> None:
        register_sim_handler()
        self._post = post
        self._lock = threading.Condition()
        self._statuses: dict[DeviceRole, DeviceStatus] = {}
        self.print_jobs: PrintJobStore = print_jobs if print_jobs is not None else InMemoryPrintJobStore()
        services: dict[str, Any] = {"print_jobs": self.print_jobs}
        if report_dir is not None:
            services["report_dir"] = report_dir
        ctx = DeviceContext(post=post, clock=clock, sim_hub=sim_hub, services=services)
        self._workers: dict[DeviceRole, DeviceWorker] = {}
        for role, config in devices.items():
            allowed = ROLE_DRIVERS.get(role, frozenset())
            if drivers is None and config.driver not in allowed:
                raise DeviceOptionsError(
                    f"devices.{role.value}.driver: {config.driver!r} cannot serve this role "
                    f"(use one of: {', '.join(sorted(allowed))})"
                )
            if config.transport.lower().startswith("sim://") and sim_hub is None:
                raise DeviceOptionsError(f"devices.{role.value}.transport: sim:// needs the simulators (demo mode)")
            cls = drivers[config.driver] if drivers is not None else load_driver(config.driver)
            device = cls(role, config, ctx)
            self._workers[role] = DeviceWorker(
                device,
                on_status=self._status_changed,
                backoff=Backoff(backoff_initial_s, backoff_cap_s),
                clock=clock,
            )
            self._statuses[role] = NOT_STARTED
        self._started = False

    # --- lifecycle (GUI thread) -------------------------------------------------------------

    @property
    def roles(self) -> list[DeviceRole]:
        return list(self._workers)

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        for worker in self._workers.values():
            worker.start()

    def stop(self, timeout: float = 3.0) -> None:
        """Stop every device in reverse start order; commands still queued fail with DeviceStoppedError."""
        for worker in reversed(list(self._workers.values())):
            worker.stop(timeout)
        self._started = False

    # --- status (any thread) ----------------------------------------------------------------

    def _status_changed(self, role: DeviceRole, status: DeviceStatus, previous: DeviceStatus | None) -> None:
        with self._lock:
            self._statuses[role] = status
            self._lock.notify_all()
        log.info("%s: %s", role.value, status.describe())
        self._post(DeviceStatusChanged(role, status, previous))

    def status(self, role: DeviceRole) -> DeviceStatus:
        with self._lock:
            status = self._statuses.get(role)
        if status is None:
            raise DeviceUnavailableError(f"no {role.value} configured")
        return status

    def statuses(self) -> dict[DeviceRole, DeviceStatus]:
        with self._lock:
            return dict(self._statuses)

    def wait_until(
        self, predicate: Callable[[dict[DeviceRole, DeviceStatus]], bool], timeout: float
    ) -> dict[DeviceRole, DeviceStatus]:
        """Block (not on the GUI thread) until ``predicate(statuses)`` holds or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate(self._statuses):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._lock.wait(timeout=remaining)
            return dict(self._statuses)

    def wait_settled(self, timeout: float = 5.0) -> dict[DeviceRole, DeviceStatus]:
        """Statuses once every device has tried to connect at least once (for ``kiosk devices status``)."""
        return self.wait_until(lambda st: all(StatusFlag.NOT_STARTED not in s.flags for s in st.values()), timeout)

    # --- commands (any thread) --------------------------------------------------------------

    def submit(
        self, role: DeviceRole, name: str, *, key: str | None = None, ttl: float = 30.0, **args: Any
    ) -> Future[Any]:
        """Queue ``name`` for the device in ``role``. Same ``key`` twice: one execution, same future.
        The command is dropped with CommandExpiredError if it has not started within ``ttl`` s."""
        worker = self._workers.get(role)
        if worker is None:
            failed: Future[Any] = Future()
            failed.set_exception(DeviceUnavailableError(f"no {role.value} configured"))
            return failed
        return worker.submit(name, args, key=key, ttl=ttl)

    def check_printer(self, role: DeviceRole = DeviceRole.RECEIPT_PRINTER, ttl: float = 5.0) -> Future[Any]:
        """A fresh DLE EOT status; flows call this before taking money."""
        return self.submit(role, "status", ttl=ttl)

    def print_receipt(self, receipt: Receipt, *, job_id: str, ttl: float = 60.0) -> Future[Any]:
        return self.submit(
            DeviceRole.RECEIPT_PRINTER, "print_receipt", key=f"print:{job_id}", ttl=ttl, receipt=receipt, job_id=job_id
        )

    def reprint(self, job_id: str, *, key: str, ttl: float = 60.0) -> Future[Any]:
        return self.submit(DeviceRole.RECEIPT_PRINTER, "reprint", key=key, ttl=ttl, job_id=job_id)

    def print_report(self, pdf: Path, *, job_id: str, title: str = "report", ttl: float = 120.0) -> Future[Any]:
        return self.submit(
            DeviceRole.REPORT_PRINTER,
            "print_pdf",
            key=f"report:{job_id}",
            ttl=ttl,
            path=pdf,
            job_id=job_id,
            title=title,
        )

    def card_sale(self, amount_fen: int, *, transaction_id: str, ttl: float = 10.0) -> Future[Any]:
        return self.submit(
            DeviceRole.CARD_TERMINAL,
            "sale",
            key=f"sale:{transaction_id}",
            ttl=ttl,
            amount_fen=amount_fen,
            transaction_id=transaction_id,
        )

    def card_cancel(self, *, key: str | None = None) -> Future[Any]:
        return self.submit(DeviceRole.CARD_TERMINAL, "cancel", key=key, ttl=5.0)
