"""Report printing (报告打印): the patient's reports, printed on the A4 printer.

Identification is :class:`PatientFlow`'s (step 1). Once the patient has confirmed who they are,
:class:`ReportsChart` runs the rest (steps 2 and 3):

    state             event                 guard                → target           effects
    ----------------  --------------------  -------------------  -----------------  --------------------------------
    loading (initial) loaded(reports)       something printable  choosing           list; ready ones selected
    loading           loaded(reports)       otherwise            nothing_ready      when to come back
    loading           load_failed(error)                         his_down           try again (Home: the session's)
    his_down          retry                                      loading            the same list asked again
    choosing          pick(report_id)       selectable           choosing           selection toggled
    choosing          page(delta)                                choosing           that page (6; elderly: 4)
    choosing          print_selected        one selected         checking_printer   ask the A4 printer's status
    checking_printer  printer_ready                              printing           first report, "1 of m"
    checking_printer  printer_not_ready                          printer_down       nothing printed, go to the counter
    printer_down      retry                                      checking_printer
    printing          printed(outcome)      more to print        printing           next report, "n of m"
    printing          printed(outcome)      none skipped         done               take them from the tray
    printing          printed(outcome)      otherwise            incomplete         which were printed, which not
    printing          pdf_missing(error)    more to print        printing           skipped (counter); next report
    printing          pdf_missing(error)    otherwise            incomplete
    printing          print_failed(error)                        incomplete         the rest at the counter
    nothing_ready,
    printer_down,
    done, incomplete  ok                                         closed             FlowDone (the goodbye screen)

Back is not offered after identification (nothing before the list to go back to); the
session's Home button cancels from any state, and the session owns the idle timeout and the
card-removed reset. Each report is its own background job: fetch the PDF, write it to a
private temporary file, print it and wait for the printer to finish, then mark it printed in the
HIS; so the progress shows and a failure stops before the next report. Only reports that came
out of the printer are marked printed.

Reprints: a report printed before (the HIS's ``printed`` tag) may be printed once more, as a
copy; it is listed with a "Printed" badge and not selected by default. Marking it printed again
records the copy in the HIS (tag ``printed-copy``, see docs/his-fhir.md); a report with both
tags is listed but cannot be chosen. Nothing about the patient is logged, and the chart forgets
the reports when it closes. Runs on the flow thread; the jobs run on worker threads.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from statemachine import State

from kiosk.config import DeviceRole
from kiosk.devices.errors import PrinterNotReadyError, ReportPrintFailedError
from kiosk.devices.status import DeviceStatus
from kiosk.domain import Patient, Report, ReportStatus
from kiosk.errors import QT_TRANSLATE_NOOP, KioskError
from kiosk.flows.chart import FlowChart, Incoming
from kiosk.flows.context import FlowContext
from kiosk.flows.effects import Effect, RunJob, Show
from kiosk.flows.events import FlowEvent, JobFinished
from kiosk.flows.patient_flow import PatientFlow
from kiosk.flows.service import PAGE_SIZE, FlowDone, Preferences
from kiosk.flows.views import Action, BusyView, ListItem, ListView, MessageView, Step, Text
from kiosk.his.errors import HisError, HisNotFound, HisUnavailable
from kiosk.his.gateway import HisGateway

log = logging.getLogger(__name__)

CHECK_WAIT_S = 15.0  # the printer's fresh status (its command expires after 5 s in the queue)
# How long one report may take: the device command may wait 120 s to start, and the driver
# cancels a CUPS job that has not finished after its job_timeout_s (default 300 s). Waiting that
# long keeps the kiosk from giving up on a job the printer may still print.
PRINT_WAIT_S = 450.0


class Job(StrEnum):
    """Background jobs of this chart (dotted names, so ``match`` compares instead of capturing)."""

    LOAD = "reports.load"
    CHECK = "reports.check_printer"
    PRINT = "reports.print"


class ReportPrinterPort(Protocol):
    """What the chart needs from the DeviceManager (any thread)."""

    def check_printer(self, role: DeviceRole = ..., ttl: float = ...) -> Future[Any]: ...

    def print_report(self, pdf: Path, *, job_id: str, title: str = ..., ttl: float = ...) -> Future[Any]: ...


class PdfMissingError(HisNotFound):
    """The HIS has no PDF for a report it lists as ready (it can only be had at the counter)."""


@dataclass(frozen=True)
class PrintOutcome:
    """One report came out of the printer; ``marked`` is False when the HIS did not record it."""

    report_id: str
    marked: bool


def print_one(
    his: HisGateway,
    printer: ReportPrinterPort,
    report: Report,
    *,
    workdir: Path | None = None,
    wait_s: float = PRINT_WAIT_S,
) -> PrintOutcome:
    """Fetches, prints and marks one report. Blocks: runs on a worker thread.

    Raises PdfMissingError when the HIS has no PDF, HisError when the HIS fails, and
    ReportPrintFailedError when the printer does not print it (then nothing is marked).
    """
    try:
        pdf = his.report_pdf(report)
    except HisNotFound as exc:
        raise PdfMissingError(f"report {report.id} has no PDF") from exc
    copy = report.printed
    job_id = f"{uuid.uuid4().hex[:12]}-{report.id}{'-copy' if copy else ''}"
    # The title goes to the print queue, which staff can list: no report contents in it.
    title = f"report {report.id}{' copy' if copy else ''}"
    fd, name = tempfile.mkstemp(prefix="kiosk-report-", suffix=".pdf", dir=workdir)  # mode 0600
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pdf)
        outcome = printer.print_report(path, job_id=job_id, title=title).result(timeout=wait_s)
    except TimeoutError as exc:
        raise ReportPrintFailedError(f"report job {job_id} did not finish within {wait_s:.0f} s") from exc
    except OSError as exc:
        raise ReportPrintFailedError(f"cannot write the report to a temporary file: {exc.strerror}") from exc
    finally:
        path.unlink(missing_ok=True)  # the PDF carries the patient's name: never left behind
    if not getattr(outcome, "printed", False):
        raise ReportPrintFailedError(f"report job {job_id} was not printed")
    try:
        his.mark_printed(report)
    except HisError as exc:
        # The paper is in the tray, so the patient has it; staff reconcile from this line.
        log.warning(
            "report %s printed (job %s) but not marked printed in the HIS: code %s", report.id, job_id, exc.code
        )
        return PrintOutcome(report.id, marked=False)
    log.info("report %s printed as job %s%s", report.id, job_id, " (copy)" if copy else "")
    return PrintOutcome(report.id, marked=True)


def _local_now() -> datetime:
    return datetime.now().astimezone()


OK = Action("ok", Text(QT_TRANSLATE_NOOP("flows", "OK")), primary=True)
RETRY = Action("retry", Text(QT_TRANSLATE_NOOP("flows", "Try again")), primary=True)
_OK_PLAIN = Action("ok", Text(QT_TRANSLATE_NOOP("flows", "OK")))  # beside a primary "Try again"

_TITLE_REPORTS = Text(QT_TRANSLATE_NOOP("flows", "Your reports"))
_TITLE_PRINTING = Text(QT_TRANSLATE_NOOP("flows", "Printing"))


class ReportsChart(FlowChart):
    loading = State(initial=True)
    his_down = State()
    nothing_ready = State()
    choosing = State()
    checking_printer = State()
    printer_down = State()
    printing = State()
    done = State()
    incomplete = State()
    closed = State(final=True)

    loaded = loading.to(choosing, cond="something_printable") | loading.to(nothing_ready)
    load_failed = loading.to(his_down)
    pick = choosing.to.itself(internal=True, cond="selectable")  # type: ignore[no-untyped-call]
    page = choosing.to.itself(internal=True)  # type: ignore[no-untyped-call]
    print_selected = choosing.to(checking_printer, cond="any_selected")
    printer_ready = checking_printer.to(printing)
    printer_not_ready = checking_printer.to(printer_down)
    retry = his_down.to(loading) | printer_down.to(checking_printer)
    printed = (
        printing.to.itself(cond="more_to_print")  # type: ignore[no-untyped-call]
        | printing.to(done, cond="none_skipped")
        | printing.to(incomplete)
    )
    pdf_missing = printing.to.itself(cond="more_to_print") | printing.to(incomplete)  # type: ignore[no-untyped-call]
    print_failed = printing.to(incomplete)
    ok = nothing_ready.to(closed) | printer_down.to(closed) | done.to(closed) | incomplete.to(closed)

    def __init__(
        self,
        his: HisGateway,
        printer: ReportPrinterPort,
        patient_id: str,
        step: Callable[[int], Step],
        *,
        now: Callable[[], datetime] = _local_now,
        workdir: Path | None = None,
        print_wait_s: float = PRINT_WAIT_S,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._his = his
        self._printer = printer
        self._page_size = page_size
        self._patient_id = patient_id
        self._step = step
        self._now = now
        self._workdir = workdir
        self._print_wait_s = print_wait_s
        self._reports: list[Report] = []
        self._selected: set[str] = set()
        self._page = 0
        self._queue: list[Report] = []  # the reports being printed, in list order
        self._index = 0  # the one printing now
        self._printed: list[Report] = []
        self._not_printed: list[Report] = []
        self._problem_code: int | None = None  # the first failure's code, for staff
        super().__init__()  # enters "loading", which asks the HIS

    # -- routing ---------------------------------------------------------------------------------

    def route(self, event: Incoming) -> tuple[str | None, dict[str, Any]]:
        match event:
            case FlowEvent(name="pick", value=str(report_id)):
                return "pick", {"report_id": report_id}
            case FlowEvent(name="page", value=int(delta)):
                return "page", {"delta": delta}
            case FlowEvent(name="print"):
                return "print_selected", {}
            case FlowEvent(name=("retry" | "ok") as name):
                return name, {}
            case JobFinished(name=Job.LOAD, result=list(reports), error=None):
                return "loaded", {"reports": reports}
            case JobFinished(name=Job.LOAD, error=error):
                return "load_failed", {"error": error}
            case JobFinished(name=Job.CHECK, result=DeviceStatus(usable=True), error=None):
                return "printer_ready", {}
            case JobFinished(name=Job.CHECK, result=result, error=error):
                return "printer_not_ready", {"detail": _status_detail(result, error)}
            case JobFinished(name=Job.PRINT, result=PrintOutcome() as outcome, error=None):
                return "printed", {"outcome": outcome}
            case JobFinished(name=Job.PRINT, error=PdfMissingError() as error):
                return "pdf_missing", {"error": error}
            case JobFinished(name=Job.PRINT, error=error):
                return "print_failed", {"error": error}
        return None, {}

    # -- guards ----------------------------------------------------------------------------------

    def something_printable(self, reports: list[Report]) -> bool:
        return any(_selectable(r) for r in reports)

    def selectable(self, report_id: str) -> bool:
        return any(r.id == report_id and _selectable(r) for r in self._reports)

    def any_selected(self) -> bool:
        return bool(self._selected)

    def more_to_print(self) -> bool:
        return self._index + 1 < len(self._queue)

    def none_skipped(self) -> bool:
        return not self._not_printed

    # -- loading ---------------------------------------------------------------------------------

    def on_enter_loading(self) -> None:
        his, patient_id = self._his, self._patient_id
        body = Text(QT_TRANSLATE_NOOP("flows", "Looking for your reports…"))
        self.emit(Show(BusyView(self._step(2), _TITLE_REPORTS, can_go_back=False, body=body)))
        self.emit(RunJob(Job.LOAD, lambda: his.reports(patient_id)))

    def on_loaded(self, reports: list[Report]) -> None:
        self._reports = [r for r in reports if r.status is not ReportStatus.CANCELLED]
        # Every report ready and never printed is selected; a copy is the patient's choice.
        self._selected = {r.id for r in self._reports if _selectable(r) and not r.printed}
        self._page = 0
        ready = sum(r.status is ReportStatus.READY for r in self._reports)
        log.info("reports listed: %s, %s ready, %s selected", len(self._reports), ready, len(self._selected))

    def on_load_failed(self, error: BaseException) -> None:
        self._problem_code = _code(error, HisUnavailable.code)
        log.warning("reports: the HIS did not list the reports: %s", type(error).__name__)

    def on_enter_his_down(self) -> None:
        body = Text(
            QT_TRANSLATE_NOOP(
                "flows",
                "The hospital system is not answering, so your reports cannot be shown right now. "
                "Try again, or go to the counter if it keeps failing.",
            )
        )
        view = MessageView(
            self._step(2),
            Text(QT_TRANSLATE_NOOP("flows", "Please wait")),
            (RETRY,),
            can_go_back=False,
            body=body,
            tone="warning",
            code=self._problem_code,
        )
        self.emit(Show(view))

    def on_enter_nothing_ready(self) -> None:
        view = MessageView(
            self._step(2),
            Text(QT_TRANSLATE_NOOP("flows", "No reports to print")),
            (OK,),
            can_go_back=False,
            body=self._nothing_ready_text(),
        )
        self.emit(Show(view))

    def _nothing_ready_text(self) -> Text:
        pending = [r for r in self._reports if r.status is ReportStatus.PENDING]
        if pending:
            now = self._now()
            expected = sorted(r.ready_at for r in pending if r.ready_at is not None and _later(r.ready_at, now))
            if expected:
                return Text(
                    QT_TRANSLATE_NOOP(
                        "flows",
                        "None of your reports is ready yet. The first is expected at %1; please come back then.",
                    ),
                    (_when(expected[0], now),),
                )
            return Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "None of your reports is ready yet. Please come back later, or ask at the counter when "
                    "they will be ready.",
                )
            )
        if self._reports:
            return Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "Your reports have been printed already, or can only be collected at the counter. "
                    "Please ask at the counter.",
                )
            )
        return Text(
            QT_TRANSLATE_NOOP(
                "flows", "There are no reports for you yet. They are listed here once the doctor has issued them."
            )
        )

    # -- choosing --------------------------------------------------------------------------------

    def on_enter_choosing(self) -> None:
        self._show_list()

    def on_pick(self, report_id: str) -> None:
        self._selected.symmetric_difference_update({report_id})
        self._show_list()

    def on_page(self, delta: int) -> None:
        self._page = max(0, min(self._pages() - 1, self._page + delta))
        self._show_list()

    def _pages(self) -> int:
        return max(1, math.ceil(len(self._reports) / self._page_size))

    def _show_list(self) -> None:
        now = self._now()
        shown = self._reports[self._page * self._page_size : (self._page + 1) * self._page_size]
        items = tuple(_item(r, r.id in self._selected, now) for r in shown)
        count = len(self._selected)
        # The button says how many will print; no separate summary line (room for the rows).
        label = Text(QT_TRANSLATE_NOOP("flows", "Print (%1)"), (str(count),))
        view = ListView(
            self._step(2),
            Text(QT_TRANSLATE_NOOP("flows", "Choose the reports to print")),
            (Action("print", label, primary=True),) if count else (),
            can_go_back=False,
            items=items,
            multi=True,
            page=self._page,
            pages=self._pages(),
        )
        self.emit(Show(view))

    def on_print_selected(self) -> None:
        self._queue = [r for r in self._reports if r.id in self._selected]
        self._index = 0
        self._printed, self._not_printed = [], []
        self._problem_code = None

    # -- the printer -----------------------------------------------------------------------------

    def on_enter_checking_printer(self) -> None:
        printer = self._printer
        body = Text(QT_TRANSLATE_NOOP("flows", "Checking the printer…"))
        self.emit(Show(BusyView(self._step(3), _TITLE_PRINTING, can_go_back=False, body=body)))
        self.emit(
            RunJob(Job.CHECK, lambda: printer.check_printer(DeviceRole.REPORT_PRINTER).result(timeout=CHECK_WAIT_S))
        )

    def on_printer_not_ready(self, detail: str) -> None:
        log.warning("reports: the A4 printer is not ready: %s", detail)

    def on_enter_printer_down(self) -> None:
        body = Text(
            QT_TRANSLATE_NOOP(
                "flows",
                "The report printer is not ready, so nothing was printed. Please collect your reports at the counter.",
            )
        )
        view = MessageView(
            self._step(3),
            Text(QT_TRANSLATE_NOOP("flows", "The printer is not available")),
            (RETRY, _OK_PLAIN),
            can_go_back=False,
            body=body,
            tone="error",
            code=PrinterNotReadyError.code,
        )
        self.emit(Show(view))

    def on_enter_printing(self) -> None:
        his, printer, report = self._his, self._printer, self._queue[self._index]
        workdir, wait_s = self._workdir, self._print_wait_s
        body = Text(QT_TRANSLATE_NOOP("flows", "Printing your reports…"))
        # progress: the report printing now, of all chosen ("1 of 2" while the first prints)
        progress = (self._index + 1, len(self._queue))
        self.emit(Show(BusyView(self._step(3), _TITLE_PRINTING, can_go_back=False, body=body, progress=progress)))
        self.emit(RunJob(Job.PRINT, lambda: print_one(his, printer, report, workdir=workdir, wait_s=wait_s)))

    def on_printed(self, outcome: PrintOutcome) -> None:
        self._printed.append(self._queue[self._index])
        self._index += 1

    def on_pdf_missing(self, error: BaseException) -> None:
        log.warning("reports: report %s has no PDF in the HIS; skipped", self._queue[self._index].id)
        self._not_printed.append(self._queue[self._index])
        self._problem_code = self._problem_code or _code(error, HisNotFound.code)
        self._index += 1

    def on_print_failed(self, error: BaseException) -> None:
        rest = self._queue[self._index :]
        log.warning(
            "reports: printing stopped at report %s of %s (%s); %s not printed",
            self._index + 1,
            len(self._queue),
            type(error).__name__,
            len(rest),
        )
        self._not_printed.extend(rest)
        self._problem_code = self._problem_code or _code(error, ReportPrintFailedError.code)
        self._index = len(self._queue)

    # -- the end ---------------------------------------------------------------------------------

    def on_enter_done(self) -> None:
        body = Text(QT_TRANSLATE_NOOP("flows", "Please take your reports from the tray below."))
        title = Text(QT_TRANSLATE_NOOP("flows", "Your reports are printed"))
        self.emit(Show(MessageView(self._step(3), title, (OK,), can_go_back=False, body=body)))

    def on_enter_incomplete(self) -> None:
        not_printed = _titles(self._not_printed)
        if self._printed:
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "Printed: %1. Please take them from the tray below. Not printed: %2. "
                    "Please collect those at the counter.",
                ),
                (_titles(self._printed), not_printed),
            )
            title, tone = Text(QT_TRANSLATE_NOOP("flows", "Some reports were not printed")), "warning"
        else:
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows", "Your reports could not be printed: %1. Please collect them at the counter."
                ),
                (not_printed,),
            )
            title, tone = Text(QT_TRANSLATE_NOOP("flows", "Nothing was printed")), "error"
        view = MessageView(
            self._step(3), title, (OK,), can_go_back=False, body=body, tone=tone, code=self._problem_code
        )
        self.emit(Show(view))

    def on_enter_closed(self) -> None:
        # The patient's reports are not kept once the flow has ended.
        self._reports, self._queue, self._printed, self._not_printed = [], [], [], []
        self._selected = set()
        self.emit(FlowDone())

    # -- for tests and the tour ------------------------------------------------------------------

    @property
    def printed_ids(self) -> list[str]:
        return [r.id for r in self._printed]

    @property
    def not_printed_ids(self) -> list[str]:
        return [r.id for r in self._not_printed]

    @property
    def holds_patient_data(self) -> bool:
        return bool(self._reports or self._queue or self._printed or self._not_printed or self._selected)


class ReportsFlow(PatientFlow):
    """Identify, then :class:`ReportsChart`. One per session; the session drops it at the end."""

    service = "reports"
    steps = 3  # identify; choose; print

    def __init__(
        self,
        context: FlowContext,
        preferences: Preferences | None = None,
        *,
        now: Callable[[], datetime] = _local_now,
        workdir: Path | None = None,
        print_wait_s: float = PRINT_WAIT_S,
    ) -> None:
        super().__init__(context, preferences)
        self._now = now
        self._workdir = workdir
        self._print_wait_s = print_wait_s
        self.chart: ReportsChart | None = None

    def after_identify(self, patient: Patient) -> Sequence[Effect]:
        self.chart = ReportsChart(
            self.context.his,
            self.context.devices,
            patient.id,
            self.step,
            now=self._now,
            workdir=self._workdir,
            print_wait_s=self._print_wait_s,
            page_size=self.preferences.page_size,
        )
        return self.chart.take()


# -- helpers -------------------------------------------------------------------------------------


def _selectable(report: Report) -> bool:
    """Ready with a PDF, and printed at most once before (then this print is its one copy)."""
    return report.status is ReportStatus.READY and report.has_pdf and not report.copy_printed


def _later(moment: datetime, now: datetime) -> bool:
    if moment.tzinfo is None or now.tzinfo is None:
        return moment.replace(tzinfo=None) > now.replace(tzinfo=None)
    return moment > now


def _when(moment: datetime, now: datetime) -> str:
    """A time as the hospital's clock shows it: "14:30" today, "2024-05-02 14:30" on another day."""
    today = (now.astimezone(moment.tzinfo) if moment.tzinfo is not None and now.tzinfo is not None else now).date()
    return moment.strftime("%H:%M") if moment.date() == today else moment.strftime("%Y-%m-%d %H:%M")


def _item(report: Report, selected: bool, now: datetime) -> ListItem:
    title = Text("%1", (report.title,))  # the HIS's own name of the report, shown as it is
    if report.status is not ReportStatus.READY:
        if report.ready_at is not None and _later(report.ready_at, now):
            detail = Text(QT_TRANSLATE_NOOP("flows", "Expected at %1"), (_when(report.ready_at, now),))
        else:
            detail = Text(QT_TRANSLATE_NOOP("flows", "Expected time not known yet"))
        badge = Text(QT_TRANSLATE_NOOP("flows", "Not ready yet"))
        return ListItem(report.id, title, detail, badge, selected=False, enabled=False)
    if not report.has_pdf:
        detail = Text(QT_TRANSLATE_NOOP("flows", "Collect it at the counter"))
        badge = Text(QT_TRANSLATE_NOOP("flows", "At the counter"))
        return ListItem(report.id, title, detail, badge, selected=False, enabled=False)
    if report.copy_printed:
        detail = Text(QT_TRANSLATE_NOOP("flows", "More copies at the counter"))
        return ListItem(report.id, title, detail, _PRINTED, selected=False, enabled=False)
    if report.printed:
        detail = Text(QT_TRANSLATE_NOOP("flows", "You may print one copy"))
        return ListItem(report.id, title, detail, _PRINTED, selected=selected)
    if report.ready_at is not None:
        detail = Text(QT_TRANSLATE_NOOP("flows", "Ready since %1"), (_when(report.ready_at, now),))
    else:
        detail = Text(QT_TRANSLATE_NOOP("flows", "Ready"))
    return ListItem(report.id, title, detail, selected=selected)


_PRINTED = Text(QT_TRANSLATE_NOOP("flows", "Printed"))


def _titles(reports: Sequence[Report]) -> str:
    return ", ".join(r.title for r in reports)


def _code(error: BaseException | None, default: int) -> int:
    return error.code if isinstance(error, KioskError) else default


def _status_detail(result: object, error: BaseException | None) -> str:
    """A technician's sentence about the printer (never patient data)."""
    if error is not None:
        return f"{type(error).__name__}: {error}"
    if isinstance(result, DeviceStatus):
        return result.describe()
    return f"unexpected status answer {type(result).__name__}"
