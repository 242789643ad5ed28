"""A4 report printer: PDF reports through CUPS (``lp``/``lpstat`` from cups-client), or the
``report_file`` backend that files each PDF in a folder (the demo, and kiosks whose reports
are printed elsewhere).

URLs: ``cups://QUEUE`` or ``cups://SERVER[:PORT]/QUEUE`` for the ``cups`` driver,
``file:///ABSOLUTE/DIR`` for ``report_file``. A CUPS job is followed until it completes or
fails; the command's future resolves then (several jobs can be in flight). Runs on its owner
thread; ``lp`` and ``lpstat`` run as subprocesses with timeouts.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.base import PENDING, Command, Device, DeviceContext, DeviceOptions, parse_options
from kiosk.devices.errors import (
    DeviceOptionsError,
    DeviceUnavailableError,
    MissingDependencyError,
    ReportPrintFailedError,
)
from kiosk.devices.events import ReportJobFinished
from kiosk.devices.status import READY, DeviceState, DeviceStatus, StatusFlag

log = logging.getLogger(__name__)

MAX_PDF_BYTES = 50 * 1024 * 1024
_REQUEST_ID = re.compile(r"request id is (\S+)")


@dataclass(frozen=True)
class ReportOutcome:
    job_id: str
    printed: bool
    location: str = ""  # CUPS job id, or the filed PDF's path


class ReportPrinterOptions(DeviceOptions):
    lp_command: str = "lp"
    lpstat_command: str = "lpstat"
    cancel_command: str = "cancel"
    media: str = "A4"
    sides: str = Field(default="one-sided", pattern=r"^(one-sided|two-sided-long-edge|two-sided-short-edge)$")
    command_timeout_s: float = Field(default=15.0, gt=0, le=120)
    job_timeout_s: float = Field(default=300.0, gt=0, le=3600)
    follow_interval_s: float = Field(default=1.0, ge=0.05, le=30)
    health_interval_s: float = Field(default=30.0, ge=1, le=3600)


def _check_pdf(path: Path) -> None:
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(5)
    except OSError as exc:
        raise ReportPrintFailedError(f"cannot read the report PDF: {exc.strerror}") from exc
    if head != b"%PDF-":
        raise ReportPrintFailedError("the report is not a PDF")
    if size > MAX_PDF_BYTES:
        raise ReportPrintFailedError("the report PDF is too large")


@dataclass
class _CupsJob:
    job_id: str
    cups_id: str
    future: Future[Any]
    deadline: float


class ReportPrinter(Device):
    """Both backends; which one is decided by the URL scheme. Owner thread only."""

    Options = ReportPrinterOptions

    def __init__(self, role: DeviceRole, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(role, config, ctx)
        self.options = parse_options(role, ReportPrinterOptions, config.profile)
        parts = urlsplit(config.transport)
        self._backend = parts.scheme
        if config.driver == "report_file" and parts.scheme != "file":
            raise DeviceOptionsError(f"devices.{role.value}.transport: report_file needs file:///DIR")
        if config.driver == "cups" and parts.scheme != "cups":
            raise DeviceOptionsError(f"devices.{role.value}.transport: cups needs cups://QUEUE or cups://SERVER/QUEUE")
        if parts.scheme == "file":
            self._folder = Path(parts.path)
            self._server, self._queue = "", ""
        else:
            self._folder = Path()
            path = parts.path.strip("/")
            self._server, self._queue = (parts.netloc, path) if path else ("", parts.netloc)
            if not re.fullmatch(r"[A-Za-z0-9_.-]{1,127}", self._queue):
                raise DeviceOptionsError(f"devices.{role.value}.transport: bad CUPS queue name")
        self.health_interval = self.options.health_interval_s
        self.poll_wait = 0.1
        self._jobs: dict[str, _CupsJob] = {}
        self._next_follow = 0.0

    # --- lifecycle --------------------------------------------------------------------------

    def open(self) -> None:
        self.check_health()
        if self.status.state is DeviceState.DISCONNECTED:
            raise DeviceUnavailableError(self.status.detail)

    def close(self) -> None:
        """Nothing held open between jobs."""

    def on_lost(self, reason: str) -> None:
        for job in self._jobs.values():
            self._settle(job, False, f"printer lost before the job finished: {reason}")
        self._jobs.clear()

    def check_health(self) -> None:
        if self._backend == "file":
            if self._folder.is_dir() and os.access(self._folder, os.W_OK):
                self.set_status(READY)
            else:
                try:
                    self._folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    self.set_status(DeviceStatus(DeviceState.ERROR, detail=f"report folder: {exc.strerror}"))
                    return
                self.set_status(READY)
            return
        result = self._run([self.options.lpstat_command, *self._server_args(), "-p", self._queue])
        text = (result.stdout + result.stderr).lower()
        if result.returncode != 0:
            self.set_status(
                DeviceStatus(DeviceState.DISCONNECTED, detail=f"CUPS queue {self._queue}: {_first_line(result.stderr)}")
            )
        elif "disabled" in text:
            self.set_status(
                DeviceStatus(
                    DeviceState.ERROR, frozenset({StatusFlag.OFFLINE}), f"CUPS queue {self._queue} is disabled"
                )
            )
        else:
            self.set_status(DeviceStatus(DeviceState.BUSY) if self._jobs else READY)

    def _server_args(self) -> list[str]:
        return ["-h", self._server] if self._server else []

    def _run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                argv, capture_output=True, text=True, timeout=self.options.command_timeout_s, check=False
            )
        except FileNotFoundError as exc:
            raise MissingDependencyError(f"{argv[0]} not found: install cups-client") from exc
        except subprocess.TimeoutExpired as exc:
            raise DeviceUnavailableError(f"{argv[0]} did not finish within {self.options.command_timeout_s} s") from exc

    # --- commands ---------------------------------------------------------------------------

    def cmd_print_pdf(self, command: Command) -> Any:
        path = Path(command.args["path"])
        job_id = str(command.args.get("job_id") or command.key)
        title = re.sub(r"[^\w .-]", "_", str(command.args.get("title", "report")))[:60] or "report"
        _check_pdf(path)
        if self._backend == "file":
            return self._file_copy(path, job_id)
        argv = [
            self.options.lp_command, *self._server_args(), "-d", self._queue, "-t", title,
            "-o", f"media={self.options.media}", "-o", f"sides={self.options.sides}", "--", str(path),
        ]  # fmt: skip
        result = self._run(argv)
        found = _REQUEST_ID.search(result.stdout)
        if result.returncode != 0 or found is None:
            detail = _first_line(result.stderr) or "lp gave no job id"
            self.post(ReportJobFinished(self.role, job_id, False, detail))
            raise ReportPrintFailedError(f"lp failed: {detail}")
        cups_id = found.group(1)
        self._jobs[cups_id] = _CupsJob(job_id, cups_id, command.future, time.monotonic() + self.options.job_timeout_s)
        self._next_follow = 0.0
        self.set_status(DeviceStatus(DeviceState.BUSY))
        log.info("%s: report job %s queued as %s", self.role, job_id, cups_id)
        return PENDING

    def _file_copy(self, path: Path, job_id: str) -> ReportOutcome:
        safe = re.sub(r"[^\w.-]", "_", job_id)[:80]
        target = self._folder / f"{safe}.pdf"
        fd, tmp = tempfile.mkstemp(dir=self._folder, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out, path.open("rb") as src:
                shutil.copyfileobj(src, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            self.post(ReportJobFinished(self.role, job_id, False, exc.strerror or "write failed"))
            raise ReportPrintFailedError(f"filing the report failed: {exc.strerror}") from exc
        self.post(ReportJobFinished(self.role, job_id, True, str(target)))
        return ReportOutcome(job_id, True, str(target))

    # --- following CUPS jobs ----------------------------------------------------------------

    def poll(self) -> None:
        if not self._jobs or time.monotonic() < self._next_follow:
            return
        self._next_follow = time.monotonic() + self.options.follow_interval_s
        pending = self._run(
            [self.options.lpstat_command, *self._server_args(), "-W", "not-completed", "-o", self._queue]
        )
        if pending.returncode != 0:
            log.warning("%s: lpstat failed: %s", self.role, _first_line(pending.stderr))
            return
        still = set(_job_ids(pending.stdout))
        finished = [job for cups_id, job in self._jobs.items() if cups_id not in still]
        if finished:
            done = self._run([self.options.lpstat_command, *self._server_args(), "-W", "completed", "-o", self._queue])
            completed = set(_job_ids(done.stdout)) if done.returncode == 0 else set()
            for job in finished:
                del self._jobs[job.cups_id]
                if job.cups_id in completed:
                    self._settle(job, True, job.cups_id)
                else:
                    self._settle(job, False, "the job was cancelled or aborted by CUPS")
        now = time.monotonic()
        for cups_id, job in list(self._jobs.items()):
            if now > job.deadline:
                del self._jobs[cups_id]
                self._run([self.options.cancel_command, *self._server_args(), cups_id])
                self._settle(job, False, "the job did not finish in time and was cancelled")
        if not self._jobs:
            self.check_health()

    def _settle(self, job: _CupsJob, printed: bool, detail: str) -> None:
        log.info("%s: report job %s %s", self.role, job.job_id, "printed" if printed else "failed")
        self.post(ReportJobFinished(self.role, job.job_id, printed, detail))
        if job.future.done():
            return
        if printed:
            job.future.set_result(ReportOutcome(job.job_id, True, job.cups_id))
        else:
            job.future.set_exception(ReportPrintFailedError(detail))


def _job_ids(lpstat_output: str) -> list[str]:
    return [line.split()[0] for line in lpstat_output.splitlines() if line.strip()]


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else ""
