"""Check-in (预约签到): today's appointments → check in within the HIS's window → queue ticket.

Step 1 is the shared Identify chart (see patient_flow.py). Once the patient has confirmed who
they are, :class:`Checkin` takes over:

    state             event                  guard              → target           effects
    ----------------  ---------------------  -----------------  -----------------  --------------------------------
    loading           loaded(appointments)   any today          choosing           list: time, department, doctor
    loading           loaded(appointments)   none today         none_today         say so, suggest registration
    loading           load_failed(error)                        load_down          try again (code for staff)
    load_down         retry                                     loading            the same lookup again
    none_today        ok                                        finished
    choosing          page(delta)            that page exists   choosing           the list's other page
    choosing          pick(id)               still booked       checking_printer   ask the receipt printer (worker)
    choosing          ok                     nothing open       finished
    checking_printer  printer_ready                             checking_in        check in (HIS)
    checking_printer  printer_unusable                          no_printer         without a ticket, or stop
    no_printer        no_ticket                                 checking_in        (the number only on screen)
    no_printer        stop                                      finished
    no_printer        back                                      choosing
    checking_in       checked_in(appt)       ticket wanted      printing           record the job, print the ticket
    checking_in       checked_in(appt)       no ticket          done
    checking_in       rejected(error)        refused, early     too_early          come back at …, the HIS's reason
    checking_in       rejected(error)        otherwise          to_counter         too late / refused: the counter
    checking_in       checkin_failed(error)                     checkin_down       try again (code for staff)
    checkin_down      retry                                     checking_in        (checking in twice is harmless)
    checkin_down,
    too_early,
    to_counter        back                                      choosing           the same list
    too_early,
    to_counter        ok                                        finished
    printing          printed                                   done               the number large, wait to be called
    printing          print_failed                              done               the same; job kept for reprint
    done              ok                                        finished
    finished          (final: FlowDone; the session shows goodbye and wipes everything)

Cancel (Home), the idle timeout and card removal belong to the session and PatientFlow. The
HIS decides whether a check-in is allowed; the kiosk only explains a refusal, comparing the
appointment's times with its clock. The chart runs on the flow thread and imports no Qt; its
jobs run on workers and block on device futures with timeouts. Nothing here logs a name.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from statemachine import State

from kiosk.devices.escpos_printer import PrintOutcome
from kiosk.devices.receipt import Receipt
from kiosk.devices.status import DeviceStatus, StatusFlag
from kiosk.domain import Appointment, AppointmentStatus, Patient
from kiosk.errors import QT_TRANSLATE_NOOP, KioskError, ServiceUnavailableError
from kiosk.flows.chart import FlowChart, Incoming
from kiosk.flows.context import FlowContext
from kiosk.flows.effects import Effect, RunJob, Show
from kiosk.flows.events import FlowEvent, JobFinished
from kiosk.flows.patient_flow import PatientFlow
from kiosk.flows.printer_check import TicketPrinter, check_receipt_printer, print_kept, printer_verdict
from kiosk.flows.service import PAGE_SIZE, FlowDone, Preferences
from kiosk.flows.views import Action, BusyView, ListItem, ListView, MessageView, Step, Text
from kiosk.his.errors import HisError, HisRejected, HisUnavailable
from kiosk.his.gateway import HisGateway

log = logging.getLogger(__name__)

STEPS = 4  # identify, choose the appointment, check in, the ticket
# When the HIS opens check-in before an appointment starts (config his.checkin_opens_before_min).
# Only used to tell a patient who came too early when to come back; the HIS alone decides (the
# simulator's rule: 60 minutes).
CHECKIN_OPENS_BEFORE = timedelta(minutes=60)


class Job(StrEnum):
    """Background jobs of this chart (dotted names, so ``match`` compares instead of capturing)."""

    LOAD = "checkin.load"
    PRINTER = "checkin.printer"
    CHECK_IN = "checkin.check_in"
    PRINT = "checkin.print"


OK = Action("ok", Text(QT_TRANSLATE_NOOP("flows", "Done")), primary=True)
RETRY = Action("retry", Text(QT_TRANSLATE_NOOP("flows", "Try again")), primary=True)
NO_TICKET = Action("no_ticket", Text(QT_TRANSLATE_NOOP("flows", "Check in anyway")), primary=True)
STOP = Action("stop", Text(QT_TRANSLATE_NOOP("flows", "Stop")))
ONE_MOMENT = Text(QT_TRANSLATE_NOOP("flows", "One moment"))
HIS_DOWN = Text(
    QT_TRANSLATE_NOOP(
        "flows", "The hospital system is not answering. Try again, or go to the counter if it keeps failing."
    )
)


class Checkin(FlowChart):
    loading = State(initial=True)
    load_down = State()
    none_today = State()
    choosing = State()
    checking_printer = State()
    no_printer = State()
    checking_in = State()
    checkin_down = State()
    too_early = State()
    to_counter = State()
    printing = State()
    done = State()
    finished = State(final=True)

    loaded = loading.to(choosing, cond="any_today") | loading.to(none_today)
    load_failed = loading.to(load_down)
    page = choosing.to.itself(internal=True, cond="page_exists")  # type: ignore[no-untyped-call]
    pick = choosing.to(checking_printer, cond="still_booked")
    printer_ready = checking_printer.to(checking_in)
    printer_unusable = checking_printer.to(no_printer)
    no_ticket = no_printer.to(checking_in)
    stop = no_printer.to(finished)
    checked_in = checking_in.to(printing, cond="ticket_wanted") | checking_in.to(done)
    rejected = checking_in.to(too_early, cond="refused_as_early") | checking_in.to(to_counter)
    checkin_failed = checking_in.to(checkin_down)
    retry = load_down.to(loading) | checkin_down.to(checking_in)
    back = no_printer.to(choosing) | checkin_down.to(choosing) | too_early.to(choosing) | to_counter.to(choosing)
    printed = printing.to(done)
    print_failed = printing.to(done)
    ok = (
        none_today.to(finished)
        | choosing.to(finished, cond="nothing_open")
        | too_early.to(finished)
        | to_counter.to(finished)
        | done.to(finished)
    )

    def __init__(
        self,
        patient: Patient,
        his: HisGateway,
        printer: TicketPrinter,
        *,
        now: Callable[[], datetime],
        step: Callable[[int], Step],
        opens_before: timedelta = CHECKIN_OPENS_BEFORE,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._patient = patient
        self._page_size = page_size
        self._his = his
        self._printer = printer
        self._now = now
        self._step = step
        self._opens_before = opens_before
        self._appointments: tuple[Appointment, ...] = ()
        self._page = 0
        self._chosen: Appointment | None = None
        self._arrived: Appointment | None = None
        self._ticket = True  # False once the patient chose to go on without one
        self._ticket_printed = False
        self._printer_status: DeviceStatus | None = None
        self._error: BaseException | None = None
        super().__init__()  # enters "loading", which asks the HIS

    def begin(self) -> list[Effect]:
        return self.take()

    # -- routing ---------------------------------------------------------------------------------

    def route(self, event: Incoming) -> tuple[str | None, dict[str, Any]]:
        match event:
            case FlowEvent(name="pick", value=str(appointment_id)):
                return "pick", {"appointment_id": appointment_id}
            case FlowEvent(name="page", value=int(delta)):
                return "page", {"delta": delta}
            case FlowEvent(name=("ok" | "back" | "retry" | "stop" | "no_ticket") as name):
                return name, {}
            case JobFinished(name=Job.LOAD, result=list(appointments), error=None):
                return "loaded", {"appointments": appointments}
            case JobFinished(name=Job.LOAD, error=error) if error is not None:
                return "load_failed", {"error": error}
            case JobFinished(name=Job.PRINTER, result=result, error=error):
                return printer_verdict(result, error)
            case JobFinished(name=Job.CHECK_IN, result=Appointment() as appointment, error=None):
                return "checked_in", {"appointment": appointment}
            case JobFinished(name=Job.CHECK_IN, error=HisUnavailable() | ServiceUnavailableError() as error):
                return "checkin_failed", {"error": error}
            case JobFinished(name=Job.CHECK_IN, error=HisError() as error):
                return "rejected", {"error": error}  # refused, not found, changed meanwhile
            case JobFinished(name=Job.CHECK_IN, error=error) if error is not None:
                return "checkin_failed", {"error": error}
            case JobFinished(name=Job.PRINT, result=PrintOutcome(printed=True), error=None):
                return "printed", {}
            case JobFinished(name=Job.PRINT, error=error):
                return "print_failed", {"error": error}
        return None, {}

    # -- guards ----------------------------------------------------------------------------------

    def any_today(self, appointments: Sequence[Appointment]) -> bool:
        return bool(appointments)

    def page_exists(self, delta: int) -> bool:
        return 0 <= self._page + delta < self._pages()

    def still_booked(self, appointment_id: str) -> bool:
        return any(a.id == appointment_id and a.status is AppointmentStatus.BOOKED for a in self._appointments)

    def nothing_open(self) -> bool:
        return not self._open()

    def ticket_wanted(self) -> bool:
        return self._ticket

    def refused_as_early(self, error: HisError) -> bool:
        """The HIS refused (a business rule, not a missing record) before the appointment starts."""
        return isinstance(error, HisRejected) and self._chosen is not None and self._now() < self._chosen.start

    # -- actions ---------------------------------------------------------------------------------

    def on_enter_loading(self) -> None:
        his, patient_id, day = self._his, self._patient.id, self._now().date()
        self.emit(Show(self._busy(2, Text(QT_TRANSLATE_NOOP("flows", "Looking up today's appointments…")))))
        self.emit(RunJob(Job.LOAD, lambda: list(his.appointments_on(patient_id, day))))

    def on_loaded(self, appointments: Sequence[Appointment]) -> None:
        self._appointments = tuple(sorted(appointments, key=lambda a: a.start))
        self._page = 0
        log.info("checkin: %d appointment(s) today, %d open", len(self._appointments), len(self._open()))

    def on_load_failed(self, error: BaseException) -> None:
        log.warning("checkin: could not load today's appointments: %s", error)
        self._error = error

    def on_enter_load_down(self) -> None:
        title = Text(QT_TRANSLATE_NOOP("flows", "Please wait"))
        self.emit(Show(self._message(2, title, HIS_DOWN, (RETRY,), back=False, tone="warning", code=self._code())))

    def on_enter_none_today(self) -> None:
        title = Text(QT_TRANSLATE_NOOP("flows", "No appointment today"))
        body = Text(
            QT_TRANSLATE_NOOP(
                "flows",
                "You have no appointment booked for today. To see a doctor today, "
                "choose Registration on the home screen, or ask at the counter.",
            )
        )
        self.emit(Show(self._message(2, title, body, (OK,), back=False)))

    def on_enter_choosing(self) -> None:
        self._show_list()

    def on_page(self, delta: int) -> None:
        self._page += delta
        self._show_list()

    def on_pick(self, appointment_id: str) -> None:
        self._chosen = next(a for a in self._appointments if a.id == appointment_id)
        self._ticket = True
        log.info("checkin: appointment %s chosen", appointment_id)

    def on_enter_checking_printer(self) -> None:
        printer = self._printer
        self.emit(Show(self._busy(3, Text(QT_TRANSLATE_NOOP("flows", "Checking the ticket printer…")))))
        self.emit(check_receipt_printer(Job.PRINTER, printer))

    def on_printer_unusable(self, status: DeviceStatus | None, error: BaseException | None) -> None:
        self._printer_status = status
        log.warning("checkin: receipt printer not usable: %s", status.describe() if status else error)

    def on_enter_no_printer(self) -> None:
        status = self._printer_status
        if status is not None and StatusFlag.PAPER_OUT in status.flags:
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "The ticket printer has run out of paper. You can still check in: your queue number "
                    "will be shown on this screen, and staff at the counter can tell you it too.",
                )
            )
        else:
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "The ticket printer is not working right now. You can still check in: your queue number "
                    "will be shown on this screen, and staff at the counter can tell you it too.",
                )
            )
        title = Text(QT_TRANSLATE_NOOP("flows", "No ticket can be printed"))
        self.emit(Show(self._message(3, title, body, (NO_TICKET, STOP), back=True, tone="warning")))

    def on_no_ticket(self) -> None:
        self._ticket = False

    def on_enter_checking_in(self) -> None:
        his, chosen = self._his, self._chosen
        if chosen is None:
            return
        self.emit(Show(self._busy(3, Text(QT_TRANSLATE_NOOP("flows", "Checking you in…")))))
        self.emit(RunJob(Job.CHECK_IN, lambda: his.check_in(chosen)))

    def on_checked_in(self, appointment: Appointment) -> None:
        self._arrived = appointment
        self._ticket_printed = False
        log.info("checkin: appointment %s checked in", appointment.id)

    def on_rejected(self, error: HisError) -> None:
        self._error = error
        log.warning("checkin: the HIS refused appointment %s: %s", self._chosen_id(), error)

    def on_checkin_failed(self, error: BaseException) -> None:
        self._error = error
        log.warning("checkin: checking in appointment %s failed: %s", self._chosen_id(), error)

    def on_enter_checkin_down(self) -> None:
        title = Text(QT_TRANSLATE_NOOP("flows", "Please wait"))
        self.emit(Show(self._message(3, title, HIS_DOWN, (RETRY,), back=True, tone="warning", code=self._code())))

    def on_enter_too_early(self) -> None:
        chosen = self._chosen
        if chosen is None:
            return
        opens = chosen.start - self._opens_before
        where, starts, reason = chosen.department_name, self._clock(chosen.start), self._reason()
        if opens > self._now():
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "It is too early to check in for your appointment at %1, which starts at %2. "
                    "Please come back at %3.\nThe hospital system says: %4",
                ),
                (where, starts, self._clock(opens), reason),
            )
        else:  # the HIS opens check-in later than we thought: no time to promise
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "It is too early to check in for your appointment at %1, which starts at %2. "
                    "Please come back a little later.\nThe hospital system says: %3",
                ),
                (where, starts, reason),
            )
        title = Text(QT_TRANSLATE_NOOP("flows", "Too early to check in"))
        self.emit(Show(self._message(3, title, body, (OK,), back=True, tone="warning")))

    def on_enter_to_counter(self) -> None:
        chosen = self._chosen
        if chosen is None:
            return
        where, window, reason = chosen.department_name, self._window(chosen), self._reason()
        if self._now() > chosen.end:
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "The time of your appointment at %1 (%2) has passed, so the kiosk cannot check you in. "
                    "Please go to the counter: the staff there will help you.",
                ),
                (where, window),
            )
        elif reason:
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "The hospital system did not accept the check-in for your appointment at %1 (%2). "
                    "Please go to the counter: the staff there will help you.\nThe hospital system says: %3",
                ),
                (where, window, reason),
            )
        else:
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "The hospital system did not accept the check-in for your appointment at %1 (%2). "
                    "Please go to the counter: the staff there will help you.",
                ),
                (where, window),
            )
        title = Text(QT_TRANSLATE_NOOP("flows", "Please go to the counter"))
        self.emit(Show(self._message(3, title, body, (OK,), back=True, tone="warning", code=self._code())))

    def on_enter_printing(self) -> None:
        arrived = self._arrived
        if arrived is None:
            return
        printer, receipt, job_id = self._printer, self._receipt(arrived), f"checkin-{arrived.id}"
        self.emit(Show(self._busy(4, Text(QT_TRANSLATE_NOOP("flows", "Printing your ticket…")))))
        self.emit(RunJob(Job.PRINT, lambda: print_kept(printer, receipt, job_id)))

    def on_printed(self) -> None:
        self._ticket_printed = True

    def on_print_failed(self, error: BaseException | None) -> None:
        # The check-in stands; the job stays in the print job store for staff to reprint.
        log.warning("checkin: ticket for appointment %s not printed, kept for reprint: %s", self._chosen_id(), error)

    def on_enter_done(self) -> None:
        arrived = self._arrived
        if arrived is None:
            return
        queue = arrived.queue_number or (self._chosen.queue_number if self._chosen else None)
        where = arrived.department_name or (self._chosen.department_name if self._chosen else "")
        title = Text(QT_TRANSLATE_NOOP("flows", "You are checked in"))
        if self._ticket_printed:
            body = Text(
                QT_TRANSLATE_NOOP("flows", "Please take your ticket and wait until your number is called at %1."),
                (where,),
            )
        elif self._ticket:  # wanted, but the printer failed: the job waits in the store for staff
            title = Text(QT_TRANSLATE_NOOP("flows", "Checked in, ticket not printed"))
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "Please remember your number and wait until it is called at %1. "
                    "The counter can print your ticket again.",
                ),
                (where,),
            )
        else:
            title = Text(QT_TRANSLATE_NOOP("flows", "Checked in without a ticket"))
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "Please remember your number and wait until it is called at %1. "
                    "The counter can tell you your number too.",
                ),
                (where,),
            )
        if queue is None:  # a HIS without queue numbers: only the waiting applies
            body = Text(QT_TRANSLATE_NOOP("flows", "Please wait until you are called at %1."), (where,))
        figure = Text(QT_TRANSLATE_NOOP("flows", "No. %1"), (queue,)) if queue else None
        view = MessageView(self._step(4), title, (OK,), can_go_back=False, body=body, figure=figure)
        self.emit(Show(view))

    def on_enter_finished(self) -> None:
        self.emit(FlowDone())

    # -- views -----------------------------------------------------------------------------------

    def _show_list(self) -> None:
        first = self._page * self._page_size
        items = tuple(self._item(a) for a in self._appointments[first : first + self._page_size])
        if self._open():
            prompt = Text(QT_TRANSLATE_NOOP("flows", "Tap the appointment you are here for."))
            actions: tuple[Action, ...] = ()
        else:
            prompt = Text(QT_TRANSLATE_NOOP("flows", "You are already checked in for today's appointments."))
            actions = (OK,)
        title = Text(QT_TRANSLATE_NOOP("flows", "Today's appointments"))
        view = ListView(
            self._step(2),
            title,
            actions,
            can_go_back=False,
            prompt=prompt,
            items=items,
            page=self._page,
            pages=self._pages(),
        )
        self.emit(Show(view))

    def _item(self, appointment: Appointment) -> ListItem:
        title = Text(QT_TRANSLATE_NOOP("flows", "%1 · %2"), (self._window(appointment), appointment.department_name))
        if appointment.status is AppointmentStatus.ARRIVED:  # the second line says so (a badge is too wide)
            if appointment.queue_number:
                detail = Text(QT_TRANSLATE_NOOP("flows", "Checked in, No. %1"), (appointment.queue_number,))
            else:
                detail = Text(QT_TRANSLATE_NOOP("flows", "Checked in"))
        elif appointment.doctor_name:
            detail = Text(QT_TRANSLATE_NOOP("flows", "Doctor: %1"), (appointment.doctor_name,))
        else:
            detail = Text(QT_TRANSLATE_NOOP("flows", "General clinic"))
        enabled = appointment.status is AppointmentStatus.BOOKED
        return ListItem(appointment.id, title, detail, enabled=enabled)

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

    def _reason(self) -> str:
        """The HIS's own words for a refusal (its business rule), or ""."""
        error = self._error
        return error.reason.strip() if isinstance(error, HisRejected) else ""

    def _window(self, appointment: Appointment) -> str:
        return f"{self._clock(appointment.start)}–{self._clock(appointment.end)}"

    def _clock(self, moment: datetime) -> str:
        zone = self._now().tzinfo
        return (moment.astimezone(zone) if zone is not None else moment).strftime("%H:%M")

    # -- helpers ---------------------------------------------------------------------------------

    def _open(self) -> list[Appointment]:
        return [a for a in self._appointments if a.status is AppointmentStatus.BOOKED]

    def _pages(self) -> int:
        return max(1, math.ceil(len(self._appointments) / self._page_size))

    def _chosen_id(self) -> str:
        return self._chosen.id if self._chosen is not None else "-"

    def _code(self) -> int | None:
        error = self._error
        if isinstance(error, KioskError):
            return error.code
        return ServiceUnavailableError.code if error is not None else None

    def _receipt(self, appointment: Appointment) -> Receipt:
        """The queue ticket, in the hospital's language: the number big, where, when, a QR code."""
        chosen = self._chosen
        queue = appointment.queue_number or (chosen.queue_number if chosen else None)
        department = appointment.department_name or (chosen.department_name if chosen else "")
        doctor = appointment.doctor_name or (chosen.doctor_name if chosen else "")
        fields = [("科室", department)]
        if doctor:
            fields.append(("医生", doctor))
        start = appointment.start.astimezone(self._now().tzinfo)
        fields.append(("就诊时间", f"{start:%Y-%m-%d} {self._window(appointment)}"))
        fields.append(("签到时间", f"{self._now():%H:%M}"))
        if not queue:  # a HIS without queue numbers: where to wait instead of a number
            fields.append(("候诊地点", department))
        return Receipt(
            title=f"{queue}号" if queue else "签到成功",
            subtitle="预约签到凭条",
            patient_masked=self._patient.masked_name,
            fields=tuple(fields),
            qr=appointment.id,
            qr_caption=f"预约号 {appointment.id}",
            footer=("请在候诊区等候叫号", "过号请到分诊台咨询"),
        )


class CheckinFlow(PatientFlow):
    """The check-in service: identify, then the :class:`Checkin` chart. Runs on the flow thread."""

    service = "checkin"
    steps = STEPS

    def __init__(
        self,
        context: FlowContext,
        preferences: Preferences | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        opens_before: timedelta | None = None,
    ) -> None:
        super().__init__(context, preferences)
        zone = ZoneInfo(context.config.his.timezone)
        self._now = now if now is not None else (lambda: datetime.now(zone))
        configured = timedelta(minutes=context.config.his.checkin_opens_before_min)
        self._opens_before = opens_before if opens_before is not None else configured
        self.chart: Checkin | None = None

    def after_identify(self, patient: Patient) -> Sequence[Effect]:
        self.chart = Checkin(
            patient,
            self.context.his,
            self.context.devices,
            now=self._now,
            step=self.step,
            opens_before=self._opens_before,
            page_size=self.preferences.page_size,
        )
        return self.chart.begin()
