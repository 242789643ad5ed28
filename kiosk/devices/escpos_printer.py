"""ESC/POS receipt printer driver: print receipts from the model, real-time status by DLE EOT.

Runs on its owner thread (DeviceWorker). Printer quirks are profile data from config
(:class:`PrinterProfile`), never guessed from the model name. A receipt is recorded in the
print job store before any byte is sent and marked printed only after the printer confirms
it still has paper, so a receipt that failed is kept to reprint.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Literal, NoReturn

from pydantic import Field

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.base import Command, Device, DeviceContext, DeviceOptions, parse_options
from kiosk.devices.errors import DeviceError, PrinterNotReadyError, PrintFailedError
from kiosk.devices.events import PrintJobFinished
from kiosk.devices.jobs import InMemoryPrintJobStore, PrintJobState, PrintJobStore
from kiosk.devices.receipt import LayoutProfile, Receipt, find_cjk_font, render_receipt
from kiosk.devices.status import DeviceState, DeviceStatus, StatusFlag
from kiosk.devices.transport import (
    Transport,
    TransportLost,
    close_quietly,
    drain_input,
    read_some,
    write_all,
)

log = logging.getLogger(__name__)

DLE_EOT = b"\x10\x04"
# Printer status (1), offline cause (2), paper roll sensor (4), asked in one write.
STATUS_QUERY = DLE_EOT + b"\x01" + DLE_EOT + b"\x02" + DLE_EOT + b"\x04"


class PrinterProfile(DeviceOptions):
    """``devices.receipt_printer.profile``: what this printer model can do."""

    paper_width_mm: Literal[58, 80] = 80
    columns: int | None = Field(default=None, ge=16, le=72)  # font A: 32 on 58 mm, 48 on 80 mm
    dots: int | None = Field(default=None, ge=192, le=832)  # printable width: 384 / 576
    text_mode: Literal["chinese", "raster"] = "chinese"
    encoding: Literal["gb18030", "gbk"] = "gb18030"
    native_qr: bool = True
    qr_size: int = Field(default=6, ge=1, le=16)
    cutter: Literal["full", "partial", "none"] = "partial"
    feed_lines: int = Field(default=4, ge=0, le=20)
    font_path: str | None = None  # raster text; default: fc-match's CJK sans
    font_px: int = Field(default=24, ge=12, le=48)
    baudrate: int = Field(default=9600, gt=0)
    status_timeout_s: float = Field(default=0.5, gt=0, le=5)
    health_interval_s: float = Field(default=5.0, ge=0.2, le=300)
    reprint_note: str = "** 补打 REPRINT **"

    def layout_profile(self) -> LayoutProfile:
        columns = self.columns or (32 if self.paper_width_mm == 58 else 48)
        dots = self.dots or (384 if self.paper_width_mm == 58 else 576)
        return LayoutProfile(
            columns=columns,
            dots=dots,
            text_mode=self.text_mode,
            encoding=self.encoding,
            native_qr=self.native_qr,
            qr_size=self.qr_size,
            cutter=self.cutter,
            feed_lines=self.feed_lines,
            font_path=self.font_path,
            font_px=self.font_px,
        )


def _valid_status_byte(b: int) -> bool:
    # Every DLE EOT answer has bits 1 and 4 set and bits 0 and 7 clear.
    return b & 0x93 == 0x12


def parse_status(reply: bytes) -> DeviceStatus:
    """The answers to STATUS_QUERY (3 bytes, in order) to a status. Never raises."""
    if not reply:
        return DeviceStatus(DeviceState.ERROR, frozenset({StatusFlag.NO_ANSWER}), "printer did not answer")
    if len(reply) != 3 or not all(_valid_status_byte(b) for b in reply):
        return DeviceStatus(
            DeviceState.ERROR, frozenset({StatusFlag.BAD_REPLY}), f"unexpected status reply {reply[:8].hex()}"
        )
    printer, cause, paper = reply
    flags: set[StatusFlag] = set()
    if printer & 0x08:
        flags.add(StatusFlag.OFFLINE)
    if cause & 0x04:
        flags.add(StatusFlag.COVER_OPEN)
    if cause & 0x40:
        flags.add(StatusFlag.PRINTER_ERROR)
    if paper & 0x60 or cause & 0x20:
        flags.add(StatusFlag.PAPER_OUT)
    elif paper & 0x0C:
        flags.add(StatusFlag.PAPER_NEAR_END)
    faults = flags - {StatusFlag.PAPER_NEAR_END}
    if faults:
        return DeviceStatus(DeviceState.ERROR, frozenset(flags), "")
    if flags:
        return DeviceStatus(DeviceState.WARNING, frozenset(flags), "")
    return DeviceStatus(DeviceState.READY)


@dataclass(frozen=True)
class PrintOutcome:
    job_id: str
    printed: bool
    duplicate: bool = False  # the job had already been printed; nothing was sent


class EscposPrinter(Device):
    """Receipt printer on any serial-style URL (tty, /dev/usb/lpN, socket://, sim://). Owner thread only."""

    Options = PrinterProfile

    def __init__(self, role: DeviceRole, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(role, config, ctx)
        self.profile = parse_options(role, PrinterProfile, config.profile)
        self.layout_profile = self.profile.layout_profile()
        store = ctx.services.get("print_jobs")
        self.jobs: PrintJobStore = store if store is not None else InMemoryPrintJobStore()
        self.health_interval = self.profile.health_interval_s
        self.poll_wait = 0.1
        self._port: Transport | None = None

    def open(self) -> None:
        if self.profile.text_mode == "raster" and self.profile.font_path is None:
            try:
                find_cjk_font()
            except FileNotFoundError as exc:
                raise DeviceError(f"raster text needs a CJK font: {exc}") from exc
        self._port = self.open_port(baudrate=self.profile.baudrate, read_timeout=0.05)
        self.set_status(self.query_status())

    def close(self) -> None:
        port, self._port = self._port, None
        close_quietly(port)

    def _live(self) -> Transport:
        if self._port is None:
            raise TransportLost("port is closed")
        return self._port

    def query_status(self) -> DeviceStatus:
        port = self._live()
        drain_input(port)
        write_all(port, STATUS_QUERY)
        deadline = time.monotonic() + self.profile.status_timeout_s
        reply = b""
        while len(reply) < 3 and time.monotonic() < deadline:
            reply += read_some(port, 3 - len(reply))
        status = parse_status(reply)
        if StatusFlag.BAD_REPLY in status.flags or StatusFlag.NO_ANSWER in status.flags:
            log.warning("%s: %s", self.role, status.detail)
        # Failed jobs wait for a reprint; a job being printed right now is pending, not failed.
        pending = sum(1 for job in self.jobs.unprinted() if job.state is PrintJobState.FAILED)
        if pending:
            status = DeviceStatus(
                status.state,
                status.flags | {StatusFlag.PENDING_REPRINTS},
                (status.detail + "; " if status.detail else "") + f"{pending} receipt(s) to reprint",
            )
        return status

    def check_health(self) -> None:
        self.set_status(self.query_status())

    # --- commands ---------------------------------------------------------------------------

    def cmd_print_receipt(self, command: Command) -> PrintOutcome:
        receipt = command.args["receipt"]
        if not isinstance(receipt, Receipt):
            raise TypeError("print_receipt needs a Receipt")
        job_id = str(command.args.get("job_id") or command.key)
        job = self.jobs.add(job_id, receipt)
        if job.state is PrintJobState.PRINTED:
            return PrintOutcome(job_id, printed=True, duplicate=True)
        return self._print_job(job_id, receipt, reprint=False, command=command)

    def cmd_reprint(self, command: Command) -> PrintOutcome:
        job_id = str(command.args["job_id"])
        job = self.jobs.get(job_id)
        if job is None:
            raise PrintFailedError(f"no print job {job_id}")
        return self._print_job(job_id, job.receipt, reprint=True, command=command)

    def cmd_reprint_pending(self, command: Command) -> list[PrintOutcome]:
        """Print every kept job, oldest first; stops at the first failure (that job stays kept)."""
        outcomes = []
        for job in self.jobs.unprinted():
            outcomes.append(self._print_job(job.job_id, job.receipt, reprint=True, command=command))
        return outcomes

    def cmd_print_bytes(self, command: Command) -> None:
        """Raw ESC/POS for the technician self-test page (no job record)."""
        status = self.query_status()
        self.set_status(status)
        if not status.usable:
            raise PrinterNotReadyError(status.describe())
        write_all(self._live(), bytes(command.args["data"]))

    def _print_job(self, job_id: str, receipt: Receipt, *, reprint: bool, command: Command) -> PrintOutcome:
        self.jobs.mark_attempt(job_id)
        before = self.query_status()
        self.set_status(before)
        if not before.usable:
            return self._failed(job_id, PrinterNotReadyError(before.describe()))
        data = render_receipt(receipt, self.layout_profile, reprint_note=self.profile.reprint_note if reprint else "")
        if command.expired(time.monotonic()):
            # Rendering is quick, but never start a stale receipt; it stays kept for reprint.
            return self._failed(job_id, PrintFailedError("print command expired before printing"))
        self.set_status(DeviceStatus(DeviceState.BUSY, before.flags))
        try:
            write_all(self._live(), data)
            after = self.query_status()
        except TransportLost:
            self.jobs.mark_failed(job_id, "connection lost while printing")
            self.post(PrintJobFinished(self.role, job_id, False, PrintFailedError.code, "connection lost"))
            raise
        self.set_status(after)
        if StatusFlag.PAPER_OUT in after.flags or StatusFlag.COVER_OPEN in after.flags or not after.usable:
            return self._failed(job_id, PrintFailedError(f"printer reported {after.describe()} after printing"))
        self.jobs.mark_printed(job_id)
        self.set_status(self.query_status())
        log.info("%s: printed job %s (%d bytes)", self.role, job_id, len(data))
        self.post(PrintJobFinished(self.role, job_id, True))
        return PrintOutcome(job_id, printed=True)

    def _failed(self, job_id: str, error: DeviceError) -> NoReturn:
        self.jobs.mark_failed(job_id, str(error))
        log.warning("%s: job %s kept for reprint: %s", self.role, job_id, error)
        self.post(PrintJobFinished(self.role, job_id, False, error.code, str(error)))
        raise error
