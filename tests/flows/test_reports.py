"""Report printing: every transition and failure path of the chart with a scripted HIS and
printer (no Qt), then through the real screens with the HIS simulator and the demo's A4 printer
(which files each PDF in a folder)."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from PySide6.QtCore import QLocale, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from kiosk.app import Kiosk, build_kiosk
from kiosk.config import Config, DeviceRole, load_config
from kiosk.demo_people import DEMO_PEOPLE
from kiosk.devices.errors import DeviceUnavailableError, ReportPrintFailedError
from kiosk.devices.events import CardRemoved, IdCardRead
from kiosk.devices.report_printer import ReportOutcome
from kiosk.devices.status import READY, DeviceState, DeviceStatus, StatusFlag
from kiosk.domain import Identifier, IdentifierKind, Patient, Report, ReportKind, ReportStatus
from kiosk.flows.chart import Incoming
from kiosk.flows.context import FlowContext
from kiosk.flows.effects import Effect, RunJob, Show
from kiosk.flows.events import FlowEvent, HomeRequested, JobFinished
from kiosk.flows.reports import Job, PrintOutcome, ReportsChart, ReportsFlow
from kiosk.flows.service import ELDERLY_PAGE_SIZE, FlowAbandoned, FlowDone
from kiosk.flows.views import BusyView, GoodbyeView, HomeView, IdentifyView, ListView, MessageView, Step, View
from kiosk.his.errors import HisNotFound, HisUnavailable
from kiosk.his.simulator import Fault
from kiosk.services import Services, build_services
from kiosk.ui.screens.flow import ListScreen
from tests.flows import drive
from tests.flows.conftest import Patient as PatientHands
from tests.flows.test_identify import CARD, _config_stub

TZ = timezone(timedelta(hours=8))
NOW = datetime(2024, 5, 1, 10, 0, tzinfo=TZ)
PDF = b"%PDF-1.4 a report\n%%EOF\n"


def report(rid: str, title: str = "", status: ReportStatus = ReportStatus.READY, **kw: Any) -> Report:
    kw.setdefault("has_pdf", status is ReportStatus.READY)
    kw.setdefault("ready_at", NOW - timedelta(hours=1))
    return Report(rid, "p1", ReportKind.LAB, title or f"检验 {rid}", status, **kw)


@dataclass
class ScriptedHis:
    """Lists ``listed`` (or raises the next of ``list_errors``); PDFs and marks per report id."""

    listed: list[Report] = field(default_factory=list)
    list_errors: list[Exception] = field(default_factory=list)
    pdf_errors: dict[str, Exception] = field(default_factory=dict)
    mark_errors: dict[str, Exception] = field(default_factory=dict)
    asked_for: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)
    marked: list[Report] = field(default_factory=list)

    def reports(self, patient_id: str) -> list[Report]:
        self.asked_for.append(patient_id)
        if self.list_errors:
            raise self.list_errors.pop(0)
        return list(self.listed)

    def report_pdf(self, r: Report) -> bytes:
        self.fetched.append(r.id)
        if r.id in self.pdf_errors:
            raise self.pdf_errors[r.id]
        return PDF + r.id.encode()

    def mark_printed(self, r: Report) -> Report:
        if r.id in self.mark_errors:
            raise self.mark_errors[r.id]
        self.marked.append(r)
        return r

    def find_patient(self, identifier: Identifier) -> Patient:
        return Patient(id="p1", name="王小明")


@dataclass
class ScriptedPrinter:
    """An A4 printer: a status (or an error) for checks; prints succeed unless told otherwise."""

    status: DeviceStatus = READY
    check_error: Exception | None = None
    fail_at: dict[int, Exception] = field(default_factory=dict)  # print number (0-based) -> error
    hang: bool = False  # the job never finishes
    printed: list[tuple[str, str, bytes]] = field(default_factory=list)  # job id, title, bytes
    files: list[Path] = field(default_factory=list)
    checks: int = 0

    def check_printer(self, role: DeviceRole = DeviceRole.RECEIPT_PRINTER, ttl: float = 5.0) -> Future[Any]:
        assert role is DeviceRole.REPORT_PRINTER
        self.checks += 1
        future: Future[Any] = Future()
        if self.check_error is not None:
            future.set_exception(self.check_error)
        else:
            future.set_result(self.status)
        return future

    def print_report(self, pdf: Path, *, job_id: str, title: str = "report", ttl: float = 120.0) -> Future[Any]:
        number = len(self.files)  # attempts so far
        self.files.append(pdf)
        future: Future[Any] = Future()
        if self.hang:
            return future
        error = self.fail_at.get(number)
        if error is not None:
            future.set_exception(error)
        else:
            self.printed.append((job_id, title, pdf.read_bytes()))
            future.set_result(ReportOutcome(job_id, True, "tray"))
        return future


def run_jobs(chart: ReportsChart | ReportsFlow, effects: Sequence[Effect], held: Job | None = None) -> list[Effect]:
    """All jobs but a ``held`` one run (that one stays among the effects, not yet answered)."""
    return drive.run_jobs(chart, effects, hold=lambda job: job.name == held)


def views(effects: Sequence[Effect]) -> list[View]:
    return [e.view for e in effects if isinstance(e, Show)]


def last_view(effects: Sequence[Effect]) -> View:
    shown = views(effects)
    assert shown, effects
    return shown[-1]


@dataclass
class World:
    his: ScriptedHis
    printer: ScriptedPrinter
    chart: ReportsChart
    first: list[Effect]
    workdir: Path

    def send(self, event: Incoming, held: Job | None = None) -> list[Effect]:
        return run_jobs(self.chart, self.chart.handle(event), held)

    def tap(self, name: str, value: object = None, held: Job | None = None) -> list[Effect]:
        return self.send(FlowEvent(name, value), held)


@pytest.fixture
def world(tmp_path: Path) -> Callable[..., World]:
    def make(
        listed: list[Report], his: ScriptedHis | None = None, printer: ScriptedPrinter | None = None, **kw: Any
    ) -> World:
        his = his or ScriptedHis()
        his.listed = listed
        printer = printer or ScriptedPrinter()
        workdir = tmp_path / "work"
        workdir.mkdir(exist_ok=True)
        chart = ReportsChart(
            his,  # type: ignore[arg-type]
            printer,
            "p1",
            lambda i: Step("reports", i, 3),
            now=lambda: NOW,
            workdir=workdir,
            **kw,
        )
        return World(his, printer, chart, run_jobs(chart, chart.take()), workdir)

    return make


TWO = [report("r1", "血常规"), report("r2", "胸部X线")]


# -- loading and the list -------------------------------------------------------------------------


def test_loading_shows_a_spinner_then_the_list_with_ready_reports_selected(world: Callable[..., World]) -> None:
    listed = [
        report("ready", "血常规"),
        report("soon", "尿常规", ReportStatus.PENDING, ready_at=NOW + timedelta(hours=3)),
        report("tomorrow", "肝功能", ReportStatus.PENDING, ready_at=NOW + timedelta(days=1, hours=1)),
        report("unknown", "病理", ReportStatus.PENDING, ready_at=None),
        report("late", "血脂", ReportStatus.PENDING, ready_at=NOW - timedelta(days=1)),
        report("printed", "胸部X线", printed=True),
    ]
    w = world(listed, page_size=ELDERLY_PAGE_SIZE)
    busy, shown = views(w.first)
    assert isinstance(busy, BusyView)
    assert busy.step == Step("reports", 2, 3)
    assert not busy.can_go_back
    assert w.his.asked_for == ["p1"]
    assert isinstance(shown, ListView)
    assert shown.multi
    assert (shown.page, shown.pages) == (0, 2)  # four a page (elderly mode)
    second = last_view(w.tap("page", 1))
    assert isinstance(second, ListView)
    items = {i.id: i for i in (*shown.items, *second.items)}
    assert len(items) == 6
    assert items["ready"].selected
    assert items["ready"].enabled
    assert items["ready"].title.args == ("血常规",)
    assert items["ready"].detail.source == "Ready since %1"
    assert items["ready"].detail.args == ("09:00",)
    for rid, expected in (("soon", ("13:00",)), ("tomorrow", ("2024-05-02 11:00",))):
        assert not items[rid].enabled
        assert not items[rid].selected
        assert items[rid].detail.source == "Expected at %1"
        assert items[rid].detail.args == expected
        assert items[rid].badge is not None
        assert items[rid].badge.source == "Not ready yet"
    for rid in ("unknown", "late"):  # an expected time already past is no help to the patient
        assert not items[rid].enabled
        assert items[rid].detail.source == "Expected time not known yet"
    assert items["printed"].enabled
    assert not items["printed"].selected
    assert items["printed"].badge is not None
    assert items["printed"].badge.source == "Printed"
    assert [a.id for a in shown.actions] == ["print"]
    assert shown.actions[0].label.args == ("1",)  # "Print (1)": how many will print


def test_a_report_whose_copy_was_printed_or_without_pdf_cannot_be_chosen(world: Callable[..., World]) -> None:
    w = world([report("r1"), report("copied", printed=True, copy_printed=True), report("nopdf", has_pdf=False)])
    shown = last_view(w.first)
    assert isinstance(shown, ListView)
    items = {i.id: i for i in shown.items}
    assert not items["copied"].enabled
    assert items["copied"].badge is not None
    assert items["copied"].badge.source == "Printed"
    assert not items["nopdf"].enabled
    assert items["nopdf"].badge is not None
    assert items["nopdf"].badge.source == "At the counter"
    assert w.tap("pick", "copied") == []  # refused by the guard: nothing changes
    assert w.tap("pick", "nopdf") == []
    assert w.chart.current_state_value == "choosing"


def test_picking_toggles_and_printing_needs_a_selection(world: Callable[..., World]) -> None:
    w = world([*TWO, report("old", printed=True)])
    shown = last_view(w.tap("pick", "r1"))
    assert isinstance(shown, ListView)
    assert [i.selected for i in shown.items] == [False, True, False]
    shown = last_view(w.tap("pick", "r2"))
    assert isinstance(shown, ListView)
    assert shown.actions == ()  # nothing selected: no Print button
    assert w.tap("print") == []  # and the event is refused
    assert w.chart.current_state_value == "choosing"
    shown = last_view(w.tap("pick", "old"))
    assert isinstance(shown, ListView)
    assert [i.selected for i in shown.items] == [False, False, True]
    w.tap("print")
    assert w.chart.current_state_value == "done"
    assert [r.id for r in w.his.marked] == ["old"]
    assert w.his.marked[0].printed  # marked as the listed (printed) report: the HIS records a copy
    assert w.printer.printed[0][1] == "report old copy"


def test_unknown_picks_and_stray_events_are_ignored(world: Callable[..., World]) -> None:
    w = world(TWO)
    assert w.tap("pick", "nope") == []
    assert w.tap("pick", 3) == []
    assert w.tap("retry") == []
    assert w.tap("ok") == []
    assert w.send(JobFinished(Job.PRINT, 1, result=PrintOutcome("r1", True))) == []
    assert w.chart.current_state_value == "choosing"


def test_more_than_six_reports_are_paged(world: Callable[..., World]) -> None:
    shown = last_view(world([report(f"r{n:02d}") for n in range(10)]).first)
    assert isinstance(shown, ListView)
    assert (len(shown.items), shown.page, shown.pages) == (6, 0, 2)


def test_more_than_four_reports_are_paged_in_elderly_mode(world: Callable[..., World]) -> None:
    w = world([report(f"r{n:02d}") for n in range(10)], page_size=ELDERLY_PAGE_SIZE)
    shown = last_view(w.first)
    assert isinstance(shown, ListView)
    assert (len(shown.items), shown.page, shown.pages) == (4, 0, 3)
    shown = last_view(w.tap("page", 1))
    assert isinstance(shown, ListView)
    assert shown.page == 1
    assert [i.id for i in shown.items] == [f"r{n:02d}" for n in range(4, 8)]
    shown = last_view(w.tap("page", 1))
    assert isinstance(shown, ListView)
    assert [i.id for i in shown.items] == ["r08", "r09"]
    shown = last_view(w.tap("page", 1))  # past the end: stays on the last page
    assert isinstance(shown, ListView)
    assert shown.page == 2
    shown = last_view(w.tap("page", -5))
    assert isinstance(shown, ListView)
    assert shown.page == 0
    assert shown.actions[0].label.args == ("10",)  # the selection spans pages


# -- nothing to print ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("listed", "source", "args"),
    [
        (
            [report("p", status=ReportStatus.PENDING, ready_at=NOW + timedelta(minutes=90))],
            "None of your reports is ready yet. The first is expected at %1; please come back then.",
            ("11:30",),
        ),
        (
            [report("p", status=ReportStatus.PENDING, ready_at=None)],
            "None of your reports is ready yet. Please come back later, or ask at the counter when they will be ready.",
            (),
        ),
        (
            [report("c", printed=True, copy_printed=True), report("n", has_pdf=False)],
            "Your reports have been printed already, or can only be collected at the counter. "
            "Please ask at the counter.",
            (),
        ),
        (
            [],
            "There are no reports for you yet. They are listed here once the doctor has issued them.",
            (),
        ),
    ],
)
def test_nothing_ready_says_when_to_come_back(
    world: Callable[..., World], listed: list[Report], source: str, args: tuple[str, ...]
) -> None:
    w = world(listed)
    shown = last_view(w.first)
    assert isinstance(shown, MessageView)
    assert w.chart.current_state_value == "nothing_ready"
    assert (shown.body.source, shown.body.args) == (source, args)
    assert [a.id for a in shown.actions] == ["ok"]
    assert w.tap("ok") == [FlowDone()]


# -- the HIS down while listing --------------------------------------------------------------------


def test_his_down_while_loading_offers_a_retry(world: Callable[..., World]) -> None:
    w = world(TWO, his=ScriptedHis(list_errors=[HisUnavailable("down")]))
    shown = last_view(w.first)
    assert isinstance(shown, MessageView)
    assert w.chart.current_state_value == "his_down"
    assert shown.code == HisUnavailable.code
    assert [a.id for a in shown.actions] == ["retry"]  # Home is the session's own button
    shown = last_view(w.tap("retry"))
    assert isinstance(shown, ListView)
    assert w.his.asked_for == ["p1", "p1"]


# -- the printer -----------------------------------------------------------------------------------


def test_happy_path_prints_one_at_a_time_with_progress_then_done(world: Callable[..., World]) -> None:
    w = world(TWO)
    effects = w.tap("print")
    shown = views(effects)
    assert isinstance(shown[0], BusyView)
    assert shown[0].step == Step("reports", 3, 3)  # checking the printer
    progress = [v.progress for v in shown if isinstance(v, BusyView) and v.progress is not None]
    assert progress == [(1, 2), (2, 2)]
    done = shown[-1]
    assert isinstance(done, MessageView)
    assert done.body.source == "Please take your reports from the tray below."
    assert [a.id for a in done.actions] == ["ok"]
    assert w.printer.checks == 1
    assert [p[2] for p in w.printer.printed] == [PDF + b"r1", PDF + b"r2"]
    assert all(p[1].startswith("report r") and "copy" not in p[1] for p in w.printer.printed)  # no titles
    assert [r.id for r in w.his.marked] == ["r1", "r2"]
    assert list(w.workdir.iterdir()) == []  # the temporary PDFs are gone
    assert w.chart.printed_ids == ["r1", "r2"]
    assert w.tap("ok") == [FlowDone()]
    assert not w.chart.holds_patient_data


def test_each_report_is_its_own_job(world: Callable[..., World]) -> None:
    w = world(TWO)
    effects = w.tap("print", held=Job.PRINT)
    jobs = [e for e in effects if isinstance(e, RunJob)]
    assert [j.name for j in jobs] == [Job.PRINT]
    assert w.printer.printed == []  # nothing printed before the job runs
    effects = w.send(JobFinished(Job.PRINT, 1, result=jobs[0].call()), held=Job.PRINT)
    assert len(w.printer.printed) == 1
    assert [e.name for e in effects if isinstance(e, RunJob)] == [Job.PRINT]
    assert w.tap("print") == []  # a second tap while printing does nothing
    assert w.tap("pick", "r1") == []


@pytest.mark.parametrize(
    "printer",
    [
        ScriptedPrinter(status=DeviceStatus(DeviceState.ERROR, frozenset({StatusFlag.OFFLINE}), "queue disabled")),
        ScriptedPrinter(status=DeviceStatus(DeviceState.DISCONNECTED, detail="lpstat: no such queue")),
        ScriptedPrinter(check_error=DeviceUnavailableError("no report_printer configured")),
        ScriptedPrinter(check_error=TimeoutError()),
    ],
)
def test_printer_not_ready_prints_nothing_and_points_to_the_counter(
    world: Callable[..., World], printer: ScriptedPrinter
) -> None:
    w = world(TWO, printer=printer)
    shown = last_view(w.tap("print"))
    assert isinstance(shown, MessageView)
    assert w.chart.current_state_value == "printer_down"
    assert shown.tone == "error"
    assert shown.code == 3100
    assert "nothing was printed" in shown.body.source
    assert "counter" in shown.body.source
    assert [a.id for a in shown.actions] == ["retry", "ok"]
    assert w.printer.printed == []
    assert w.his.fetched == []
    assert w.his.marked == []
    assert w.tap("ok") == [FlowDone()]


def test_printer_back_after_a_retry(world: Callable[..., World]) -> None:
    w = world(TWO, printer=ScriptedPrinter(status=DeviceStatus(DeviceState.ERROR, detail="x")))
    w.tap("print")
    w.printer.status = DeviceStatus(DeviceState.WARNING, frozenset({StatusFlag.PAPER_NEAR_END}))
    w.tap("retry")
    assert w.chart.current_state_value == "done"
    assert w.printer.checks == 2
    assert len(w.his.marked) == 2


def test_a_job_failing_midway_marks_only_the_printed_ones(world: Callable[..., World]) -> None:
    printer = ScriptedPrinter(fail_at={1: ReportPrintFailedError("the job was cancelled or aborted by CUPS")})
    w = world([*TWO, report("r3", "肝功能")], printer=printer)
    shown = last_view(w.tap("print"))
    assert isinstance(shown, MessageView)
    assert w.chart.current_state_value == "incomplete"
    assert [r.id for r in w.his.marked] == ["r1"]
    assert w.his.fetched == ["r1", "r2"]  # stopped: r3 was never sent to a failing printer
    assert shown.body.args == ("血常规", "胸部X线, 肝功能")
    assert shown.title.source == "Some reports were not printed"
    assert shown.tone == "warning"
    assert shown.code == ReportPrintFailedError.code
    assert list(w.workdir.iterdir()) == []
    assert w.tap("ok") == [FlowDone()]


def test_the_first_job_failing_prints_nothing(world: Callable[..., World]) -> None:
    w = world(TWO, printer=ScriptedPrinter(fail_at={0: ReportPrintFailedError("lp failed")}))
    shown = last_view(w.tap("print"))
    assert isinstance(shown, MessageView)
    assert shown.title.source == "Nothing was printed"
    assert shown.tone == "error"
    assert shown.body.args == ("血常规, 胸部X线",)
    assert w.his.marked == []


def test_a_job_that_never_finishes_counts_as_failed(world: Callable[..., World]) -> None:
    w = world(TWO, printer=ScriptedPrinter(hang=True), print_wait_s=0.01)
    shown = last_view(w.tap("print"))
    assert isinstance(shown, MessageView)
    assert w.chart.current_state_value == "incomplete"
    assert shown.code == ReportPrintFailedError.code
    assert w.his.marked == []
    assert list(w.workdir.iterdir()) == []


def test_his_down_while_fetching_a_pdf_stops_printing(world: Callable[..., World]) -> None:
    w = world(TWO, his=ScriptedHis(pdf_errors={"r2": HisUnavailable("down")}))
    shown = last_view(w.tap("print"))
    assert isinstance(shown, MessageView)
    assert w.chart.not_printed_ids == ["r2"]
    assert shown.code == HisUnavailable.code
    assert [r.id for r in w.his.marked] == ["r1"]


@pytest.mark.parametrize(("missing", "printed"), [("r1", ["r2", "r3"]), ("r3", ["r1", "r2"])])
def test_a_missing_pdf_is_skipped_and_named(world: Callable[..., World], missing: str, printed: list[str]) -> None:
    w = world([*TWO, report("r3", "肝功能")], his=ScriptedHis(pdf_errors={missing: HisNotFound("no PDF")}))
    shown = last_view(w.tap("print"))
    assert isinstance(shown, MessageView)
    assert w.chart.current_state_value == "incomplete"
    assert w.chart.printed_ids == printed
    assert w.chart.not_printed_ids == [missing]
    assert [r.id for r in w.his.marked] == printed
    assert shown.code == HisNotFound.code
    assert w.tap("ok") == [FlowDone()]


def test_a_report_printed_but_not_marked_still_counts_as_printed(
    world: Callable[..., World], caplog: pytest.LogCaptureFixture
) -> None:
    w = world(TWO, his=ScriptedHis(mark_errors={"r1": HisUnavailable("down")}))
    with caplog.at_level(logging.WARNING, logger="kiosk.flows.reports"):
        w.tap("print")
    assert w.chart.current_state_value == "done"  # the paper is in the tray
    assert "report r1 printed" in caplog.text
    assert "not marked" in caplog.text


def test_logs_carry_no_names_or_report_titles(world: Callable[..., World], caplog: pytest.LogCaptureFixture) -> None:
    his = ScriptedHis(pdf_errors={"r2": HisNotFound("no PDF")}, list_errors=[HisUnavailable("down")])
    with caplog.at_level(logging.DEBUG):
        w = world(TWO, his=his)
        w.tap("retry")
        w.tap("print")
        w.tap("ok")
    assert caplog.records
    for text in ("血常规", "胸部X线", "王小明"):
        assert text not in caplog.text


# -- the whole flow: identify first ----------------------------------------------------------------


def _flow(his: ScriptedHis, printer: ScriptedPrinter) -> ReportsFlow:
    config = _config_stub()
    services = Services(config=config, journal=None, devices=printer, his=his)  # type: ignore[arg-type]
    return ReportsFlow(FlowContext(config=config, services=services), now=lambda: NOW)


def test_the_flow_identifies_first_then_lists_on_step_two() -> None:
    his, printer = ScriptedHis(listed=TWO), ScriptedPrinter()
    flow = _flow(his, printer)
    first = last_view(flow.start())
    assert isinstance(first, IdentifyView)
    assert first.step == Step("reports", 1, 3)
    assert flow.handle(FlowEvent("print")) == []  # not before the patient is known
    confirm = last_view(run_jobs(flow, flow.handle(IdCardRead(DeviceRole.ID_CARD_READER, CARD))))
    assert isinstance(confirm, MessageView)
    assert his.asked_for == []
    shown = run_jobs(flow, flow.handle(FlowEvent("yes")))
    assert isinstance(views(shown)[0], BusyView)
    assert isinstance(views(shown)[-1], ListView)
    assert his.asked_for == ["p1"]
    assert list(run_jobs(flow, flow.handle(FlowEvent("print")))) != []
    assert [r.id for r in his.marked] == ["r1", "r2"]
    assert flow.handle(FlowEvent("ok")) == [FlowDone()]
    assert flow.chart is not None
    assert not flow.chart.holds_patient_data


def test_removing_the_id_card_while_choosing_abandons_the_flow() -> None:
    flow = _flow(ScriptedHis(listed=TWO), ScriptedPrinter())
    flow.start()
    run_jobs(flow, flow.handle(IdCardRead(DeviceRole.ID_CARD_READER, CARD)))
    run_jobs(flow, flow.handle(FlowEvent("yes")))
    assert list(flow.handle(CardRemoved(DeviceRole.ID_CARD_READER))) == [FlowAbandoned()]


# -- through the real screens: HIS simulator, simulated devices, the demo A4 printer -------------

PERSON = DEMO_PEOPLE[1]  # 李四: the panel's second ID card, visit card 20240001


@dataclass
class Lobby:
    hands: PatientHands
    services: Services
    tray: Path  # where the demo A4 printer files the PDFs
    patient_id: str

    @property
    def kiosk(self) -> Kiosk:
        return self.hands.kiosk

    def his_reports(self) -> dict[str, Report]:
        assert self.services.his is not None
        return {r.id: r for r in self.services.his.reports(self.patient_id)}

    def identify(self, by_id_card: bool = True) -> None:
        self.hands.choose("reports")
        self.hands.wait_for(IdentifyView)
        if by_id_card:
            self.hands.panel.insert_id_card(1)
        else:
            self.hands.panel.swipe_visit_card(PERSON.visit_card)
        self.hands.wait_for(MessageView, where=lambda v: v.title.source == "Please confirm")
        self.hands.tap("action_yes")


def _lobby(qapp: QApplication, demo_yaml: dict[str, Any], tmp_path: Path, tray: Path) -> Iterator[Lobby]:
    devices = demo_yaml["devices"]
    assert isinstance(devices, dict)
    devices["report_printer"] = {"driver": "report_file", "transport": f"file://{tray}"}
    config_path = tmp_path / "config.yaml"

    config_path.write_text(yaml.safe_dump(demo_yaml, allow_unicode=True), encoding="utf-8")
    config: Config = load_config(config_path)
    built: dict[str, Services] = {}

    def services(config: Config, post: Any) -> Services:
        built["s"] = build_services(config, post)
        return built["s"]

    workdir = tmp_path / "work"
    workdir.mkdir()
    default_locale = QLocale()
    kiosk = build_kiosk(
        config,
        qapp,
        services=services,
        flows={"reports": lambda prefs: ReportsFlow(FlowContext(config, built["s"]), prefs, workdir=workdir)},
    )
    built["s"].start()
    kiosk.start(fullscreen=False, hide_cursor=False)
    kiosk.window.resize(1920, 1080)
    kiosk.translations.set_locale("en")
    his = built["s"].his
    assert his is not None
    patient_id = his.find_patient(Identifier(IdentifierKind.VISIT_CARD, PERSON.visit_card)).id
    try:
        yield Lobby(PatientHands(kiosk, qapp), built["s"], tray, patient_id)
        assert list(workdir.iterdir()) == []  # no temporary PDF left behind
    finally:
        # End the session first: stopping the devices "removes" the demo ID card, and a session
        # still open would go home while the kiosk stops, installing its language again after
        # Kiosk.stop unloaded it (Qt's translators and default locale are process-wide).
        kiosk.runner.post(HomeRequested())
        kiosk.stop()
        QLocale.setDefault(default_locale)


@pytest.fixture
def lobby(qapp: QApplication, demo_yaml: dict[str, Any], tmp_path: Path) -> Iterator[Lobby]:
    yield from _lobby(qapp, demo_yaml, tmp_path, tmp_path / "tray")


def _texts(kiosk: Kiosk) -> str:
    widgets = [*kiosk.window.findChildren(QLabel), *kiosk.window.findChildren(QAbstractButton)]
    return "\n".join(w.text() for w in widgets)


def test_print_the_ready_reports_then_a_copy_on_the_real_screens(lobby: Lobby) -> None:
    hands = lobby.hands
    before = lobby.his_reports()
    ready = [r for r in before.values() if r.status is ReportStatus.READY]
    assert len(ready) == 2
    assert not any(r.printed for r in ready)

    lobby.identify()
    shown = hands.wait_for(ListView)
    assert [i.selected for i in shown.items] == [i.enabled for i in shown.items]  # all ready ones
    assert sum(i.enabled for i in shown.items) == 2
    assert len(shown.items) == 3
    titles = [r.title for r in before.values()]
    assert all(t in _texts(lobby.kiosk) for t in titles)  # the rows show them
    hands.tap("action_print")  # tap 1 after identification
    hands.wait_for(BusyView, where=lambda v: v.progress is not None)
    done = hands.wait_for(MessageView, where=lambda v: v.body.source.startswith("Please take your reports"))
    assert done.step.index == 3
    filed = sorted(lobby.tray.glob("*.pdf"))
    assert len(filed) == 2
    assert all(p.read_bytes().startswith(b"%PDF-") for p in filed)
    assert sorted(p.name.split("-", 1)[1] for p in filed) == sorted(f"{r.id}.pdf" for r in ready)
    after = lobby.his_reports()
    assert all(after[r.id].printed and not after[r.id].copy_printed for r in ready)
    hands.tap("action_ok")  # tap 2
    hands.wait_for(GoodbyeView)
    hands.kiosk.runner.post(HomeRequested())
    hands.wait_for(HomeView)
    text = _texts(lobby.kiosk)
    assert not any(t in text for t in titles)  # no screen keeps the patient's reports
    assert "李" not in text

    # Next visit: both show "Printed", none selected; one copy is allowed, then no more.
    lobby.identify(by_id_card=False)
    shown = hands.wait_for(ListView)
    printed_rows = [i for i in shown.items if i.badge is not None and i.badge.source == "Printed"]
    assert len(printed_rows) == 2
    assert not any(i.selected for i in shown.items)
    assert shown.actions == ()
    copy = printed_rows[0].id
    screen = hands.kiosk.window.current_screen()
    assert isinstance(screen, ListScreen)
    row = screen.rows[[i.id for i in shown.items].index(copy)]
    QTest.mouseClick(row, Qt.MouseButton.LeftButton)  # a tap on the row picks it
    hands.wait_for(ListView, where=lambda v: bool(v.actions))
    hands.tap("action_print")
    hands.wait_for(MessageView, where=lambda v: v.body.source.startswith("Please take your reports"))
    assert len(list(lobby.tray.glob(f"*-{copy}-copy.pdf"))) == 1
    assert lobby.his_reports()[copy].copy_printed
    hands.tap("action_ok")
    hands.wait_for(GoodbyeView)
    hands.kiosk.runner.post(HomeRequested())
    hands.wait_for(HomeView)
    lobby.identify(by_id_card=False)
    shown = hands.wait_for(ListView)
    row = next(i for i in shown.items if i.id == copy)
    assert not row.enabled  # its one copy is used up


def test_his_down_while_listing_then_retry_on_the_real_screens(lobby: Lobby) -> None:
    sim = lobby.services.his_simulator
    assert sim is not None
    sim.add_fault(Fault("status", route="GET DiagnosticReport", status=503))
    lobby.identify()
    down = lobby.hands.wait_for(MessageView, where=lambda v: v.title.source == "Please wait", timeout=20)
    assert down.code == HisUnavailable.code
    assert "2010" in _texts(lobby.kiosk)  # the code for staff is on the screen
    sim.clear_faults()
    lobby.hands.tap("action_retry")
    shown = lobby.hands.wait_for(ListView)
    assert len(shown.items) == 3


def test_printer_not_ready_on_the_real_screens(qapp: QApplication, demo_yaml: dict[str, Any], tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("the report folder cannot be made under a file", encoding="utf-8")
    for lobby in _lobby(qapp, demo_yaml, tmp_path, blocker / "tray"):
        lobby.identify()
        lobby.hands.wait_for(ListView)
        lobby.hands.tap("action_print")
        shown = lobby.hands.wait_for(MessageView, where=lambda v: v.code == 3100)
        assert shown.title.source == "The printer is not available"
        assert not any(r.printed for r in lobby.his_reports().values())
        lobby.hands.tap("action_ok")
        lobby.hands.wait_for(GoodbyeView)


def test_a_print_failing_midway_on_the_real_screens(lobby: Lobby) -> None:
    """The tray folder vanishes after the first report: the second job fails."""
    sim = lobby.services.his_simulator
    assert sim is not None
    sim.add_fault(Fault("latency", route="GET Binary", seconds=0.5))  # time to pull the tray out
    lobby.identify()
    lobby.hands.wait_for(ListView)
    lobby.hands.tap("action_print")
    lobby.hands.wait_for(BusyView, where=lambda v: v.progress == (2, 2))
    shutil.rmtree(lobby.tray)
    shown = lobby.hands.wait_for(MessageView, where=lambda v: v.title.source == "Some reports were not printed")
    assert shown.code == ReportPrintFailedError.code
    printed = [r for r in lobby.his_reports().values() if r.printed]
    assert len(printed) == 1
    assert shown.body.args[0] == printed[0].title
