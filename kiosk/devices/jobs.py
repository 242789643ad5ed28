"""Receipt print jobs kept until printed, so a receipt that could not print is never lost.

:class:`PrintJobStore` is the port; :class:`InMemoryPrintJobStore` is the implementation used
until the SQLite journal (a later issue) provides a durable one with the same methods. Jobs
hold the receipt model (the patient is already masked there), never rendered bytes.
Thread-safe: the printer's owner thread writes, the admin screen reads.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from kiosk.devices.receipt import Receipt


class PrintJobState(StrEnum):
    PENDING = "pending"  # recorded, not yet attempted or in progress
    PRINTED = "printed"
    FAILED = "failed"  # kept for reprint


@dataclass(frozen=True)
class PrintJob:
    job_id: str
    receipt: Receipt
    state: PrintJobState
    created_at: float  # wall-clock seconds
    attempts: int = 0
    last_error: str = ""


class PrintJobStore(Protocol):
    def add(self, job_id: str, receipt: Receipt) -> PrintJob:
        """Record a job before printing; an existing job with the same id is returned unchanged."""
        ...

    def get(self, job_id: str) -> PrintJob | None: ...
    def mark_attempt(self, job_id: str) -> None: ...
    def mark_printed(self, job_id: str) -> None: ...
    def mark_failed(self, job_id: str, reason: str) -> None: ...
    def unprinted(self) -> list[PrintJob]:
        """Jobs still to print (pending or failed), oldest first."""
        ...


class InMemoryPrintJobStore:
    """Process-lifetime store; replace with the journal-backed store for power-loss safety."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, PrintJob] = {}

    def add(self, job_id: str, receipt: Receipt) -> PrintJob:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                job = PrintJob(job_id, receipt, PrintJobState.PENDING, time.time())
                self._jobs[job_id] = job
            return job

    def get(self, job_id: str) -> PrintJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _update(self, job_id: str, **changes: object) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise KeyError(job_id)
            self._jobs[job_id] = replace(job, **changes)  # type: ignore[arg-type]

    def mark_attempt(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs[job_id]
            self._jobs[job_id] = replace(job, attempts=job.attempts + 1)

    def mark_printed(self, job_id: str) -> None:
        self._update(job_id, state=PrintJobState.PRINTED, last_error="")

    def mark_failed(self, job_id: str, reason: str) -> None:
        self._update(job_id, state=PrintJobState.FAILED, last_error=reason)

    def unprinted(self) -> list[PrintJob]:
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.state is not PrintJobState.PRINTED]
        return sorted(jobs, key=lambda j: j.created_at)
