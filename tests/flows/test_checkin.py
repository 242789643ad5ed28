"""Check-in (预约签到): every transition and failure path with a scripted HIS and printer (no Qt),
then through the real screens against the HIS simulator and the simulated receipt printer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from kiosk.app import Kiosk, build_kiosk
from kiosk.config import Config, DeviceRole
from kiosk.demo_people import DEMO_PEOPLE
from kiosk.devices.errors import DeviceUnavailableError, PrintFailedError
from kiosk.devices.events import CardRemoved, IdCardRead, ResidentIdCard
from kiosk.devices.jobs import PrintJobState
from kiosk.devices.simulators.demo import PRINTER
from kiosk.devices.simulators.printer import PrinterSimulator
from kiosk.devices.status import DeviceState, DeviceStatus, StatusFlag
from kiosk.domain import Appointment, AppointmentStatus, Identifier, Patient
from kiosk.flows.checkin import Checkin, CheckinFlow, Job
from kiosk.flows.context import FlowContext
from kiosk.flows.effects import Effect, RunJob, Show
from kiosk.flows.events import FlowEvent, HomeRequested, JobFinished
from kiosk.flows.service import FlowAbandoned, FlowDone, Preferences
from kiosk.flows.views import BusyView, GoodbyeView, HomeView, IdentifyView, ListView, MessageView, Step
from kiosk.his.errors import HisNotFound, HisRejected, HisUnavailable
from kiosk.his.fhir import FhirHisGateway
from kiosk.his.simulator import HisSimulator
from kiosk.services import Services, build_services
from kiosk.ui.screens.flow import ListScreen, MessageScreen
from tests.flows.conftest import Patient as PatientHands
from tests.flows.drive import message, run_jobs, shown
from tests.flows.scripts import ScriptedPrinter

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = date(2024, 5, 6)
NOW = datetime.combine(TODAY, time(9, 10), ZONE)
PATIENT = Patient(id="p1", name="王小明")
SIM_REASON = "不在签到时间内，请在就诊前60分钟内签到 (outside the check-in window)"
PAPER_OUT = DeviceStatus(DeviceState.ERROR, frozenset({StatusFlag.PAPER_OUT}))


def appointment(
    aid: str, start: int, *, status: AppointmentStatus = AppointmentStatus.BOOKED, queue: str | None = "12", **kw: Any
) -> Appointment:
    begin = datetime.combine(TODAY, time(start, 0), ZONE)
    values: dict[str, Any] = {"department_name": "内科", "doctor_name": "白医生", **kw}
    return Appointment(aid, "p1", status, begin, begin + timedelta(hours=1), queue_number=queue, **values)


def arrived(a: Appointment) -> Appointment:
    return Appointment(**{**a.__dict__, "status": AppointmentStatus.ARRIVED})


@dataclass
class ScriptedHis:
    """Answers appointments_on and check_in from scripts; records what the flow asked."""

    days: list[object] = field(default_factory=list)  # answers to appointments_on, in order
    check_ins: list[object] = field(default_factory=list)  # answers to check_in; default: arrived
    asked_days: list[tuple[str, date]] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def appointments_on(self, patient_id: str, day: date) -> list[Appointment]:
        self.asked_days.append((patient_id, day))
        answer = self.days.pop(0)
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, list)
        return answer

    def check_in(self, appt: Appointment) -> Appointment:
        self.checked.append(appt.id)
        answer = self.check_ins.pop(0) if self.check_ins else None
        if isinstance(answer, Exception):
            raise answer
        return arrived(appt)


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.moment = now

    def __call__(self) -> datetime:
        return self.moment


def make(
    his: ScriptedHis, printer: ScriptedPrinter | None = None, clock: Clock | None = None
) -> tuple[Checkin, list[Effect]]:
    chart = Checkin(
        PATIENT,
        his,  # type: ignore[arg-type]
        printer or ScriptedPrinter(),
        now=clock or Clock(),
        step=lambda index: Step("checkin", index, 4),
    )
    return chart, run_jobs(chart, chart.begin())


def tap(chart: Checkin, name: str, value: object = None) -> list[Effect]:
    return run_jobs(chart, chart.handle(FlowEvent(name, value)))


# -- loading and the list ------------------------------------------------------------------------


def test_loads_today_for_the_patient_and_lists_every_appointment() -> None:
    later, earlier = appointment("a2", 14, department_name="眼科", doctor_name=""), appointment("a1", 10)
    done_already = arrived(appointment("a0", 8, queue="3", department_name="外科"))
    his = ScriptedHis(days=[[later, done_already, earlier]])
    chart, effects = make(his)
    busy = next(e.view for e in chart.begin() + effects if isinstance(e, Show))
    assert isinstance(busy, BusyView)
    assert his.asked_days == [("p1", TODAY)]
    view = shown(effects)
    assert isinstance(view, ListView)
    assert (view.step.index, view.step.count, view.pages) == (2, 4, 1)
    assert [i.id for i in view.items] == ["a0", "a1", "a2"]  # by start time
    first, second, third = view.items
    assert first.title.args == ("08:00–09:00", "外科")
    assert not first.enabled
    assert first.detail.source == "Checked in, No. %1"
    assert first.detail.args == ("3",)
    assert second.enabled
    assert second.badge is None
    assert second.detail.args == ("白医生",)
    assert third.detail.source == "General clinic"  # no doctor named
    assert view.actions == ()


def test_a_single_open_appointment_is_still_shown_to_confirm() -> None:
    chart, effects = make(ScriptedHis(days=[[appointment("a1", 10)]]))
    view = shown(effects)
    assert isinstance(view, ListView)
    assert [i.id for i in view.items] == ["a1"]
    assert chart.current_state_value == "choosing"


def test_no_appointment_today_suggests_registration() -> None:
    chart, effects = make(ScriptedHis(days=[[]]))
    view = message(effects)
    assert chart.current_state_value == "none_today"
    assert "Registration" in view.body.source
    assert not view.can_go_back
    assert tap(chart, "ok") == [FlowDone()]


def test_everything_already_checked_in_offers_only_done() -> None:
    chart, effects = make(ScriptedHis(days=[[arrived(appointment("a1", 10))]]))
    view = shown(effects)
    assert isinstance(view, ListView)
    assert "already checked in" in view.prompt.source
    assert [a.id for a in view.actions] == ["ok"]
    assert tap(chart, "pick", "a1") == []  # a checked-in appointment cannot be picked again
    assert tap(chart, "ok") == [FlowDone()]


def test_his_down_while_loading_offers_a_retry() -> None:
    his = ScriptedHis(days=[HisUnavailable("down"), [appointment("a1", 10)]])
    chart, effects = make(his)
    view = message(effects)
    assert chart.current_state_value == "load_down"
    assert view.code == HisUnavailable.code
    assert [a.id for a in view.actions] == ["retry"]
    assert isinstance(shown(tap(chart, "retry")), ListView)
    assert his.asked_days == [("p1", TODAY), ("p1", TODAY)]


def test_a_long_list_pages_six_at_a_time() -> None:
    many = [appointment(f"a{n}", 8 + n) for n in range(8)]
    chart, effects = make(ScriptedHis(days=[many]))
    view = shown(effects)
    assert isinstance(view, ListView)
    assert (len(view.items), view.page, view.pages) == (6, 0, 2)
    assert tap(chart, "page", -1) == []  # no page before the first
    view = shown(tap(chart, "page", 1))
    assert isinstance(view, ListView)
    assert [i.id for i in view.items] == ["a6", "a7"]
    assert view.page == 1
    assert tap(chart, "page", 1) == []
    assert tap(chart, "pick", "nope") == []  # not on the list: ignored


# -- the happy path and the ticket ---------------------------------------------------------------


def test_pick_checks_the_printer_checks_in_prints_and_shows_the_number() -> None:
    his, printer = ScriptedHis(days=[[appointment("a1", 10)]]), ScriptedPrinter()
    chart, _ = make(his, printer)
    effects = chart.handle(FlowEvent("pick", "a1"))
    assert isinstance(shown(effects), BusyView)
    assert [e.name for e in effects if isinstance(e, RunJob)] == [Job.PRINTER]
    view = message(run_jobs(chart, effects))
    assert printer.checks == 1
    assert his.checked == ["a1"]
    assert chart.current_state_value == "done"
    assert view.figure is not None
    assert view.figure.args == ("12",)
    assert view.body.args == ("内科",)
    assert "take your ticket" in view.body.source
    assert not view.can_go_back
    [(job_id, receipt)] = printer.printed
    assert job_id == "checkin-a1"
    assert receipt.title == "12号"
    assert receipt.patient_masked == "王**"  # masked, never the name
    assert receipt.qr == "a1"
    assert ("科室", "内科") in receipt.fields
    assert ("就诊时间", "2024-05-06 10:00–11:00") in receipt.fields
    assert printer.print_jobs.get("checkin-a1") is not None
    assert tap(chart, "ok") == [FlowDone()]


def test_a_print_failure_after_check_in_keeps_the_check_in_and_the_job() -> None:
    printer = ScriptedPrinter(outcome=PrintFailedError("paper ran out while printing"))
    chart, _ = make(ScriptedHis(days=[[appointment("a1", 10)]]), printer)
    view = message(tap(chart, "pick", "a1"))
    assert chart.current_state_value == "done"
    assert view.figure is not None
    assert view.figure.args == ("12",)
    assert view.title.source == "Checked in, ticket not printed"
    assert "print your ticket again" in view.body.source
    job = printer.print_jobs.get("checkin-a1")
    assert job is not None
    assert job.state is PrintJobState.FAILED
    assert tap(chart, "ok") == [FlowDone()]


def test_a_print_that_never_reaches_the_printer_is_still_kept() -> None:
    printer = ScriptedPrinter(outcome=DeviceUnavailableError("printer unplugged"))
    chart, _ = make(ScriptedHis(days=[[appointment("a1", 10)]]), printer)
    tap(chart, "pick", "a1")
    assert [j.job_id for j in printer.print_jobs.unprinted()] == ["checkin-a1"]


def test_without_a_queue_number_the_done_screen_shows_none() -> None:
    printer = ScriptedPrinter()
    chart, _ = make(ScriptedHis(days=[[appointment("a1", 10, queue=None)]]), printer)
    view = message(tap(chart, "pick", "a1"))
    assert view.figure is None
    assert view.body.source == "Please wait until you are called at %1."
    ticket = printer.printed[0][1]
    assert ticket.title == "签到成功"
    assert ("候诊地点", view.body.args[0]) in ticket.fields  # where to wait, instead of a number


# -- the printer ---------------------------------------------------------------------------------


def test_paper_out_offers_checking_in_without_a_ticket() -> None:
    his, printer = ScriptedHis(days=[[appointment("a1", 10)]]), ScriptedPrinter(status=PAPER_OUT)
    chart, _ = make(his, printer)
    view = message(tap(chart, "pick", "a1"))
    assert chart.current_state_value == "no_printer"
    assert "out of paper" in view.body.source
    assert "shown on this screen" in view.body.source
    assert [a.id for a in view.actions] == ["no_ticket", "stop"]
    assert his.checked == []  # nothing happens before the patient decides
    view = message(tap(chart, "no_ticket"))
    assert his.checked == ["a1"]
    assert chart.current_state_value == "done"
    assert view.figure is not None
    assert view.figure.args == ("12",)
    assert view.title.source == "Checked in without a ticket"
    assert printer.printed == []
    assert printer.print_jobs.unprinted() == []


def test_a_broken_printer_lets_the_patient_stop_or_go_back() -> None:
    his, printer = ScriptedHis(days=[[appointment("a1", 10)]]), ScriptedPrinter(status=DeviceUnavailableError("x"))
    chart, _ = make(his, printer)
    view = message(tap(chart, "pick", "a1"))
    assert "not working" in view.body.source
    assert view.can_go_back
    assert isinstance(shown(tap(chart, "back")), ListView)
    tap(chart, "pick", "a1")
    assert tap(chart, "stop") == [FlowDone()]
    assert his.checked == []


def test_a_printer_warning_such_as_paper_low_still_prints() -> None:
    low = DeviceStatus(DeviceState.WARNING, frozenset({StatusFlag.PAPER_NEAR_END}))
    printer = ScriptedPrinter(status=low)
    chart, _ = make(ScriptedHis(days=[[appointment("a1", 10)]]), printer)
    tap(chart, "pick", "a1")
    assert [job for job, _ in printer.printed] == ["checkin-a1"]


# -- the HIS says no -----------------------------------------------------------------------------


def test_too_early_says_when_to_come_back_and_goes_back_to_the_list() -> None:
    his = ScriptedHis(days=[[appointment("a1", 13)]], check_ins=[HisRejected("HTTP 422", reason=SIM_REASON)])
    chart, _ = make(his)
    view = message(tap(chart, "pick", "a1"))
    assert chart.current_state_value == "too_early"
    assert view.body.args == ("内科", "13:00", "12:00", SIM_REASON)
    assert view.tone == "warning"
    assert view.can_go_back
    view_list = shown(tap(chart, "back"))
    assert isinstance(view_list, ListView)
    tap(chart, "pick", "a1")
    assert tap(chart, "ok") == [FlowDone()]


def test_too_early_with_a_window_shorter_than_expected_promises_no_time() -> None:
    his = ScriptedHis(days=[[appointment("a1", 10)]], check_ins=[HisRejected("HTTP 422", reason="opens 30 min before")])
    chart, _ = make(his)  # 09:10: our 60 minutes say open, this HIS says not yet
    view = message(tap(chart, "pick", "a1"))
    assert chart.current_state_value == "too_early"
    assert "a little later" in view.body.source
    assert view.body.args == ("内科", "10:00", "opens 30 min before")


def test_too_late_sends_to_the_counter() -> None:
    his = ScriptedHis(days=[[appointment("a1", 8)]], check_ins=[HisRejected("HTTP 422", reason=SIM_REASON)])
    chart, _ = make(his, clock=Clock(NOW.replace(hour=9, minute=30)))
    view = message(tap(chart, "pick", "a1"))
    assert chart.current_state_value == "to_counter"
    assert "has passed" in view.body.source
    assert view.body.args == ("内科", "08:00–09:00")
    assert view.code == HisRejected.code
    assert isinstance(shown(tap(chart, "back")), ListView)


def test_other_refusals_send_to_the_counter_with_the_his_reason() -> None:
    his = ScriptedHis(
        days=[[appointment("a1", 9)]],
        check_ins=[HisRejected("cancelled", reason="appointment already cancelled"), HisNotFound("gone")],
    )
    chart, _ = make(his)
    view = message(tap(chart, "pick", "a1"))
    assert chart.current_state_value == "to_counter"
    assert view.body.args == ("内科", "09:00–10:00", "appointment already cancelled")
    tap(chart, "back")
    view = message(tap(chart, "pick", "a1"))  # not found is no "too early", even before the start
    assert chart.current_state_value == "to_counter"
    assert view.body.args == ("内科", "09:00–10:00")
    assert view.code == HisNotFound.code


def test_his_down_while_checking_in_retries_the_same_appointment() -> None:
    his = ScriptedHis(days=[[appointment("a1", 10)]], check_ins=[HisUnavailable("timeout")])
    chart, _ = make(his)
    view = message(tap(chart, "pick", "a1"))
    assert chart.current_state_value == "checkin_down"
    assert view.code == HisUnavailable.code
    assert view.can_go_back
    view = message(tap(chart, "retry"))
    assert his.checked == ["a1", "a1"]
    assert view.figure is not None


def test_late_and_stray_events_are_ignored() -> None:
    chart, _ = make(ScriptedHis(days=[[appointment("a1", 10)]]))
    assert chart.handle(JobFinished(Job.LOAD, 1, result=[])) == []  # a stale lookup
    assert chart.handle(JobFinished(Job.CHECK_IN, 1, result=arrived(appointment("a1", 10)))) == []
    effects = chart.handle(FlowEvent("pick", "a1"))
    assert chart.current_state_value == "checking_printer"
    assert chart.handle(FlowEvent("pick", "a1")) == []  # a double tap starts nothing twice
    assert chart.handle(FlowEvent("back")) == []
    run_jobs(chart, effects)
    assert chart.current_state_value == "done"


# -- the flow around the chart -------------------------------------------------------------------

CARD = ResidentIdCard(
    name="王小明", sex="male", nation="汉", birth_date="19800101", address="北京市", id_number="110101198001011234",
    authority="公安局", valid_from="20200101", valid_to="20400101",
)  # fmt: skip


@dataclass
class FlowHis(ScriptedHis):
    def find_patient(self, identifier: Identifier) -> Patient:
        return PATIENT


def _context(his: object, printer: object, demo_config: Config) -> FlowContext:
    services = Services(config=demo_config, journal=None, devices=printer, his=his)  # type: ignore[arg-type]
    return FlowContext(config=demo_config, services=services)


def _through_identify(flow: CheckinFlow) -> list[Effect]:
    flow.start()
    effects = list(flow.handle(IdCardRead(DeviceRole.ID_CARD_READER, CARD)))
    effects = _run_flow_jobs(flow, effects)
    return _run_flow_jobs(flow, list(flow.handle(FlowEvent("yes"))))


def _run_flow_jobs(flow: CheckinFlow, effects: list[Effect]) -> list[Effect]:
    out: list[Effect] = []
    for effect in effects:
        if isinstance(effect, RunJob):
            try:
                event = JobFinished(effect.name, 1, result=effect.call())
            except Exception as exc:
                event = JobFinished(effect.name, 1, error=exc)
            out.extend(_run_flow_jobs(flow, list(flow.handle(event))))
        else:
            out.append(effect)
    return out


def test_the_flow_identifies_then_lists_today_on_the_his_clock(demo_config: Config) -> None:
    his = FlowHis(days=[[appointment("a1", 10)]])
    flow = CheckinFlow(_context(his, ScriptedPrinter(), demo_config), now=Clock())
    effects = _through_identify(flow)
    view = shown(effects)
    assert isinstance(view, ListView)
    assert view.step == Step("checkin", 2, 4)
    assert his.asked_days == [("p1", TODAY)]
    done = _run_flow_jobs(flow, list(flow.handle(FlowEvent("pick", "a1"))))
    assert isinstance(shown(done), MessageView)
    assert list(flow.handle(FlowEvent("ok"))) == [FlowDone()]


def test_in_elderly_mode_the_list_shows_four_a_page(demo_config: Config) -> None:
    many = [appointment(f"a{n}", 8 + n) for n in range(6)]
    context = _context(FlowHis(days=[many]), ScriptedPrinter(), demo_config)
    flow = CheckinFlow(context, Preferences(elderly=True), now=Clock())
    view = shown(_through_identify(flow))
    assert isinstance(view, ListView)
    assert (len(view.items), view.page, view.pages) == (4, 0, 2)
    view = shown(_run_flow_jobs(flow, list(flow.handle(FlowEvent("page", 1)))))
    assert isinstance(view, ListView)
    assert [i.id for i in view.items] == ["a4", "a5"]


def test_removing_the_id_card_abandons_check_in(demo_config: Config) -> None:
    flow = CheckinFlow(_context(FlowHis(days=[[appointment("a1", 10)]]), ScriptedPrinter(), demo_config), now=Clock())
    _through_identify(flow)
    assert list(flow.handle(CardRemoved(DeviceRole.ID_CARD_READER))) == [FlowAbandoned()]


def test_the_default_clock_is_the_his_time_zone(demo_config: Config) -> None:
    his = FlowHis(days=[[]])
    flow = CheckinFlow(_context(his, ScriptedPrinter(), demo_config))
    _through_identify(flow)
    assert his.asked_days == [("p1", datetime.now(ZoneInfo(demo_config.his.timezone)).date())]


# -- the seeded demo appointments ----------------------------------------------------------------


def test_the_simulator_seeds_today_for_the_demo_people_relative_to_its_clock() -> None:
    sim = HisSimulator(now=NOW, patients=3)
    gateway = FhirHisGateway(sim.settings, base_url=sim.start())
    try:
        for offset in range(len(DEMO_PEOPLE)):
            found = gateway.appointments_on(f"pat-{9001 + offset}", TODAY)
            assert [(a.start.hour, a.end.hour, a.status) for a in found] == [
                (10, 11, AppointmentStatus.BOOKED),
                (13, 14, AppointmentStatus.BOOKED),
            ]
            assert all(a.department_name and a.doctor_name and a.queue_number for a in found)
            open_now, too_early = found
            assert gateway.check_in(open_now).status is AppointmentStatus.ARRIVED
            with pytest.raises(HisRejected):
                gateway.check_in(too_early)
            sim.set_now(NOW.replace(hour=12, minute=5))  # a test moves the HIS clock: now it opens
            assert gateway.check_in(too_early).status is AppointmentStatus.ARRIVED
            sim.set_now(NOW)
        late = HisSimulator(now=NOW.replace(hour=23, minute=30), patients=1)
        try:
            starts = [a["start"] for a in late.store.search("Appointment", [])]
            assert starts == [f"{TODAY}T23:00:00+08:00"] * 2  # the current hour; none past midnight
        finally:
            late.close()
    finally:
        gateway.close()
        sim.close()


# -- through the real screens, against the simulators -------------------------------------------

GUI_NOW = datetime.combine(datetime.now(ZONE).date(), time(9, 10), ZONE)


@dataclass
class World:
    kiosk: Kiosk
    hands: PatientHands
    services: Services
    sim: HisSimulator

    @property
    def printer(self) -> PrinterSimulator:
        hub = self.services.sim_hub
        assert hub is not None
        return hub.get(PRINTER, PrinterSimulator)


@pytest.fixture
def world(qapp: QApplication, demo_config: Config) -> Iterator[World]:
    built: dict[str, Any] = {}

    def services(config: Config, post: Callable[[Any], None]) -> Services:
        built["s"] = s = build_services(config, post)
        sim = HisSimulator(settings=config.his, now=GUI_NOW, patients=5)
        s.his_simulator = sim  # Services.start() keeps a HIS it is given; stop() closes both
        s.his = FhirHisGateway(config.his, base_url=sim.start())
        built["sim"] = sim
        return s

    def flow(preferences: Preferences) -> CheckinFlow:
        return CheckinFlow(FlowContext(demo_config, built["s"]), preferences, now=built["sim"].clock.now)

    kiosk = build_kiosk(demo_config, qapp, services=services, flows={"checkin": flow})
    built["s"].start()
    kiosk.start(fullscreen=False, hide_cursor=False)
    kiosk.window.resize(1920, 1080)
    try:
        yield World(kiosk, PatientHands(kiosk, qapp), built["s"], built["sim"])
    finally:
        # End the session first: a stopped kiosk still handles the card reader's last events,
        # and a wipe then would switch the shared QApplication back to the default language.
        kiosk.runner.post(HomeRequested())
        qapp.processEvents()
        kiosk.stop()


def _identify_li_si(world: World) -> ListView:
    hands = world.hands
    hands.choose("checkin")
    hands.wait_for(IdentifyView)
    hands.panel.insert_id_card(1)  # 李四
    hands.wait_for(MessageView, where=lambda v: v.title.source == "Please confirm")
    hands.tap("action_yes")
    return hands.wait_for(ListView)


def _tap_row(world: World, appointment_id: str) -> None:
    view = world.hands.view
    assert isinstance(view, ListView)
    index = [i.id for i in view.items].index(appointment_id)
    screen = world.kiosk.window.current_screen()
    assert isinstance(screen, ListScreen)
    QTest.mouseClick(screen.rows[index], Qt.MouseButton.LeftButton)


def _texts(world: World) -> list[str]:
    window = world.kiosk.window
    return [w.text() for w in window.findChildren(QLabel)] + [w.text() for w in window.findChildren(QAbstractButton)]


def test_check_in_through_the_screens_prints_the_ticket(world: World) -> None:
    hands = world.hands
    listing = _identify_li_si(world)
    assert [i.id for i in listing.items] == ["appt-9002-1", "appt-9002-2"]
    screen = world.kiosk.window.current_screen()
    assert isinstance(screen, ListScreen)
    assert "内科" in screen.rows[0].text()
    _tap_row(world, "appt-9002-1")
    done = hands.wait_for(MessageView, where=lambda v: v.title.source == "You are checked in")
    assert done.figure is not None
    assert done.figure.args == ("12",)
    shown_screen = world.kiosk.window.current_screen()
    assert isinstance(shown_screen, MessageScreen)
    assert shown_screen.figure.isVisible()
    assert "12" in shown_screen.figure.text()
    normal = shown_screen.figure.font().pixelSize()
    assert normal > shown_screen.title.font().pixelSize()
    world.kiosk.window.apply_preferences("en", True)  # elderly mode while the number is shown
    hands.qapp.processEvents()
    assert shown_screen.figure.font().pixelSize() > normal
    [page] = world.printer.cut_pages()
    assert "12号" in [line.text.strip() for line in page.lines if line.big]
    assert page.qr_codes == ["appt-9002-1"]
    assert any("李*" in text for text in page.text)
    assert all("李四" not in text for text in page.text)
    job = world.services.devices.print_jobs.get("checkin-appt-9002-1")
    assert job is not None
    assert job.state is PrintJobState.PRINTED
    status = world.sim.store.read("Appointment", "appt-9002-1")
    assert status is not None
    assert status["status"] == "arrived"

    def leftovers() -> list[str]:
        # The queue number as its own text: "12" inside the home clock's date (December) is not it.
        patient = ("李", "内科", "12号", "appt-9002")
        return [t for t in _texts(world) if any(s in t for s in patient) or t.strip() == "12"]

    assert leftovers()  # the check below can see the patient's data while it is on screen
    hands.tap("action_ok")
    hands.wait_for(GoodbyeView)
    world.kiosk.runner.post(HomeRequested())
    hands.wait_for(HomeView)
    hands.qapp.processEvents()
    assert leftovers() == []  # no screen keeps the patient's data
    assert world.kiosk.runner.chart.session.flow is None


def test_too_early_through_the_screens_and_back(world: World) -> None:
    hands = world.hands
    _identify_li_si(world)
    _tap_row(world, "appt-9002-2")
    early = hands.wait_for(MessageView, where=lambda v: v.title.source == "Too early to check in")
    assert early.body.args[1:3] == ("13:00", "12:00")
    assert "60" in early.body.args[3]  # the simulator's own reason, shown as it gave it
    screen = world.kiosk.window.current_screen()
    assert isinstance(screen, MessageScreen)
    assert "12:00" in screen.message.text()
    QTest.mouseClick(screen.back_button, Qt.MouseButton.LeftButton)
    hands.wait_for(ListView)
    assert world.printer.cut_pages() == []
    status = world.sim.store.read("Appointment", "appt-9002-2")
    assert status is not None
    assert status["status"] == "booked"


def test_paper_out_through_the_screens_checks_in_without_a_ticket(world: World) -> None:
    hands = world.hands
    hands.panel.set_paper_out(True)
    _identify_li_si(world)
    _tap_row(world, "appt-9002-1")
    hands.wait_for(MessageView, where=lambda v: v.title.source == "No ticket can be printed")
    hands.tap("action_no_ticket")
    done = hands.wait_for(MessageView, where=lambda v: v.title.source.startswith("Checked in"))
    assert done.title.source == "Checked in without a ticket"
    assert done.figure is not None
    assert done.figure.args == ("12",)
    assert world.printer.cut_pages() == []
    status = world.sim.store.read("Appointment", "appt-9002-1")
    assert status is not None
    assert status["status"] == "arrived"


def test_the_check_in_window_to_explain_comes_from_the_config(demo_config: Config) -> None:
    config = demo_config.model_copy(update={"his": demo_config.his.model_copy(update={"checkin_opens_before_min": 30})})
    his = FlowHis(days=[[appointment("a1", 13)]], check_ins=[HisRejected("HTTP 422", reason=SIM_REASON)])
    flow = CheckinFlow(_context(his, ScriptedPrinter(), config), now=Clock())
    _through_identify(flow)
    view = message(_run_flow_jobs(flow, list(flow.handle(FlowEvent("pick", "a1")))))
    assert view.body.args[:3] == ("内科", "13:00", "12:30")  # 30 minutes before, as configured
