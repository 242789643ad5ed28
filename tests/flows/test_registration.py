"""Registration (挂号): every transition and failure path of the chart with a scripted HIS,
payments and printer (no Qt), the pinyin search, and the whole flow through the real screens
against the HIS simulator, the payment sandbox and the simulated printer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from kiosk.app import Kiosk, build_kiosk
from kiosk.config import Config
from kiosk.devices.errors import PrintFailedError
from kiosk.devices.simulators.demo import PRINTER
from kiosk.devices.simulators.printer import PrinterSimulator
from kiosk.devices.status import DeviceState, DeviceStatus, StatusFlag
from kiosk.domain import Appointment, AppointmentStatus, Bill, BillItem, Department, Doctor, Patient, Slot
from kiosk.flows import department_search
from kiosk.flows.effects import Effect, RunJob
from kiosk.flows.events import FlowEvent, HomeRequested
from kiosk.flows.pay import Job as PayJob
from kiosk.flows.registration import Job, Registration
from kiosk.flows.service import ELDERLY_PAGE_SIZE, PAGE_SIZE, FlowDone
from kiosk.flows.views import (
    BusyView,
    GoodbyeView,
    HomeView,
    IdentifyView,
    ListView,
    MessageView,
    QrPaymentView,
    SearchView,
    Step,
)
from kiosk.his.errors import HisConflict, HisFeeNotCollectable, HisRejected, HisUnavailable
from kiosk.payments.providers import Interaction
from kiosk.payments.service import OutcomeKind
from kiosk.services import Services, build_services
from kiosk.ui.screens.flow import ListScreen, SearchScreen
from tests.flows import drive
from tests.flows.conftest import Patient as PatientHands
from tests.flows.drive import finish, message, shown
from tests.flows.scripts import ScriptedPayments, ScriptedPrinter

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 23)  # a Monday
PATIENT = Patient(id="p1", name="王小明")
NAMES = ("内科", "外科", "儿科", "妇产科", "眼科", "耳鼻喉科", "口腔科", "心血管内科")
DEPARTMENTS = [Department(f"d{i}", name, f"about {i}") for i, name in enumerate(NAMES)]
WANG = Doctor("dr1", "王建国", "主任医师")
LI = Doctor("dr2", "李芳", "主治医师")


def slot(sid: str, doctor: Doctor | None, day: int, *, fee: int = 5000, remaining: int = 5, pm: bool = False) -> Slot:
    start = datetime.combine(TODAY + timedelta(days=day), time(13, 30) if pm else time(8), ZONE)
    end = start + timedelta(hours=3, minutes=30)
    return Slot(sid, "sch", "d0", doctor, start, end, fee, remaining, "内科", "门诊楼2层 A区")


@dataclass
class ScriptedHis:
    departments_answers: list[object] = field(default_factory=lambda: [list(DEPARTMENTS)])
    slots_by_day: dict[int, list[Slot]] = field(default_factory=dict)
    slots_errors: list[Exception] = field(default_factory=list)
    book_answers: list[object] = field(default_factory=list)  # None: hold (fee) or book (free)
    booked_keys: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    read_back: list[str] = field(default_factory=list)
    queue_number: str | None = "7"  # None: a HIS without the kiosk profile's queue numbers

    def departments(self) -> list[Department]:
        answer = self.departments_answers.pop(0) if self.departments_answers else list(DEPARTMENTS)
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, list)
        return answer

    def slots(self, department_id: str, day: date, days: int = 1) -> list[Slot]:
        if self.slots_errors:
            raise self.slots_errors.pop(0)
        first = (day - TODAY).days
        return [s for offset in range(first, first + days) for s in self.slots_by_day.get(offset, [])]

    def book(self, patient_id: str, chosen: Slot, booking_key: str) -> Appointment:
        assert patient_id == "p1"
        self.booked_keys.append(booking_key)
        answer = self.book_answers.pop(0) if self.book_answers else None
        if isinstance(answer, Exception):
            raise answer
        held = chosen.fee_fen > 0
        return Appointment(
            f"a{len(self.booked_keys)}",
            "p1",
            AppointmentStatus.PENDING if held else AppointmentStatus.BOOKED,
            chosen.start,
            chosen.end,
            slot_id=chosen.id,
            department_name=chosen.department_name,
            doctor_name=chosen.doctor.name if chosen.doctor else "",
            queue_number=self.queue_number,
            booking_key=booking_key,
            bill_id=f"fee-{len(self.booked_keys)}" if held else None,
        )

    def bill(self, bill_id: str) -> Bill:
        item = BillItem("挂号费", Decimal(1), 5000, 5000)
        return Bill(bill_id, "p1", (item,), 5000, department_name="内科")

    def appointment(self, appointment_id: str) -> Appointment:
        self.read_back.append(appointment_id)
        start = datetime.combine(TODAY, time(8), ZONE)
        return Appointment(appointment_id, "p1", AppointmentStatus.BOOKED, start, start, queue_number="7")

    def cancel_booking(self, appointment: Appointment) -> Appointment:
        self.released.append(appointment.id)
        return appointment


def make(
    his: ScriptedHis | None = None,
    payments: ScriptedPayments | None = None,
    printer: ScriptedPrinter | None = None,
    *,
    no_payments: bool = False,
    held: list[RunJob] | None = None,
    page_size: int = PAGE_SIZE,
) -> tuple[Registration, list[Effect]]:
    chart = Registration(
        PATIENT,
        his or ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0)]}),  # type: ignore[arg-type]
        printer or ScriptedPrinter(),
        None if no_payments else (payments or ScriptedPayments()),
        step=lambda index: Step("registration", index, 7),
        today=lambda: TODAY,
        zone=ZONE,
        now=lambda: 1000.0,
        wall=lambda: datetime.combine(TODAY, time(7, 45), ZONE),
        page_size=page_size,
    )
    return chart, run(chart, chart.begin(), held)


def run(chart: Registration, effects: list[Effect], held: list[RunJob] | None = None) -> list[Effect]:
    """Runs the jobs; with ``held``, the payment's await job waits there (the QR is on screen)."""
    if held is None:
        return drive.run_jobs(chart, effects)
    return drive.run_jobs(chart, effects, hold=lambda job: job.name == PayJob.AWAIT, held=held)


def tap(chart: Registration, name: str, value: object = None, held: list[RunJob] | None = None) -> list[Effect]:
    return run(chart, chart.handle(FlowEvent(name, value)), held)


def to_confirm(chart: Registration, slot_id: str = "s1") -> MessageView:
    tap(chart, "pick", "d0")
    doctors = shown(chart.handle(FlowEvent("back")))  # there and back: the page is kept
    assert isinstance(doctors, ListView)
    listing = tap(chart, "pick", "d0")
    doctors_view = shown(listing)
    assert isinstance(doctors_view, ListView)
    tap(chart, "pick", doctors_view.items[0].id)
    return message(tap(chart, "pick", slot_id))


# -- departments and search ----------------------------------------------------------------------


def test_departments_are_tiles_six_a_page_with_a_search() -> None:
    chart, effects = make()
    assert isinstance(shown(effects[:1]), BusyView)  # the spinner while the HIS answers
    view = shown(effects)
    assert isinstance(view, ListView)
    assert view.tiles
    assert [i.title.args for i in view.items] == [(n,) for n in NAMES[:6]]
    assert (view.page, view.pages) == (0, 2)
    assert [a.id for a in view.actions] == ["search"]
    assert not view.can_go_back  # identification is behind: Home leaves
    second = shown(tap(chart, "page", 1))
    assert isinstance(second, ListView)
    assert [i.title.args for i in second.items] == [(n,) for n in NAMES[6:]]
    assert tap(chart, "page", 1) == []  # no third page


def test_in_elderly_mode_departments_show_four_a_page() -> None:
    chart, effects = make(page_size=ELDERLY_PAGE_SIZE)
    view = shown(effects)
    assert isinstance(view, ListView)
    assert ([i.title.args for i in view.items], view.pages) == ([(n,) for n in NAMES[:4]], 2)
    second = shown(tap(chart, "page", 1))
    assert isinstance(second, ListView)
    assert [i.title.args for i in second.items] == [(n,) for n in NAMES[4:]]


def test_his_down_while_listing_departments_retries() -> None:
    chart, effects = make(ScriptedHis(departments_answers=[HisUnavailable("down")]))
    view = message(effects)
    assert view.code == HisUnavailable.code
    assert "nothing was charged" in view.body.source
    assert isinstance(shown(tap(chart, "retry")), ListView)


def test_no_departments_sends_to_the_counter() -> None:
    chart, effects = make(ScriptedHis(departments_answers=[[]]))
    assert message(effects).title.source == "Registration is not available here"
    assert FlowDone() in tap(chart, "ok")


def test_the_search_narrows_by_pinyin_and_picks() -> None:
    chart, _ = make()
    pad = shown(tap(chart, "search"))
    assert isinstance(pad, SearchView)
    assert (pad.query, pad.items) == ("", ())
    tap(chart, "letter", "n")
    view = shown(tap(chart, "letter", "K"))
    assert isinstance(view, SearchView)
    assert view.query == "NK"
    assert [i.title.args[0] for i in view.items] == ["内科", "心血管内科"]
    nothing = shown(tap(chart, "letter", "Z"))
    assert isinstance(nothing, SearchView)
    assert nothing.items == ()
    assert nothing.prompt.args == ("NKZ",)
    tap(chart, "delete")
    assert tap(chart, "letter", "ab") == []  # one letter a tap
    assert isinstance(shown(tap(chart, "back")), ListView)
    tap(chart, "search")
    tap(chart, "letter", "X")
    tap(chart, "letter", "X")
    view = shown(tap(chart, "pick", "d7"))  # 心血管内科: its free places
    assert isinstance(view, ListView)
    assert chart.current_state_value == "doctors"


def test_pinyin_search_matches_initials_syllables_and_polyphones() -> None:
    entries = department_search.index([Department(str(i), n) for i, n in enumerate(("重症医学科", "内科", "中医科"))])
    names = [d.name for d in department_search.search("zz", entries)]
    assert names == ["重症医学科"]
    assert [d.name for d in department_search.search("cz", entries)] == ["重症医学科"]  # 重 is chong too
    assert [d.name for d in department_search.search("zhong", entries)] == ["重症医学科", "中医科"]
    assert [d.name for d in department_search.search("yxk", entries)] == ["重症医学科"]  # from the middle
    assert [d.name for d in department_search.search("k", entries)] == []  # one letter: first characters only
    assert [d.name for d in department_search.search("n", entries)] == ["内科"]
    assert department_search.search("", entries) == []


# -- doctors and times -----------------------------------------------------------------------------


def test_doctors_are_grouped_with_fee_and_places_and_times_carry_weekday_and_today() -> None:
    his = ScriptedHis(
        slots_by_day={
            0: [slot("s1", WANG, 0, remaining=3), slot("g1", None, 0, fee=1000), slot("s0", LI, 0, remaining=0)],
            1: [slot("s2", WANG, 1, remaining=4, pm=True), slot("s3", LI, 1, fee=2000)],
        }
    )
    chart, _ = make(his)
    doctors = shown(tap(chart, "pick", "d0"))
    assert isinstance(doctors, ListView)
    assert [i.id for i in doctors.items] == ["dr1", "dr2", "-"]  # named doctors first; a full session is left out
    wang = doctors.items[0]
    assert wang.title.args == ("王建国 主任医师",)
    assert wang.detail.args == ("¥50.00", "11-23", "7")
    assert doctors.items[2].title.source == "General clinic"
    times = shown(tap(chart, "pick", "dr1"))
    assert isinstance(times, ListView)
    assert [i.id for i in times.items] == ["s1", "s2"]
    assert times.items[0].title.source == "Mon %1"
    assert times.items[0].title.args == ("2026-11-23 08:00–11:30",)
    assert times.items[0].badge is not None
    assert times.items[0].badge.source == "Today"
    assert times.items[1].title.source == "Tue %1"
    assert times.items[1].badge is None
    assert times.items[0].detail.args == ("3", "¥50.00")
    assert isinstance(shown(tap(chart, "back")), ListView)
    assert chart.current_state_value == "doctors"
    tap(chart, "back")
    assert chart.current_state_value == "departments"


def test_a_department_without_places_says_so() -> None:
    chart, _ = make(ScriptedHis())
    view = message(tap(chart, "pick", "d0"))
    assert view.title.source == "No free places"
    assert view.body.args == ("内科", "7")
    assert view.can_go_back
    assert isinstance(shown(tap(chart, "back")), ListView)


def test_his_down_while_loading_places_retries() -> None:
    his = ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0)]}, slots_errors=[HisUnavailable("down")])
    chart, _ = make(his)
    assert message(tap(chart, "pick", "d0")).code == HisUnavailable.code
    assert isinstance(shown(tap(chart, "retry")), ListView)
    assert chart.current_state_value == "doctors"


def test_the_confirm_screen_reads_everything_back_with_the_fee() -> None:
    chart, _ = make()
    view = to_confirm(chart)
    assert view.title.source == "Please check your booking"
    assert view.body.args == ("内科", "王建国 主任医师", "2026-11-23 08:00–11:30", "门诊楼2层 A区", "¥50.00")
    assert view.figure is not None
    assert view.figure.args == ("¥50.00",)
    assert [a.id for a in view.actions] == ["confirm"]
    assert view.can_go_back
    assert isinstance(shown(tap(chart, "back")), ListView)
    assert chart.current_state_value == "times"


# -- hold, pay, ticket -----------------------------------------------------------------------------


def test_the_happy_path_holds_pays_confirms_and_prints_the_ticket_in_five_taps() -> None:
    his, payments, printer = ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0)]}), ScriptedPayments(), ScriptedPrinter()
    chart, _ = make(his, payments, printer)
    held: list[RunJob] = []
    taps = 0
    for name, value in (("pick", "d0"), ("pick", "dr1"), ("pick", "s1")):
        tap(chart, name, value)
        taps += 1
    effects = tap(chart, "confirm", held=held)
    taps += 1
    assert printer.checks == 1  # the printer is asked before any money
    assert his.booked_keys
    assert len(his.booked_keys[0]) == 32
    assert payments.opened == [("sandbox", ("fee-1",), 5000, None)]
    qr = shown(effects)
    assert qr.step.index == 6
    [await_job] = held
    done = message(run(chart, chart.handle(finish(await_job))))
    assert his.read_back == ["a1"]
    assert done.title.source == "You are registered"
    assert done.figure is not None
    assert done.figure.args == ("7",)
    assert done.body.args == ("门诊楼2层 A区", "2026-11-23 08:00–11:30")
    [(job_id, receipt)] = printer.printed
    assert job_id == "registration-a1"
    assert receipt.title == "7号"
    assert ("就诊位置", "门诊楼2层 A区") in receipt.fields
    assert ("医生", "王建国 主任医师") in receipt.fields
    assert receipt.totals[0].amount_fen == 5000
    assert receipt.patient_masked == "王**"
    assert "王小明" not in repr(receipt)
    assert FlowDone() in tap(chart, "ok")
    taps += 1
    assert taps == 5  # the goal is at most six after identification
    assert his.released == []


def test_a_place_taken_before_paying_charges_nothing_and_returns_to_the_times() -> None:
    his = ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0), slot("s2", WANG, 0, pm=True)]})
    his.book_answers = [HisConflict("full")]
    payments = ScriptedPayments()
    chart, _ = make(his, payments)
    to_confirm(chart)
    view = message(tap(chart, "confirm"))
    assert view.title.source == "That time was just taken"
    assert "Nothing was charged" in view.body.source
    assert payments.opened == []
    his.slots_by_day = {0: [slot("s2", WANG, 0, pm=True)]}  # the place is gone now
    times = shown(tap(chart, "ok"))
    assert isinstance(times, ListView)
    assert chart.current_state_value == "times"
    assert [i.id for i in times.items] == ["s2"]
    message(tap(chart, "pick", "s2"))
    tap(chart, "confirm")
    assert len(set(his.booked_keys)) == 2  # a new attempt, a new key


def test_a_refusal_shows_the_his_reason() -> None:
    his = ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0)]})
    his.book_answers = [HisRejected("422", reason="already booked in this session")]
    chart, _ = make(his)
    to_confirm(chart)
    view = message(tap(chart, "confirm"))
    assert view.title.source == "This booking is not possible"
    assert view.body.args == ("already booked in this session",)
    assert isinstance(shown(tap(chart, "back")), ListView)


def test_a_his_without_a_fee_hold_sends_fee_paying_sessions_to_the_counter() -> None:
    """Issue 14: a plain FHIR server would book at once and the fee would never be collected."""
    his = ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0)]})
    his.book_answers = [HisFeeNotCollectable("no fee hold", reason="registration fee cannot be collected")]
    payments = ScriptedPayments()
    chart, _ = make(his, payments)
    to_confirm(chart)
    view = message(tap(chart, "confirm"))
    assert view.title.source == "Please register at the counter"
    assert view.body.source.startswith("Sessions with a registration fee cannot be booked at this kiosk.")
    assert view.code == HisFeeNotCollectable.code
    assert payments.opened == []


def test_without_a_queue_number_the_ticket_says_where_to_wait() -> None:
    his = ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0, fee=0)]}, queue_number=None)
    printer = ScriptedPrinter()
    chart, _ = make(his, printer=printer)
    to_confirm(chart)
    done = message(tap(chart, "confirm"))
    assert done.title.source == "You are registered"
    assert done.body.source == "Please take your ticket. Go to %1 at %2 and wait there to be called."
    assert done.body.args[0] == "门诊楼2层 A区"
    assert done.figure is None
    ticket = printer.printed[0][1]
    assert ticket.title == "挂号成功"
    assert ("候诊地点", "门诊楼2层 A区") in ticket.fields


def test_his_down_while_booking_retries_with_the_same_key() -> None:
    his = ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0)]})
    his.book_answers = [HisUnavailable("timeout")]
    chart, _ = make(his)
    to_confirm(chart)
    view = message(tap(chart, "confirm"))
    assert [a.id for a in view.actions] == ["retry", "stop"]
    tap(chart, "retry")
    assert len(his.booked_keys) == 2
    assert his.booked_keys[0] == his.booked_keys[1]  # the HIS sees the same booking, not a second one


def test_declined_then_stop_releases_the_hold_and_charges_nothing() -> None:
    his = ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0)]})
    chart, _ = make(his, ScriptedPayments(outcomes=[OutcomeKind.DECLINED]))
    to_confirm(chart)
    view = message(tap(chart, "confirm"))
    assert view.title.source == "The payment was declined"
    assert FlowDone() in tap(chart, "stop")
    assert his.released == ["a1"]


def test_back_from_the_payment_methods_releases_the_hold_and_confirming_again_holds_anew() -> None:
    several = [("wechat", Interaction.QR), ("card", Interaction.CARD)]
    his = ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0)]})
    chart, _ = make(his, ScriptedPayments(providers=several))
    to_confirm(chart)
    methods = shown(tap(chart, "confirm"))
    assert isinstance(methods, ListView)
    view = message(tap(chart, "back"))
    assert view.title.source == "Please check your booking"
    assert his.released == ["a1"]
    tap(chart, "confirm")
    assert len(set(his.booked_keys)) == 2


def test_a_lost_place_is_refunded_and_the_patient_chooses_another_time() -> None:
    his = ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0), slot("s2", WANG, 0, pm=True)]})
    chart, _ = make(his, ScriptedPayments(outcomes=[OutcomeKind.REFUNDED]))
    to_confirm(chart)
    view = message(tap(chart, "confirm"))
    assert view.title.source == "Your money is being returned"
    assert "could not be kept" in view.body.source
    assert view.body.args == ("P1",)
    times = shown(tap(chart, "ok"))
    assert isinstance(times, ListView)
    assert chart.current_state_value == "times"
    assert his.released == []  # the HIS ended that hold itself


def test_a_payment_left_to_staff_keeps_the_hold() -> None:
    his = ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0)]})
    chart, _ = make(his, ScriptedPayments(outcomes=[OutcomeKind.PAID_UNSETTLED]))
    to_confirm(chart)
    assert message(tap(chart, "confirm")).title.source == "Your payment is recorded"
    assert FlowDone() in tap(chart, "ok")
    assert his.released == []


def test_a_free_session_books_without_paying() -> None:
    his = ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0, fee=0)]})
    payments, printer = ScriptedPayments(), ScriptedPrinter()
    chart, _ = make(his, payments, printer)
    view = to_confirm(chart)
    assert [a.id for a in view.actions] == ["confirm"]
    assert view.actions[0].label.source == "Confirm"
    done = message(tap(chart, "confirm"))
    assert done.title.source == "You are registered"
    assert payments.opened == []
    assert printer.printed[0][1].totals == ()


def test_no_payment_provider_sends_to_the_counter_before_anything_is_held() -> None:
    his = ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0)]})
    chart, _ = make(his, no_payments=True)
    to_confirm(chart)
    assert message(tap(chart, "confirm")).title.source == "Payment is not available here"
    assert his.booked_keys == []


def test_paper_out_registers_without_a_ticket_and_says_so() -> None:
    paper_out = DeviceStatus(DeviceState.ERROR, frozenset({StatusFlag.PAPER_OUT}))
    his, printer = ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0)]}), ScriptedPrinter(status=paper_out)
    chart, _ = make(his, printer=printer)
    to_confirm(chart)
    view = message(tap(chart, "confirm"))
    assert "run out of paper" in view.body.source
    assert [a.id for a in view.actions] == ["no_ticket", "stop"]
    assert his.booked_keys == []  # nothing held before the patient decides
    done = message(tap(chart, "no_ticket"))
    assert done.title.source == "Registered without a ticket"
    assert done.figure is not None
    assert done.figure.args == ("7",)
    assert printer.printed == []


def test_a_failed_print_keeps_the_booking_and_the_job() -> None:
    printer = ScriptedPrinter(outcome=PrintFailedError("jam"))
    chart, _ = make(printer=printer)
    to_confirm(chart)
    done = message(tap(chart, "confirm"))
    assert done.title.source == "Registered, ticket not printed"
    assert printer.print_jobs.get("registration-a1") is not None


# -- leaving mid-way (Home, idle timeout, card taken) -------------------------------------------------


def test_leaving_mid_payment_cancels_then_releases_only_if_nothing_was_charged() -> None:
    his = ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0)]})
    payments = ScriptedPayments(outcomes=[OutcomeKind.CANCELLED])
    chart, _ = make(his, payments)
    to_confirm(chart)
    held: list[RunJob] = []
    tap(chart, "confirm", held=held)
    [job] = chart.end()
    assert isinstance(job, RunJob)
    assert job.name == Job.RELEASE
    job.call()
    assert payments.cancelled == ["P1"]
    assert his.released == ["a1"]


def test_leaving_when_the_payment_went_through_keeps_the_booking() -> None:
    his = ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0)]})
    payments = ScriptedPayments(outcomes=[OutcomeKind.SETTLED])
    chart, _ = make(his, payments)
    to_confirm(chart)
    held: list[RunJob] = []
    tap(chart, "confirm", held=held)
    [job] = chart.end()
    assert isinstance(job, RunJob)
    job.call()
    assert payments.cancelled == ["P1"]
    assert his.released == []


def test_leaving_before_paying_releases_and_after_booking_does_nothing() -> None:
    several = [("wechat", Interaction.QR), ("card", Interaction.CARD)]
    his = ScriptedHis(slots_by_day={0: [slot("s1", WANG, 0)]})
    chart, _ = make(his, ScriptedPayments(providers=several))
    assert chart.end() == []  # nothing held yet
    to_confirm(chart)
    tap(chart, "confirm")  # the payment methods: held, no order open
    [job] = chart.end()
    assert isinstance(job, RunJob)
    job.call()
    assert his.released == ["a1"]
    done_chart, _ = make()
    to_confirm(done_chart)
    tap(done_chart, "confirm")
    assert done_chart.current_state_value == "done"
    assert done_chart.end() == []


@pytest.mark.parametrize("event", ["ok", "retry", "stop", "no_ticket", "confirm"])
def test_stray_taps_on_the_department_tiles_are_ignored(event: str) -> None:
    chart, _ = make()
    assert tap(chart, event) == []
    assert chart.current_state_value == "departments"


# -- through the real screens ------------------------------------------------------------------------


@pytest.fixture
def lobby(qapp: QApplication, demo_config: Config) -> Iterator[tuple[Kiosk, PatientHands, Services]]:
    built: dict[str, Services] = {}

    def services(config: Config, post: Callable[[Any], None]) -> Services:
        built["s"] = s = build_services(config, post)
        return s

    kiosk = build_kiosk(demo_config, qapp, services=services)
    built["s"].start()
    kiosk.start(fullscreen=False, hide_cursor=False)
    kiosk.window.resize(1920, 1080)
    kiosk.translations.set_locale("en")
    try:
        yield kiosk, PatientHands(kiosk, qapp), built["s"]
    finally:
        kiosk.runner.post(HomeRequested())
        qapp.processEvents()
        kiosk.stop()


def _texts(kiosk: Kiosk) -> list[str]:
    window = kiosk.window
    return [w.text() for w in window.findChildren(QLabel)] + [w.text() for w in window.findChildren(QAbstractButton)]


def test_register_through_the_screens_with_the_search_and_the_sandbox(
    lobby: tuple[Kiosk, PatientHands, Services],
) -> None:
    kiosk, hands, services = lobby
    payments, his, hub = services.payments, services.his, services.sim_hub
    assert payments is not None
    assert payments.sandbox is not None
    assert his is not None
    assert hub is not None
    assert "registration" in kiosk.runner.chart.available
    hands.choose("registration")
    hands.wait_for(IdentifyView)
    hands.panel.insert_id_card(1)  # 李四
    hands.wait_for(MessageView, where=lambda v: v.title.source == "Please confirm")
    hands.tap("action_yes")
    tiles = hands.wait_for(ListView, where=lambda v: v.tiles)
    screen = kiosk.window.current_screen()
    assert isinstance(screen, ListScreen)
    assert len(screen.rows) == len(tiles.items) == 6
    assert all(row.height() >= 90 for row in screen.rows)  # touch targets
    hands.tap("action_search")
    hands.wait_for(SearchView)
    for letter in "XXG":  # 心血管内科
        hands.tap(f"key_{letter}")
    found = hands.wait_for(SearchView, where=lambda v: v.query == "XXG" and bool(v.items))
    assert [i.title.args[0] for i in found.items] == ["心血管内科"]
    search = kiosk.window.current_screen()
    assert isinstance(search, SearchScreen)
    QTest.mouseClick(search.rows[0], Qt.MouseButton.LeftButton)
    doctors = hands.wait_for(ListView, where=lambda v: v.step.index == 3)
    assert doctors.items
    screen = kiosk.window.current_screen()
    assert isinstance(screen, ListScreen)
    QTest.mouseClick(screen.rows[0], Qt.MouseButton.LeftButton)
    times = hands.wait_for(ListView, where=lambda v: v.step.index == 4)
    QTest.mouseClick(screen.rows[0], Qt.MouseButton.LeftButton)
    confirm = hands.wait_for(MessageView, where=lambda v: v.title.source == "Please check your booking")
    fee = confirm.figure.args[0] if confirm.figure else ""
    assert fee.startswith("¥")
    chosen = times.items[0].id
    hands.tap("action_confirm")
    qr = hands.wait_for(QrPaymentView, timeout=15)
    assert qr.amount == fee
    patient_id = kiosk.runner.chart.session.flow.patient.id  # type: ignore[union-attr]
    assert (
        his.unpaid_bills(patient_id) == []
        or all(  # a held fee is not a bill to pay elsewhere
            b.total_fen != int(fee[1:].replace(".", "")) or b.department_name != "心血管内科"
            for b in his.unpaid_bills(patient_id)
        )
    )
    order_no = qr.payload.rsplit("/", 1)[-1]
    payments.sandbox.orders.decide(order_no, approve=True)
    done = hands.wait_for(MessageView, timeout=20, where=lambda v: v.title.source == "You are registered")
    assert done.figure is not None
    queue = done.figure.args[0]
    [page] = hub.get(PRINTER, PrinterSimulator).cut_pages()
    assert any(f"{queue}号" in line for line in page.text)
    assert all("李四" not in line for line in page.text)
    booked = [a for a in his.appointments_on(patient_id, datetime.now(ZONE).date()) if a.slot_id == chosen]
    later = [
        a
        for offset in range(7)
        for a in his.appointments_on(patient_id, datetime.now(ZONE).date() + timedelta(days=offset))
        if a.slot_id == chosen
    ]
    assert [a.status for a in booked or later] == [AppointmentStatus.BOOKED]
    hands.tap("action_ok")
    hands.wait_for(GoodbyeView)
    kiosk.runner.post(HomeRequested())
    hands.wait_for(HomeView)
    hands.qapp.processEvents()
    assert [t for t in _texts(kiosk) if "李" in t or "心血管" in t or order_no in t] == []
    assert kiosk.runner.chart.session.flow is None
