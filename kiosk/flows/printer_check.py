"""The receipt printer as the flows use it: the check a flow makes before it acts (check-in
before printing a ticket, payment before taking money) — a fresh status on a worker thread, and
its verdict as the event the chart routes, ``printer_ready`` or ``printer_unusable`` with the
status or the error — and printing a ticket or receipt so that it is kept for reprint."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Protocol

from kiosk.devices.jobs import PrintJobStore
from kiosk.devices.receipt import Receipt
from kiosk.devices.status import DeviceStatus
from kiosk.flows.effects import RunJob

PRINTER_STATUS_TTL_S = 5.0  # a status request older than this is dropped, not answered late
PRINTER_STATUS_WAIT_S = 8.0
PRINT_TTL_S = 20.0  # a ticket that has not started printing by then is not printed at all
PRINT_WAIT_S = 30.0


class ReceiptPrinterStatus(Protocol):
    def check_printer(self, *, ttl: float = ...) -> Future[Any]:
        """A fresh DeviceStatus of the receipt printer."""
        ...


class TicketPrinter(ReceiptPrinterStatus, Protocol):
    """What the flows need from the devices (the DeviceManager; a script in tests). Any thread."""

    @property
    def print_jobs(self) -> PrintJobStore: ...

    def print_receipt(self, receipt: Receipt, *, job_id: str, ttl: float = ...) -> Future[Any]:
        """A PrintOutcome once printed; fails (the job kept for reprint) otherwise."""
        ...


def print_kept(printer: TicketPrinter, receipt: Receipt, job_id: str) -> Any:
    """Records the receipt as a print job first, so it is kept for reprint whatever happens next,
    then prints it. Worker thread."""
    printer.print_jobs.add(job_id, receipt)
    return printer.print_receipt(receipt, job_id=job_id, ttl=PRINT_TTL_S).result(timeout=PRINT_WAIT_S)


def check_receipt_printer(job_name: str, printer: ReceiptPrinterStatus) -> RunJob:
    return RunJob(
        job_name, lambda: printer.check_printer(ttl=PRINTER_STATUS_TTL_S).result(timeout=PRINTER_STATUS_WAIT_S)
    )


def printer_verdict(result: Any, error: BaseException | None) -> tuple[str, dict[str, Any]]:
    """The chart event for the check's outcome; no answer or an error counts as unusable."""
    if error is None and isinstance(result, DeviceStatus) and result.usable:
        return "printer_ready", {}
    return "printer_unusable", {"status": result if isinstance(result, DeviceStatus) else None, "error": error}
