"""Registration (挂号): department → doctor → time → confirm → hold the place → pay → ticket.

Step 1 is the shared Identify chart (see patient_flow.py). Once the patient has confirmed who
they are, :class:`Registration` takes over:

    state               event                guard                 → target             effects
    ------------------  -------------------  --------------------  -------------------  ------------------------------
    loading             loaded(departments)  any                   departments          tiles, six a page (elderly: 4)
    loading             loaded(departments)  none                  no_departments       go to the counter
    loading             load_failed(error)                         load_down            try again (code for staff)
    load_down           retry                                      loading
    departments         page(delta)          that page exists      departments
    departments         search                                     searching            the letter pad
    searching           letter(ch) / delete                        searching            the matches so far
    searching           back                                       departments
    departments,
    searching           pick(id)             a listed department   loading_slots        the next 7 days' places
    loading_slots       slots_loaded(slots)  the doctor still has  times                (after "place taken")
    loading_slots       slots_loaded(slots)  any                   doctors              one row a doctor: title, fee
    loading_slots       slots_loaded(slots)  none                  no_places            another department, or stop
    loading_slots       slots_failed(error)                        slots_down           try again / back
    slots_down          retry                                      loading_slots
    slots_down,
    no_places,
    doctors             back                                       departments
    doctors             page / pick(doctor)  listed                doctors / times      the doctor's sessions
    times               page / pick(slot)    listed                times / confirming   read back everything and the fee
    times               back                                       doctors
    confirming          confirm              a fee, no payments    unavailable          register at the counter
    confirming          confirm                                    checking_printer     ask the receipt printer
    confirming          back                                       times
    checking_printer    printer_ready                              holding              book (HIS; a new booking key)
    checking_printer    printer_unusable                           no_printer           without a ticket, or stop
    no_printer          no_ticket                                  holding
    no_printer          back                                       confirming
    holding             held(hold)           a fee is due          paying               the PayStep, for the fee's bill
    holding             held(hold)           free, ticket wanted   printing
    holding             held(hold)           free                  done
    holding             taken(error)                               place_taken          "just taken": choose again
    holding             refused(error)                             hold_refused         the HIS's reason
    holding             hold_failed(error)                         hold_down            try again (same key: no double)
    hold_down           retry                                      holding
    hold_down,
    hold_refused        back                                       times
    place_taken         ok                                         loading_slots        fresh places, same doctor
    paying              (any event)                                paying               passed to the PayStep
    paying              pay_settled                                confirming_booking   read the booking back
    paying              pay_back                                   confirming           release the hold (worker)
    paying              pay_refunded                               loading_slots        the place was lost; refunded
    paying              pay_ended            nothing charged       finished             release the hold (worker)
    paying              pay_ended            otherwise             finished             (recorded: staff finish it)
    confirming_booking  confirmed(appt)      ticket wanted         printing             record the job, print
    confirming_booking  confirmed(appt)                            done
    printing            printed / print_failed                     done                 job kept for reprint
    done                ok                                         finished
    unavailable,
    no_departments,
    no_places,
    no_printer,
    hold_down,
    hold_refused        ok / stop                                  finished
    finished            (final: FlowDone; the session shows goodbye and wipes everything)

Money is only taken for a place the HIS holds for this patient (锁号): the HIS answers a booking
with a held appointment and the bill of its fee; settling that bill confirms the booking, and a
hold that lapses or is taken meanwhile makes the HIS refuse the settlement, so the ledger
refunds it and the patient chooses another time. A place taken before paying is said at once,
and the patient returns to the time choice with nothing paid. A hold is only released when no
money can have moved; otherwise it is left to lapse. Cancel (Home), the idle timeout and card
removal belong to the session, which runs ``RegistrationFlow.end()``. Runs on the flow thread,
imports no Qt; jobs run on workers. Nothing here logs a name.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from statemachine import State

from kiosk.devices.escpos_printer import PrintOutcome
from kiosk.devices.receipt import Receipt, ReceiptTotal
from kiosk.devices.status import DeviceStatus, StatusFlag
from kiosk.domain import Appointment, AppointmentStatus, Bill, Department, Doctor, Patient, Slot
from kiosk.errors import QT_TRANSLATE_NOOP, KioskError, ServiceUnavailableError
from kiosk.flows import department_search
from kiosk.flows.chart import Incoming
from kiosk.flows.context import FlowContext
from kiosk.flows.effects import Effect, RunJob, Show
from kiosk.flows.events import FlowEvent, JobFinished
from kiosk.flows.patient_flow import PatientFlow
from kiosk.flows.pay import NOTHING_CHARGED, PayingChart, Payments, PayStep, yuan
from kiosk.flows.printer_check import TicketPrinter, check_receipt_printer, print_kept, printer_verdict
from kiosk.flows.service import PAGE_SIZE, FlowDone, Preferences
from kiosk.flows.views import Action, BusyView, ListItem, ListView, MessageView, SearchView, Step, Text
from kiosk.his.errors import HisConflict, HisError, HisFeeNotCollectable, HisRejected, HisUnavailable
from kiosk.his.gateway import HisGateway

log = logging.getLogger(__name__)

STEPS = 7  # identify, department, doctor, time, confirm, pay, the ticket
# Matches shown beside / under the letter pad (the pad takes the rest of the screen); fewer than
# a page of a list in either mode.
SEARCH_RESULTS = 3
MAX_QUERY = 12
DAYS = 7  # how far ahead places are offered (the HIS publishes a week)
RELEASE_WAIT_S = 200.0  # longest a payment can stay open (card terminal) before a hold is released

WEEKDAYS = (  # %1 is the date and time of a session
    QT_TRANSLATE_NOOP("flows", "Mon %1"),
    QT_TRANSLATE_NOOP("flows", "Tue %1"),
    QT_TRANSLATE_NOOP("flows", "Wed %1"),
    QT_TRANSLATE_NOOP("flows", "Thu %1"),
    QT_TRANSLATE_NOOP("flows", "Fri %1"),
    QT_TRANSLATE_NOOP("flows", "Sat %1"),
    QT_TRANSLATE_NOOP("flows", "Sun %1"),
)
TODAY = Text(QT_TRANSLATE_NOOP("flows", "Today"))
GENERAL_CLINIC = "-"  # the doctor key of sessions without a named doctor (普通门诊)


class Job(StrEnum):
    """Background jobs of this chart (dotted names, so ``match`` compares instead of capturing)."""

    LOAD = "registration.load"
    SLOTS = "registration.slots"
    PRINTER = "registration.printer"
    HOLD = "registration.hold"
    RELEASE = "registration.release"
    CONFIRM = "registration.confirm"
    PRINT = "registration.print"


@dataclass(frozen=True)
class Hold:
    """A place the HIS holds for the patient, and the bill of its fee (None: free, already booked)."""

    appointment: Appointment
    bill: Bill | None


@dataclass(frozen=True)
class DoctorChoice:
    """One row of the doctor list: a doctor (or the general clinic) and their bookable sessions."""

    key: str
    doctor: Doctor | None
    slots: tuple[Slot, ...]


OK = Action("ok", Text(QT_TRANSLATE_NOOP("flows", "Done")), primary=True)
RETRY = Action("retry", Text(QT_TRANSLATE_NOOP("flows", "Try again")), primary=True)
STOP = Action("stop", Text(QT_TRANSLATE_NOOP("flows", "Stop")))
SEARCH = Action("search", Text(QT_TRANSLATE_NOOP("flows", "Search by pinyin")))
CONFIRM = Action("confirm", Text(QT_TRANSLATE_NOOP("flows", "Confirm and pay")), primary=True)
CONFIRM_FREE = Action("confirm", Text(QT_TRANSLATE_NOOP("flows", "Confirm")), primary=True)
NO_TICKET = Action("no_ticket", Text(QT_TRANSLATE_NOOP("flows", "Register without a ticket")), primary=True)
CHOOSE_AGAIN = Action("ok", Text(QT_TRANSLATE_NOOP("flows", "Choose another time")), primary=True)
ONE_MOMENT = Text(QT_TRANSLATE_NOOP("flows", "One moment"))
HIS_DOWN = Text(
    QT_TRANSLATE_NOOP(
        "flows",
        "The hospital system is not answering, and nothing was charged. "
        "Try again, or go to the counter if it keeps failing.",
    )
)
PLACE_LOST = QT_TRANSLATE_NOOP(
    "flows",
    "The place you chose could not be kept for you while you were paying, so the hospital did not "
    "take this payment. Your money is being returned to your account. Reference for staff: %1. "
    "Please choose another time.",
)


class Registration(PayingChart):
    loading = State(initial=True)
    load_down = State()
    no_departments = State()
    departments = State()
    searching = State()
    loading_slots = State()
    slots_down = State()
    no_places = State()
    doctors = State()
    times = State()
    confirming = State()
    unavailable = State()
    checking_printer = State()
    no_printer = State()
    holding = State()
    hold_down = State()
    hold_refused = State()
    place_taken = State()
    paying = State()
    confirming_booking = State()
    printing = State()
    done = State()
    finished = State(final=True)

    loaded = loading.to(departments, cond="any_departments") | loading.to(no_departments)
    load_failed = loading.to(load_down)
    search = departments.to(searching)
    letter = searching.to.itself(internal=True)  # type: ignore[no-untyped-call]
    delete = searching.to.itself(internal=True)  # type: ignore[no-untyped-call]
    page = (
        departments.to.itself(internal=True, cond="page_exists")  # type: ignore[no-untyped-call]
        | doctors.to.itself(internal=True, cond="page_exists")  # type: ignore[no-untyped-call]
        | times.to.itself(internal=True, cond="page_exists")  # type: ignore[no-untyped-call]
    )
    pick = (
        departments.to(loading_slots, cond="department_listed")
        | searching.to(loading_slots, cond="department_listed")
        | doctors.to(times, cond="doctor_listed")
        | times.to(confirming, cond="slot_listed")
    )
    slots_loaded = (
        loading_slots.to(times, cond="doctor_still_offered")
        | loading_slots.to(doctors, cond="any_slots")
        | loading_slots.to(no_places)
    )
    slots_failed = loading_slots.to(slots_down)
    retry = load_down.to(loading) | slots_down.to(loading_slots) | hold_down.to(holding)
    confirm = confirming.to(unavailable, cond="cannot_pay") | confirming.to(checking_printer)
    printer_ready = checking_printer.to(holding)
    printer_unusable = checking_printer.to(no_printer)
    no_ticket = no_printer.to(holding)
    held = holding.to(paying, cond="fee_due") | holding.to(printing, cond="ticket_wanted") | holding.to(done)
    taken = holding.to(place_taken)
    refused = holding.to(hold_refused)
    hold_failed = holding.to(hold_down)
    pay_settled = paying.to(confirming_booking)
    pay_back = paying.to(confirming)
    pay_refunded = paying.to(loading_slots)
    pay_ended = paying.to(finished)
    confirmed = confirming_booking.to(printing, cond="ticket_wanted") | confirming_booking.to(done)
    printed = printing.to(done)
    print_failed = printing.to(done)
    back = (
        searching.to(departments)
        | slots_down.to(departments)
        | no_places.to(departments)
        | doctors.to(departments)
        | times.to(doctors)
        | confirming.to(times)
        | unavailable.to(confirming)
        | no_printer.to(confirming)
        | hold_down.to(times)
        | hold_refused.to(times)
    )
    ok = (
        no_departments.to(finished)
        | no_places.to(finished)
        | unavailable.to(finished)
        | hold_refused.to(finished)
        | place_taken.to(loading_slots)
        | done.to(finished)
    )
    stop = no_printer.to(finished) | hold_down.to(finished)

    def __init__(
        self,
        patient: Patient,
        his: HisGateway,
        printer: TicketPrinter,
        payments: Payments | None,
        *,
        step: Callable[[int], Step],
        today: Callable[[], date],
        zone: ZoneInfo,
        now: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = datetime.now,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._patient = patient
        self._his = his
        self._printer = printer
        self._payments = payments
        self._step = step
        self._page_size = page_size
        self._today = today
        self._zone = zone
        self._now = now
        self._wall = wall
        self._departments: tuple[department_search.Searchable, ...] = ()
        self._query = ""
        self._department: Department | None = None
        self._choices: tuple[DoctorChoice, ...] = ()
        self._doctor: DoctorChoice | None = None
        self._slot: Slot | None = None
        self._page = 0
        self._booking_key = ""
        self._hold: Hold | None = None
        self._booked: Appointment | None = None
        self._ticket_wanted = True
        self._ticket_printed = False
        self._printer_status: DeviceStatus | None = None
        self._error: BaseException | None = None
        super().__init__()  # enters "loading", which asks the HIS

    def begin(self) -> list[Effect]:
        return self.take()

    def end(self) -> list[Effect]:
        """The session is ending before the flow did (Home, idle timeout, card taken): close an
        open payment, and release the held place once no money can have moved."""
        hold = self._hold
        if hold is None or self._booked is not None or self.current_state_value in ("done", "finished"):
            return []
        step, payments, his = self.pay_step, self._payments, self._his
        payment_id = step.payment_id if step is not None else None
        if step is not None and (step.settled or step.current_state_value in ("recorded", "returned")):
            return []  # paid, or in the hands of the resolver and the HIS: nothing to undo here
        if payment_id is None or payments is None:
            return [RunJob(Job.RELEASE, lambda: _release(his, hold.appointment))]
        log.info("registration: leaving mid-payment %s; the hold is released once nothing is charged", payment_id)
        return [RunJob(Job.RELEASE, lambda: _release_after(payments, payment_id, his, hold.appointment))]

    # -- routing ---------------------------------------------------------------------------------

    def route(self, event: Incoming) -> tuple[str | None, dict[str, Any]]:
        match event:
            case FlowEvent(name="pick", value=str(choice)):
                return "pick", {"choice": choice}
            case FlowEvent(name="page", value=int(delta)):
                return "page", {"delta": delta}
            case FlowEvent(name="letter", value=str(letter)) if len(letter) == 1 and letter.isascii():
                return "letter", {"letter": letter}
            case FlowEvent(
                name=("ok" | "back" | "retry" | "stop" | "search" | "delete" | "confirm" | "no_ticket") as name
            ):
                return name, {}
            case JobFinished(name=Job.LOAD, result=tuple(entries), error=None):
                return "loaded", {"entries": entries}
            case JobFinished(name=Job.LOAD, error=error) if error is not None:
                return "load_failed", {"error": error}
            case JobFinished(name=Job.SLOTS, result=list(slots), error=None):
                return "slots_loaded", {"slots": slots}
            case JobFinished(name=Job.SLOTS, error=error) if error is not None:
                return "slots_failed", {"error": error}
            case JobFinished(name=Job.PRINTER, result=result, error=error):
                return printer_verdict(result, error)
            case JobFinished(name=Job.HOLD, result=Hold() as hold, error=None):
                return "held", {"hold": hold}
            case JobFinished(name=Job.HOLD, error=HisConflict() as error):
                return "taken", {"error": error}
            case JobFinished(name=Job.HOLD, error=HisUnavailable() | ServiceUnavailableError() as error):
                return "hold_failed", {"error": error}
            case JobFinished(name=Job.HOLD, error=HisError() as error):
                return "refused", {"error": error}
            case JobFinished(name=Job.HOLD, error=error) if error is not None:
                return "hold_failed", {"error": error}
            case JobFinished(name=Job.CONFIRM, result=result, error=error):
                return "confirmed", {"appointment": result if isinstance(result, Appointment) else None, "error": error}
            case JobFinished(name=Job.PRINT, result=PrintOutcome(printed=True), error=None):
                return "printed", {}
            case JobFinished(name=Job.PRINT, error=error):
                return "print_failed", {"error": error}
            case JobFinished(name=Job.RELEASE, error=error) if error is not None:
                log.warning("registration: releasing a hold failed (it lapses by itself): %s", error)
        return None, {}

    # -- guards ----------------------------------------------------------------------------------

    def any_departments(self, entries: Sequence[department_search.Searchable]) -> bool:
        return bool(entries)

    def page_exists(self, delta: int) -> bool:
        return 0 <= self._page + delta < self._pages()

    def department_listed(self, choice: str) -> bool:
        return any(e.department.id == choice for e in self._departments)

    def doctor_listed(self, choice: str) -> bool:
        return any(c.key == choice for c in self._choices)

    def slot_listed(self, choice: str) -> bool:
        return self._doctor is not None and any(s.id == choice for s in self._doctor.slots)

    def doctor_still_offered(self, slots: Sequence[Slot]) -> bool:
        chosen = self._doctor
        return chosen is not None and any(_doctor_key(s) == chosen.key for s in slots)

    def any_slots(self, slots: Sequence[Slot]) -> bool:
        return bool(slots)

    def cannot_pay(self) -> bool:
        fee = self._slot.fee_fen if self._slot is not None else 0
        return fee > 0 and (self._payments is None or not self._payments.provider_names())

    def fee_due(self, hold: Hold) -> bool:
        return hold.bill is not None and hold.appointment.status is AppointmentStatus.PENDING

    def ticket_wanted(self) -> bool:
        return self._ticket_wanted

    # -- actions: departments ----------------------------------------------------------------------

    def on_enter_loading(self) -> None:
        his = self._his
        self.emit(Show(self._busy(2, Text(QT_TRANSLATE_NOOP("flows", "Looking up the departments…")))))
        self.emit(RunJob(Job.LOAD, lambda: department_search.index(his.departments())))

    def on_loaded(self, entries: Sequence[department_search.Searchable]) -> None:
        self._departments = tuple(entries)
        log.info("registration: %d department(s)", len(self._departments))

    def on_load_failed(self, error: BaseException) -> None:
        log.warning("registration: could not load the departments: %s", error)
        self._error = error

    def on_enter_load_down(self) -> None:
        title = Text(QT_TRANSLATE_NOOP("flows", "Please wait"))
        self.emit(Show(self._message(2, title, HIS_DOWN, (RETRY,), back=False, tone="warning", code=self._code())))

    def on_enter_no_departments(self) -> None:
        title = Text(QT_TRANSLATE_NOOP("flows", "Registration is not available here"))
        body = Text(
            QT_TRANSLATE_NOOP("flows", "No department takes bookings at this kiosk. Please ask at the counter.")
        )
        self.emit(Show(self._message(2, title, body, (OK,), back=False, tone="warning")))

    def on_enter_departments(self, source: State | None = None) -> None:
        if source is None or source.id == "loading":
            self._page = 0
        elif source.id != "searching":  # back from a department's doctors: its page again
            self._page = self._page_of(self._department)
        self._department = None
        self._doctor = None
        self._show_departments()

    def on_enter_searching(self) -> None:
        self._query = ""
        self._show_search()

    def on_letter(self, letter: str) -> None:
        if len(self._query) < MAX_QUERY:
            self._query += letter.upper()
        self._show_search()

    def on_delete(self) -> None:
        self._query = self._query[:-1]
        self._show_search()

    def on_page(self, delta: int) -> None:
        self._page += delta
        match self.current_state_value:
            case "departments":
                self._show_departments()
            case "doctors":
                self._show_doctors()
            case "times":
                self._show_times()

    def on_pick(self, choice: str, source: State) -> None:
        match source.id:
            case "departments" | "searching":
                self._department = next(e.department for e in self._departments if e.department.id == choice)
                self._doctor = None
                log.info("registration: department %s chosen", choice)
            case "doctors":
                self._doctor = next(c for c in self._choices if c.key == choice)
            case "times":
                chosen = self._doctor.slots if self._doctor is not None else ()
                self._slot = next(s for s in chosen if s.id == choice)
                log.info("registration: slot %s chosen", choice)

    # -- actions: doctors and times ----------------------------------------------------------------

    def on_enter_loading_slots(self) -> None:
        his, department, first = self._his, self._department, self._today()
        if department is None:
            return
        self.emit(Show(self._busy(3, Text(QT_TRANSLATE_NOOP("flows", "Looking up free places…")))))
        self.emit(RunJob(Job.SLOTS, lambda: _places(his, department.id, first)))

    def on_slots_loaded(self, slots: Sequence[Slot]) -> None:
        self._choices = _by_doctor(slots)
        if self._doctor is not None:  # after "place taken": the same doctor's fresh sessions
            self._doctor = next((c for c in self._choices if c.key == self._doctor.key), None)
        log.info("registration: %d free session(s), %d doctor(s)", len(slots), len(self._choices))

    def on_slots_failed(self, error: BaseException) -> None:
        log.warning("registration: could not load the free places: %s", error)
        self._error = error

    def on_enter_slots_down(self) -> None:
        title = Text(QT_TRANSLATE_NOOP("flows", "Please wait"))
        self.emit(Show(self._message(3, title, HIS_DOWN, (RETRY,), back=True, tone="warning", code=self._code())))

    def on_enter_no_places(self) -> None:
        name = self._department.name if self._department is not None else ""
        title = Text(QT_TRANSLATE_NOOP("flows", "No free places"))
        body = Text(
            QT_TRANSLATE_NOOP(
                "flows",
                "%1 has no free places in the next %2 days. Choose another department, or ask at the counter.",
            ),
            (name, str(DAYS)),
        )
        self.emit(Show(self._message(3, title, body, (OK,), back=True, tone="warning")))

    def on_enter_doctors(self, source: State) -> None:
        if source.id in ("loading_slots",):
            self._page = 0
        else:  # back from the times: the doctor's page again
            keys = [c.key for c in self._choices]
            doctor = self._doctor
            self._page = keys.index(doctor.key) // self._page_size if doctor and doctor.key in keys else 0
        self._show_doctors()

    def on_enter_times(self, source: State) -> None:
        if source.id != "confirming":
            self._page = 0
        self._show_times()

    def on_enter_confirming(self) -> None:
        self.pay_step = None
        slot = self._slot
        if slot is None:
            return
        fee = slot.fee_fen
        title = Text(QT_TRANSLATE_NOOP("flows", "Please check your booking"))
        department = slot.department_name or self._department_name()
        where = slot.location or department
        if slot.doctor is not None:
            body = Text(
                QT_TRANSLATE_NOOP("flows", "Department: %1\nDoctor: %2\nTime: %3\nWhere: %4\nFee: %5"),
                (department, _doctor_line(slot.doctor), self._session_text(slot), where, yuan(fee)),
            )
        else:
            body = Text(
                QT_TRANSLATE_NOOP("flows", "Department: %1 (general clinic)\nTime: %2\nWhere: %3\nFee: %4"),
                (department, self._session_text(slot), where, yuan(fee)),
            )
        action = CONFIRM if fee > 0 else CONFIRM_FREE
        figure = Text("%1", (yuan(fee),))
        self.emit(Show(MessageView(self._step(5), title, (action,), can_go_back=True, body=body, figure=figure)))

    def on_enter_unavailable(self) -> None:
        title = Text(QT_TRANSLATE_NOOP("flows", "Payment is not available here"))
        body = Text(
            QT_TRANSLATE_NOOP("flows", "This kiosk cannot take payments right now. Please register at the counter.")
        )
        self.emit(Show(self._message(5, title, body, (OK,), back=True, tone="warning")))

    # -- actions: printer, hold, payment -----------------------------------------------------------

    def on_confirm(self) -> None:
        self._ticket_wanted = True
        self._booking_key = uuid.uuid4().hex  # one per attempt: a retried booking never books twice
        self._hold = None

    def on_enter_checking_printer(self) -> None:
        printer = self._printer
        self.emit(Show(self._busy(5, Text(QT_TRANSLATE_NOOP("flows", "Checking the ticket printer…")))))
        self.emit(check_receipt_printer(Job.PRINTER, printer))

    def on_printer_unusable(self, status: DeviceStatus | None, error: BaseException | None) -> None:
        self._printer_status = status
        log.warning("registration: receipt printer not usable: %s", status.describe() if status else error)

    def on_enter_no_printer(self) -> None:
        status = self._printer_status
        if status is not None and StatusFlag.PAPER_OUT in status.flags:
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "The ticket printer has run out of paper. You can still register here: your queue number "
                    "will be shown on this screen, and the counter can print your ticket. Or stop and "
                    "register at the counter.",
                )
            )
        else:
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "The ticket printer is not working right now. You can still register here: your queue "
                    "number will be shown on this screen, and the counter can print your ticket. Or stop "
                    "and register at the counter.",
                )
            )
        title = Text(QT_TRANSLATE_NOOP("flows", "No ticket can be printed"))
        self.emit(Show(self._message(5, title, body, (NO_TICKET, STOP), back=True, tone="warning")))

    def on_no_ticket(self) -> None:
        self._ticket_wanted = False

    def on_enter_holding(self) -> None:
        his, slot, patient_id, key = self._his, self._slot, self._patient.id, self._booking_key
        if slot is None:
            return
        self.emit(Show(self._busy(5, Text(QT_TRANSLATE_NOOP("flows", "Reserving your place…")))))
        self.emit(RunJob(Job.HOLD, lambda: _hold(his, patient_id, slot, key)))

    def on_held(self, hold: Hold) -> None:
        self._hold = hold
        if hold.bill is None or hold.appointment.status is not AppointmentStatus.PENDING:
            self._booked = hold.appointment  # free of charge: booked at once
        log.info("registration: appointment %s %s", hold.appointment.id, hold.appointment.status)

    def on_taken(self, error: HisError) -> None:
        self._error = error
        log.info("registration: slot %s was taken meanwhile: %s", self._slot.id if self._slot else "-", error)

    def on_refused(self, error: HisError) -> None:
        self._error = error
        log.warning("registration: the HIS refused the booking: %s", error)

    def on_hold_failed(self, error: BaseException) -> None:
        self._error = error
        log.warning("registration: booking failed: %s", error)

    def on_enter_place_taken(self) -> None:
        title = Text(QT_TRANSLATE_NOOP("flows", "That time was just taken"))
        body = Text(
            QT_TRANSLATE_NOOP(
                "flows", "Someone else booked the last place of that time a moment ago. Nothing was charged."
            )
        )
        self.emit(Show(self._message(4, title, body, (CHOOSE_AGAIN,), back=False, tone="warning")))

    def on_enter_hold_refused(self) -> None:
        error = self._error
        if isinstance(error, HisFeeNotCollectable):
            # The HIS cannot hold the place while the fee is paid (a plain FHIR server): the
            # kiosk asked for nothing, so nothing is held or charged.
            title = Text(QT_TRANSLATE_NOOP("flows", "Please register at the counter"))
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "Sessions with a registration fee cannot be booked at this kiosk. Nothing was booked or "
                    "charged. Please register at the counter, or choose a session without a fee.",
                )
            )
            self.emit(Show(self._message(5, title, body, (OK,), back=True, tone="warning", code=self._code())))
            return
        reason = error.reason.strip() if isinstance(error, HisRejected) else ""
        title = Text(QT_TRANSLATE_NOOP("flows", "This booking is not possible"))
        if reason:
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "The hospital system did not accept this booking, and nothing was charged. You can choose "
                    "another time, or ask at the counter.\nThe hospital system says: %1",
                ),
                (reason,),
            )
        else:
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "The hospital system did not accept this booking, and nothing was charged. You can choose "
                    "another time, or ask at the counter.",
                )
            )
        self.emit(Show(self._message(5, title, body, (OK,), back=True, tone="warning", code=self._code())))

    def on_enter_hold_down(self) -> None:
        title = Text(QT_TRANSLATE_NOOP("flows", "Please wait"))
        self.emit(Show(self._message(5, title, HIS_DOWN, (RETRY, STOP), back=True, tone="warning", code=self._code())))

    def on_enter_paying(self) -> None:
        payments, hold = self._payments, self._hold
        if payments is None or hold is None or hold.bill is None:
            return
        self.outcome = None
        self.pay_step = PayStep(
            payments,
            self._patient.id,
            (hold.bill,),
            hold.bill.total_fen,
            step=self._step(6),
            now=self._now,
            returned=PLACE_LOST,
            page_size=self._page_size,
        )
        for effect in self.pay_step.begin():
            self.emit(effect)

    def on_pay_back(self) -> None:
        self._emit_release()

    def on_pay_refunded(self) -> None:
        log.warning("registration: the HIS refused the fee of hold %s; refunded", self._hold_id())
        self._hold = None
        self.pay_step = None

    def on_pay_ended(self) -> None:
        outcome = self.outcome
        if outcome is None or outcome.kind in NOTHING_CHARGED:
            self._emit_release()  # the patient stopped: nothing was charged, the place goes back

    def on_enter_confirming_booking(self) -> None:
        his, hold = self._his, self._hold
        if hold is None:
            return
        self.emit(Show(self._busy(6, Text(QT_TRANSLATE_NOOP("flows", "Confirming your booking…")))))
        self.emit(RunJob(Job.CONFIRM, lambda: his.appointment(hold.appointment.id)))

    def on_confirmed(self, appointment: Appointment | None, error: BaseException | None) -> None:
        hold = self._hold
        if appointment is None:  # the fee is settled, so the HIS has booked it: go on with the hold
            log.warning("registration: reading the booking back failed: %s", error)
        elif appointment.status is not AppointmentStatus.BOOKED:
            log.warning(
                "registration: appointment %s is %s after its fee was settled", appointment.id, appointment.status
            )
        self._booked = appointment or (hold.appointment if hold is not None else None)

    def on_enter_printing(self) -> None:
        booked, slot = self._booked, self._slot
        if booked is None or slot is None:
            return
        printer, receipt, job_id = self._printer, self._receipt(booked, slot), f"registration-{booked.id}"
        self.emit(Show(self._busy(7, Text(QT_TRANSLATE_NOOP("flows", "Printing your ticket…")))))
        self.emit(RunJob(Job.PRINT, lambda: print_kept(printer, receipt, job_id)))

    def on_printed(self) -> None:
        self._ticket_printed = True

    def on_print_failed(self, error: BaseException | None) -> None:
        # The booking stands; the job stays in the print job store for staff to reprint.
        log.warning("registration: ticket for appointment %s not printed, kept for reprint: %s", self._hold_id(), error)

    def on_enter_done(self) -> None:
        booked, slot = self._booked, self._slot
        if booked is None or slot is None:
            return
        where = slot.location or slot.department_name or self._department_name()
        when = self._session_text(slot)
        queue = booked.queue_number
        if not queue:
            self._done_without_number(where, when)
            return
        if self._ticket_printed:
            title = Text(QT_TRANSLATE_NOOP("flows", "You are registered"))
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows", "Please take your ticket. Go to %1 at %2 and wait until your number is called."
                ),
                (where, when),
            )
        elif self._ticket_wanted:
            title = Text(QT_TRANSLATE_NOOP("flows", "Registered, ticket not printed"))
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "Please remember your number. Go to %1 at %2 and wait until it is called. "
                    "The counter can print your ticket again.",
                ),
                (where, when),
            )
        else:
            title = Text(QT_TRANSLATE_NOOP("flows", "Registered without a ticket"))
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "Please remember your number. Go to %1 at %2 and wait until it is called. "
                    "The counter can print your ticket.",
                ),
                (where, when),
            )
        figure = Text(QT_TRANSLATE_NOOP("flows", "No. %1"), (queue,)) if queue else None
        self.emit(Show(MessageView(self._step(7), title, (OK,), can_go_back=False, body=body, figure=figure)))

    def _done_without_number(self, where: str, when: str) -> None:
        """The HIS gives no queue number (no kiosk profile): the ticket and the screen say where
        to wait instead of a number to remember."""
        if self._ticket_printed:
            title = Text(QT_TRANSLATE_NOOP("flows", "You are registered"))
            body = Text(
                QT_TRANSLATE_NOOP("flows", "Please take your ticket. Go to %1 at %2 and wait there to be called."),
                (where, when),
            )
        else:
            title = Text(QT_TRANSLATE_NOOP("flows", "Registered without a ticket"))
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows", "Go to %1 at %2 and wait there to be called. The counter can print your ticket."
                ),
                (where, when),
            )
        self.emit(Show(MessageView(self._step(7), title, (OK,), can_go_back=False, body=body)))

    def on_enter_finished(self) -> None:
        self.pay_step = None
        self.emit(FlowDone())

    # -- views -----------------------------------------------------------------------------------

    def _show_departments(self) -> None:
        first = self._page * self._page_size
        entries = self._departments[first : first + self._page_size]
        items = tuple(
            ListItem(e.department.id, Text("%1", (e.department.name,)), _description(e.department)) for e in entries
        )
        view = ListView(
            self._step(2),
            Text(QT_TRANSLATE_NOOP("flows", "Choose a department")),
            (SEARCH,),
            can_go_back=False,
            prompt=Text(QT_TRANSLATE_NOOP("flows", "Tap the department you want to see, or search for it.")),
            items=items,
            page=self._page,
            pages=self._pages(),
            tiles=True,
        )
        self.emit(Show(view))

    def _show_search(self) -> None:
        found = department_search.search(self._query, self._departments)
        items = tuple(ListItem(d.id, Text("%1", (d.name,))) for d in found[:SEARCH_RESULTS])  # one line each
        if not self._query:
            prompt = Text(QT_TRANSLATE_NOOP("flows", "Type the first letters of the pinyin, e.g. NK for 内科."))
        elif not found:
            prompt = Text(
                QT_TRANSLATE_NOOP("flows", "No department matches %1. Tap Delete to change it."), (self._query,)
            )
        else:
            prompt = Text(QT_TRANSLATE_NOOP("flows", "Tap your department."))
        view = SearchView(
            self._step(2),
            Text(QT_TRANSLATE_NOOP("flows", "Search for a department")),
            can_go_back=True,
            prompt=prompt,
            query=self._query,
            items=items,
            more=max(0, len(found) - SEARCH_RESULTS),
            max_length=MAX_QUERY,
        )
        self.emit(Show(view))

    def _show_doctors(self) -> None:
        first = self._page * self._page_size
        items = tuple(self._doctor_item(c) for c in self._choices[first : first + self._page_size])
        view = ListView(
            self._step(3),
            Text(QT_TRANSLATE_NOOP("flows", "Choose a doctor · %1"), (self._department_name(),)),
            can_go_back=True,
            prompt=Text(QT_TRANSLATE_NOOP("flows", "Doctors with free places in the next %1 days."), (str(DAYS),)),
            items=items,
            page=self._page,
            pages=self._pages(),
        )
        self.emit(Show(view))

    def _doctor_item(self, choice: DoctorChoice) -> ListItem:
        fees = sorted({s.fee_fen for s in choice.slots})
        fee = yuan(fees[0]) if len(fees) == 1 else f"{yuan(fees[0])}–{yuan(fees[-1])}"
        first = self._day_text(choice.slots[0].start)
        places = str(sum(s.remaining for s in choice.slots))
        detail = Text(QT_TRANSLATE_NOOP("flows", "Fee %1 · first free %2 · %3 places"), (fee, first, places))
        if choice.doctor is None:
            return ListItem(choice.key, Text(QT_TRANSLATE_NOOP("flows", "General clinic")), detail)
        return ListItem(choice.key, Text("%1", (_doctor_line(choice.doctor),)), detail)

    def _show_times(self) -> None:
        chosen = self._doctor
        slots = chosen.slots if chosen is not None else ()
        first = self._page * self._page_size
        items = tuple(self._time_item(s) for s in slots[first : first + self._page_size])
        if chosen is None or chosen.doctor is None:
            title = Text(QT_TRANSLATE_NOOP("flows", "Choose a time · %1"), (self._department_name(),))
        else:
            title = Text(QT_TRANSLATE_NOOP("flows", "Choose a time · %1"), (chosen.doctor.name,))
        view = ListView(
            self._step(4),
            title,
            can_go_back=True,
            prompt=Text(QT_TRANSLATE_NOOP("flows", "Tap the day and time you want to come.")),
            items=items,
            page=self._page,
            pages=self._pages(),
        )
        self.emit(Show(view))

    def _time_item(self, slot: Slot) -> ListItem:
        start = slot.start.astimezone(self._zone)
        title = Text(WEEKDAYS[start.weekday()], (self._session_text(slot),))
        detail = Text(QT_TRANSLATE_NOOP("flows", "%1 places left · fee %2"), (str(slot.remaining), yuan(slot.fee_fen)))
        return ListItem(slot.id, title, detail, badge=TODAY if start.date() == self._today() else None)

    def _busy(self, step: int, body: Text) -> BusyView:
        return BusyView(self._step(step), ONE_MOMENT, can_go_back=False, body=body)

    def _message(
        self,
        step: int,
        title: Text,
        body: Text,
        actions: tuple[Action, ...],
        *,
        back: bool,
        tone: str = "info",
        code: int | None = None,
    ) -> MessageView:
        return MessageView(self._step(step), title, actions, can_go_back=back, body=body, tone=tone, code=code)

    def _day_text(self, moment: datetime) -> str:
        return f"{moment.astimezone(self._zone):%m-%d}"

    def _session_text(self, slot: Slot) -> str:
        start, end = slot.start.astimezone(self._zone), slot.end.astimezone(self._zone)
        return f"{start:%Y-%m-%d} {start:%H:%M}–{end:%H:%M}"

    # -- helpers ---------------------------------------------------------------------------------

    def _pages(self) -> int:
        match self.current_state_value:
            case "departments":
                count = len(self._departments)
            case "doctors":
                count = len(self._choices)
            case "times":
                count = len(self._doctor.slots) if self._doctor is not None else 0
            case _:
                count = 0
        return max(1, math.ceil(count / self._page_size))

    def _page_of(self, department: Department | None) -> int:
        ids = [e.department.id for e in self._departments]
        return ids.index(department.id) // self._page_size if department is not None and department.id in ids else 0

    def _department_name(self) -> str:
        return self._department.name if self._department is not None else ""

    def _hold_id(self) -> str:
        return self._hold.appointment.id if self._hold is not None else "-"

    def _emit_release(self) -> None:
        hold, his = self._hold, self._his
        self._hold = None
        if hold is not None and hold.appointment.status is AppointmentStatus.PENDING:
            self.emit(RunJob(Job.RELEASE, lambda: _release(his, hold.appointment)))

    def _code(self) -> int | None:
        error = self._error
        if isinstance(error, KioskError):
            return error.code
        return ServiceUnavailableError.code if error is not None else None

    def _receipt(self, appointment: Appointment, slot: Slot) -> Receipt:
        """The registration ticket, in the hospital's language: the number big, where, when, the fee."""
        queue = appointment.queue_number
        fields = [("科室", slot.department_name or self._department_name())]
        if slot.location:
            fields.append(("就诊位置", slot.location))
        if slot.doctor is not None:
            fields.append(("医生", _doctor_line(slot.doctor)))
        else:
            fields.append(("号别", "普通门诊"))
        fields.append(("就诊时间", self._session_text(slot)))
        if not queue:  # no number to be called by: where to wait instead
            fields.append(("候诊地点", slot.location or slot.department_name or self._department_name()))
        fields.append(("挂号时间", f"{self._wall():%Y-%m-%d %H:%M}"))
        outcome = self.outcome
        totals: tuple[ReceiptTotal, ...] = ()
        if outcome is not None:
            fields.append(("支付流水号", outcome.payment_id))
            if outcome.receipt_number:
                fields.append(("票据号", outcome.receipt_number))
            totals = (ReceiptTotal("挂号费", outcome.amount_fen, emphasis=True),)
        return Receipt(
            title=f"{queue}号" if queue else "挂号成功",
            subtitle="门诊挂号凭条",
            patient_masked=self._patient.masked_name,
            fields=tuple(fields),
            totals=totals,
            qr=appointment.id,
            qr_caption=f"预约号 {appointment.id}",
            footer=("请按时到诊区签到候诊", "过号请到分诊台咨询"),
        )


def _doctor_key(slot: Slot) -> str:
    return slot.doctor.id if slot.doctor is not None else GENERAL_CLINIC


def _doctor_line(doctor: Doctor) -> str:
    return f"{doctor.name} {doctor.title}".strip()


def _description(department: Department) -> Text:
    return Text("%1", (department.description,)) if department.description else Text("")


def _by_doctor(slots: Sequence[Slot]) -> tuple[DoctorChoice, ...]:
    """The sessions grouped by doctor, doctors by their first free session, named ones first."""
    groups: dict[str, list[Slot]] = {}
    doctors: dict[str, Doctor | None] = {}
    for slot in sorted(slots, key=lambda s: s.start):
        if slot.remaining <= 0:
            continue
        key = _doctor_key(slot)
        groups.setdefault(key, []).append(slot)
        doctors[key] = slot.doctor
    choices = [DoctorChoice(key, doctors[key], tuple(group)) for key, group in groups.items()]
    return tuple(sorted(choices, key=lambda c: (c.doctor is None, c.slots[0].start)))


def _places(his: HisGateway, department_id: str, first: date) -> list[Slot]:
    """The department's free sessions over the next DAYS days. Worker thread."""
    return list(his.slots(department_id, first, DAYS))


def _hold(his: HisGateway, patient_id: str, slot: Slot, booking_key: str) -> Hold:
    """Books the slot (held until its fee is paid) and fetches the fee's bill. Worker thread."""
    appointment = his.book(patient_id, slot, booking_key)
    if appointment.status is AppointmentStatus.PENDING and appointment.bill_id:
        return Hold(appointment, his.bill(appointment.bill_id))
    return Hold(appointment, None)


def _release(his: HisGateway, appointment: Appointment) -> None:
    """Gives a held place back. Worker thread."""
    his.cancel_booking(appointment)
    log.info("registration: hold %s released", appointment.id)


def _release_after(payments: Payments, payment_id: str, his: HisGateway, appointment: Appointment) -> None:
    """Closes the open payment, waits until it is final, and releases the hold only if nothing was
    charged: a payment that went through settles and keeps the booking. Worker thread."""
    payments.cancel_payment(payment_id)
    outcome = payments.await_payment(payment_id)
    if outcome.kind in NOTHING_CHARGED:
        _release(his, appointment)
    else:
        log.info("registration: payment %s ended %s; hold %s kept", payment_id, outcome.kind, appointment.id)


class RegistrationFlow(PatientFlow):
    """The registration service: identify, then the :class:`Registration` chart. Flow thread."""

    service = "registration"
    steps = STEPS

    def __init__(
        self,
        context: FlowContext,
        preferences: Preferences | None = None,
        *,
        now: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(context, preferences)
        self._zone = ZoneInfo(context.config.his.timezone)
        self._now = now
        self._wall = wall if wall is not None else (lambda: datetime.now(self._zone))
        self.chart: Registration | None = None

    def end(self) -> Sequence[Effect]:
        return self.chart.end() if self.chart is not None else []

    def after_identify(self, patient: Patient) -> Sequence[Effect]:
        self.chart = Registration(
            patient,
            self.context.his,
            self.context.devices,
            self.context.services.payments,
            step=self.step,
            today=lambda: self._wall().date(),
            zone=self._zone,
            now=self._now,
            wall=self._wall,
            page_size=self.preferences.page_size,
        )
        return self.chart.begin()
