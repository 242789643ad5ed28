"""Identify: the first step of every service flow — who is this patient?

    state        event                      guard            → target       effects
    -----------  -------------------------  ---------------  -------------  ------------------------
    waiting      presented(identifier)                       looking_up     find the patient (HIS)
    waiting      use_keypad                                  typing         keypad
    waiting      unreadable(problem)                         waiting        say what went wrong
    typing       key(digit) / delete                         typing         keypad with the digits
    typing       submit                     6+ digits        looking_up     find by visit card number
    typing       back                                        waiting
    looking_up   found(patient)                              confirming     "Is this you?" (masked)
    looking_up   not_found                  by ID card       offer_record   offer to create a record
    looking_up   not_found                  otherwise        not_found      what to try instead
    looking_up   ambiguous                                   to_counter     never guess between two
    looking_up   his_failed                                  his_down       try again / go home
    confirming   yes                                         done           (the service continues)
    confirming   no                                          waiting
    offer_record yes                                         creating       create the record (建档)
    offer_record no                                          waiting
    creating     found(patient)                              confirming
    creating     his_failed                                  his_down
    not_found    retry                                       waiting
    his_down     retry                                       looking_up     the same lookup again
    to_counter   (final: only the session's Home button or idle timeout leaves)

The parent flow passes every event here until ``patient`` is set. Runs on the flow thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Any

from statemachine import State

from kiosk.devices.events import CardRead, CardReadFailed, IdCardRead, QrScanned, ResidentIdCard, ScanKind
from kiosk.domain import Gender, Identifier, IdentifierKind, MaskKind, NewPatient, Patient, mask
from kiosk.errors import QT_TRANSLATE_NOOP
from kiosk.flows.chart import FlowChart, Incoming
from kiosk.flows.effects import Effect, RunJob, Show
from kiosk.flows.events import FlowEvent, JobFinished
from kiosk.flows.views import Action, BusyView, IdentifyView, KeypadView, MessageView, Step, Text
from kiosk.his.errors import HisAmbiguous, HisNotFound
from kiosk.his.gateway import HisGateway


class Job(StrEnum):
    """Background jobs of this chart (dotted names, so ``match`` compares instead of capturing)."""

    LOOKUP = "identify.lookup"
    CREATE = "identify.create"


MIN_CARD_DIGITS = 6
MAX_CARD_DIGITS = 20

_CARD_SYSTEMS = {
    "visit_card": IdentifierKind.VISIT_CARD,
    "insurance_card": IdentifierKind.INSURANCE_CARD,
    "resident_id": IdentifierKind.RESIDENT_ID,
}

YES = Action("yes", Text(QT_TRANSLATE_NOOP("flows", "Yes, that is me")), primary=True)
NO = Action("no", Text(QT_TRANSLATE_NOOP("flows", "No")))
RETRY = Action("retry", Text(QT_TRANSLATE_NOOP("flows", "Try again")), primary=True)


class Identify(FlowChart):
    waiting = State(initial=True)
    typing = State()
    looking_up = State()
    confirming = State()
    offer_record = State()
    creating = State()
    not_found = State()
    his_down = State()
    to_counter = State(final=True)  # only the session's Home or idle timeout leaves: never guess
    done = State(final=True)

    presented = waiting.to(looking_up)
    use_keypad = waiting.to(typing)
    unreadable = waiting.to.itself(internal=True)  # type: ignore[no-untyped-call]
    key = typing.to.itself(internal=True)  # type: ignore[no-untyped-call]
    submit = typing.to(looking_up, cond="enough_digits")
    back = typing.to(waiting) | offer_record.to(waiting) | not_found.to(waiting)
    found = looking_up.to(confirming) | creating.to(confirming)
    not_on_record = looking_up.to(offer_record, cond="by_id_card") | looking_up.to(not_found)
    ambiguous = looking_up.to(to_counter)
    his_failed = looking_up.to(his_down) | creating.to(his_down)
    yes = confirming.to(done) | offer_record.to(creating)
    no = confirming.to(waiting) | offer_record.to(waiting)
    retry = not_found.to(waiting) | his_down.to(looking_up)

    def __init__(self, his: HisGateway, step: Step, ways: tuple[str, ...]) -> None:
        self._his = his
        self._step = step
        self._ways = ways
        self._digits = ""
        self.identifier: Identifier | None = None  # what the patient presented last
        self._card: ResidentIdCard | None = None
        self._problem: Text | None = None
        self._candidate: Patient | None = None
        self.patient: Patient | None = None
        super().__init__()  # enters "waiting", which shows the first screen

    def begin(self) -> list[Effect]:
        return self.take()

    # -- routing ---------------------------------------------------------------------------------

    def route(self, event: Incoming) -> tuple[str | None, dict[str, Any]]:
        match event:
            case IdCardRead(card=card):
                if not card.id_number_valid or _birth_date(card) is None:
                    return "unreadable", {"problem": _UNREADABLE}
                self._card = card
                return "presented", {"identifier": Identifier(IdentifierKind.RESIDENT_ID, card.id_number)}
            case CardRead(identifier=card_id):
                kind = _CARD_SYSTEMS.get(card_id.system)
                if kind is None:
                    return "unreadable", {"problem": _UNREADABLE}
                self._card = None
                return "presented", {"identifier": Identifier(kind, card_id.value)}
            case CardReadFailed():
                return "unreadable", {"problem": _UNREADABLE}
            case QrScanned(kind=ScanKind.HEALTH_CARD, payload=payload):
                self._card = None
                return "presented", {"identifier": Identifier(IdentifierKind.HEALTH_CARD_QR, payload)}
            case QrScanned(kind=ScanKind.INSURANCE_VOUCHER, payload=payload):
                self._card = None
                return "presented", {"identifier": Identifier(IdentifierKind.INSURANCE_CARD, payload)}
            case QrScanned():
                return "unreadable", {"problem": _WRONG_CODE}
            case FlowEvent(name="keypad"):
                return "use_keypad", {}
            case FlowEvent(name="digit", value=str(digit)) if digit.isdigit() and len(digit) == 1:
                return "key", {"change": lambda d: (d + digit)[:MAX_CARD_DIGITS]}
            case FlowEvent(name="delete"):
                return "key", {"change": lambda d: d[:-1]}
            case FlowEvent(name=("submit" | "back" | "yes" | "no" | "retry") as name):
                return name, {}
            case JobFinished(name=Job.LOOKUP | Job.CREATE, result=result, error=None):
                return "found", {"patient": result}
            case JobFinished(name=Job.LOOKUP, error=HisNotFound()):
                return "not_on_record", {}
            case JobFinished(name=Job.LOOKUP, error=HisAmbiguous()):
                return "ambiguous", {}
            case JobFinished(name=Job.LOOKUP | Job.CREATE, error=error) if error is not None:
                return "his_failed", {"error": error}
        return None, {}

    # -- guards ----------------------------------------------------------------------------------

    def enough_digits(self) -> bool:
        return len(self._digits) >= MIN_CARD_DIGITS

    def by_id_card(self) -> bool:
        return self._card is not None

    # -- actions ---------------------------------------------------------------------------------

    def on_enter_waiting(self) -> None:
        self._show_waiting()

    def on_unreadable(self, problem: Text) -> None:
        self._problem = problem
        self._show_waiting()
        self._problem = None

    def on_enter_typing(self) -> None:
        self._digits = ""
        self._show_keypad()

    def on_key(self, change: Callable[[str], str]) -> None:
        self._digits = change(self._digits)
        self._show_keypad()

    def on_submit(self) -> None:
        self.identifier = Identifier(IdentifierKind.VISIT_CARD, self._digits)
        self._card = None

    def on_presented(self, identifier: Identifier) -> None:
        self.identifier = identifier

    def on_enter_looking_up(self) -> None:
        identifier, his = self.identifier, self._his
        if identifier is None:
            return
        self.emit(Show(self._busy(Text(QT_TRANSLATE_NOOP("flows", "Looking up your record…")))))
        self.emit(RunJob(Job.LOOKUP, lambda: his.find_patient(identifier)))

    def on_found(self, patient: Patient) -> None:
        self._candidate = patient  # the patient is set only once they confirm

    def on_enter_confirming(self) -> None:
        name = mask(self._candidate.name, MaskKind.NAME) if self._candidate is not None else ""
        body = Text(QT_TRANSLATE_NOOP("flows", "Hello, %1. Is this you?"), (name,))
        self.emit(Show(self._message(Text(QT_TRANSLATE_NOOP("flows", "Please confirm")), body, (YES, NO))))

    def on_enter_offer_record(self) -> None:
        body = Text(
            QT_TRANSLATE_NOOP(
                "flows", "There is no record for this ID card yet. Create one now with the card's details?"
            )
        )
        create = Action("yes", Text(QT_TRANSLATE_NOOP("flows", "Create my record")), primary=True)
        not_now = Action("no", Text(QT_TRANSLATE_NOOP("flows", "Not now")))  # "No" reads "that is not me"
        self.emit(Show(self._message(Text(QT_TRANSLATE_NOOP("flows", "New patient")), body, (create, not_now))))

    def on_enter_creating(self) -> None:
        card, his = self._card, self._his
        if card is None:
            return
        new = _new_patient(card)
        self.emit(Show(self._busy(Text(QT_TRANSLATE_NOOP("flows", "Creating your record…")))))
        self.emit(RunJob(Job.CREATE, lambda: his.create_patient(new)))

    def on_enter_not_found(self) -> None:
        body = Text(
            QT_TRANSLATE_NOOP("flows", "We could not find your record. Check the number, or use your ID card instead.")
        )
        self.emit(Show(self._message(Text(QT_TRANSLATE_NOOP("flows", "Not found")), body, (RETRY,))))

    def on_enter_to_counter(self) -> None:
        body = Text(
            QT_TRANSLATE_NOOP(
                "flows", "More than one record matches. To keep your records apart, please go to the counter."
            )
        )
        view = self._message(Text(QT_TRANSLATE_NOOP("flows", "Please go to the counter")), body, (), tone="warning")
        self.emit(Show(view))

    def on_enter_his_down(self) -> None:
        body = Text(
            QT_TRANSLATE_NOOP(
                "flows", "The hospital system is not answering. Try again, or go to the counter if it keeps failing."
            )
        )
        self.emit(Show(self._message(Text(QT_TRANSLATE_NOOP("flows", "Please wait")), body, (RETRY,), "warning")))

    def on_enter_done(self) -> None:
        self.patient = self._candidate

    # -- views -----------------------------------------------------------------------------------

    def _show_waiting(self) -> None:
        title = Text(QT_TRANSLATE_NOOP("flows", "Who are you?"))
        self.emit(Show(IdentifyView(self._step, title, ways=self._ways, problem=self._problem, can_go_back=False)))

    def _show_keypad(self) -> None:
        prompt = Text(QT_TRANSLATE_NOOP("flows", "Type your visit card number"))
        ok = Action("submit", Text(QT_TRANSLATE_NOOP("flows", "OK")), primary=True)
        actions = (ok,) if self.enough_digits() else ()
        title = Text(QT_TRANSLATE_NOOP("flows", "Visit card number"))
        self.emit(Show(KeypadView(self._step, title, actions, prompt=prompt, digits=self._digits)))

    def _busy(self, body: Text) -> BusyView:
        return BusyView(self._step, Text(QT_TRANSLATE_NOOP("flows", "One moment")), can_go_back=False, body=body)

    def _message(self, title: Text, body: Text, actions: tuple[Action, ...], tone: str = "info") -> MessageView:
        back = self.current_state_value in ("offer_record", "not_found")
        return MessageView(self._step, title, actions, can_go_back=back, body=body, tone=tone)


_UNREADABLE = Text(QT_TRANSLATE_NOOP("flows", "The card could not be read. Please take it out and try again."))
_WRONG_CODE = Text(QT_TRANSLATE_NOOP("flows", "That is not a health code. Please show your health code or card."))


def _birth_date(card: ResidentIdCard) -> date | None:
    try:
        return date(int(card.birth_date[:4]), int(card.birth_date[4:6]), int(card.birth_date[6:8]))
    except ValueError:
        return None


def _new_patient(card: ResidentIdCard) -> NewPatient:
    gender = {"male": Gender.MALE, "female": Gender.FEMALE}.get(card.sex, Gender.UNKNOWN)
    birth = _birth_date(card) or date(1900, 1, 1)  # checked when the card was read
    return NewPatient(name=card.name, gender=gender, birth_date=birth, resident_id=card.id_number, address=card.address)
