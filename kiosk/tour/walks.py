"""The walks of the demo tour: each a patient's way through one flow, as named steps.

A step is what the patient (or the world around them) does, and the screen that must then be on
show within a timeout. The tour runs every walk in a fresh world (see world.py), takes a
screenshot after each step whose ``shot`` is set, and reports a step whose screen does not appear.
Expected screens are matched by view type and the untranslated source text of their title, so a
walk reads the same in either language. The flow benchmark (bench/flows.py) runs the happy walks.

A walk that shares its first steps with another does not shoot them again (``shot=False``): the
identify walks show identification, each service's happy walk shows its whole way, and the
failure walks show where they part from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QWidget

from kiosk.demo_people import DEMO_PEOPLE
from kiosk.devices.simulators.demo import ID_CARD
from kiosk.devices.simulators.idcard import IdCardReaderSimulator, SimIdCard
from kiosk.flows.views import (
    BusyView,
    GoodbyeView,
    HomeView,
    IdentifyView,
    KeypadView,
    ListView,
    MessageView,
    QrPaymentView,
    SearchView,
    View,
)
from kiosk.his.simulator import Fault
from kiosk.tour.driver import NotShown, describe
from kiosk.tour.world import DemoWorld
from kiosk.ui.admin.controller import AdminController
from kiosk.ui.admin.panel import AdminPanel

Action = Callable[[DemoWorld], None]

PERSON = DEMO_PEOPLE[1]  # 李四: the panel's second ID card; visit card and health code on record
PERSON_CARD = 1  # the demo panel's index of that ID card
# Not on record in the HIS simulator (a valid, fictitious number): the kiosk offers to create one.
NEW_CARD = SimIdCard(name="赵六", id_number="110101198506150035", sex_code="1", birth_date="19850615")
UNKNOWN_VISIT_CARD = "20249999"


@dataclass(frozen=True)
class Expect:
    """The screen that must appear: a view type, its title (source text), any other condition."""

    view: type[View]
    title: str | None = None
    where: Callable[[View], bool] | None = None
    timeout: float = 10.0

    def accepts(self, view: View) -> bool:
        if self.title is not None and getattr(getattr(view, "title", None), "source", None) != self.title:
            return False
        return self.where is None or self.where(view)

    def __str__(self) -> str:
        return self.view.__name__ + (f" {self.title!r}" if self.title is not None else "")


@dataclass(frozen=True)
class Step:
    name: str  # in the file name: lower case, digits and "-"
    act: Action
    expect: Expect
    caption: str  # what happens, for the index page
    shot: bool = True


@dataclass(frozen=True)
class Walk:
    name: str  # in the file names, like the steps'
    service: str  # the home tile it needs; the tour skips a walk whose service this kiosk lacks
    about: str
    steps: tuple[Step, ...] = ()


# -- what the patient and the world do ------------------------------------------------------------


def nothing(world: DemoWorld) -> None:
    """No action: the screen the kiosk shows by itself."""


def tile(service: str) -> Action:
    return lambda world: world.driver.tap_tile(service)


def tap(object_name: str) -> Action:
    return lambda world: world.driver.tap(object_name)


def row(item: str | int) -> Action:
    return lambda world: world.driver.tap_row(item)


def back(world: DemoWorld) -> None:
    world.driver.tap_back()


def id_card(index: int = PERSON_CARD) -> Action:
    return lambda world: world.driver.panel.insert_id_card(index)


def new_id_card(world: DemoWorld) -> None:
    hub = world.services.sim_hub
    if hub is None:
        raise RuntimeError("no simulated ID card reader")
    hub.get(ID_CARD, IdCardReaderSimulator).insert(NEW_CARD)


def remove_id_card(world: DemoWorld) -> None:
    world.driver.panel.remove_id_card()


def swipe(number: str = PERSON.visit_card) -> Action:
    return lambda world: world.driver.panel.swipe_visit_card(number)


def scan(payload: str) -> Action:
    return lambda world: world.driver.panel.scan(payload)


def type_digits(number: str | Callable[[DemoWorld], str]) -> Action:
    """Taps the keypad's digit keys (each a touch); ``number`` may be looked up in the world."""

    def act(world: DemoWorld) -> None:
        for digit in number(world) if callable(number) else number:
            world.driver.tap_text(digit)

    return act


def pay_on_phone(approve: bool = True) -> Action:
    return lambda world: world.pay_on_phone(approve)


def paper_out(world: DemoWorld) -> None:
    world.driver.panel.set_paper_out(True)


def his_down(world: DemoWorld) -> None:
    """Every HIS request answers 503 after half a second (the spinner shows meanwhile)."""
    world.his.add_fault(Fault("latency", seconds=0.5))
    world.his.add_fault(Fault("status", status=503))


def his_back(world: DemoWorld) -> None:
    world.his.clear_faults()


def then(*actions: Action) -> Action:
    def act(world: DemoWorld) -> None:
        for action in actions:
            action(world)

    return act


def seeded_visit_card(wanted: Callable[[DemoWorld, str], bool], what: str) -> Callable[[DemoWorld], str]:
    return lambda world: world.visit_card_where(lambda pid: wanted(world, pid), what)


# -- the screens ----------------------------------------------------------------------------------

HOME = Expect(HomeView)
IDENTIFY = Expect(IdentifyView)
CONFIRM = Expect(MessageView, "Please confirm")
GOODBYE = Expect(GoodbyeView)
APPOINTMENTS = Expect(ListView, "Today's appointments")
BILLS = Expect(ListView, "Your unpaid bills")
REPORTS = Expect(ListView, "Choose the reports to print")
QR = Expect(QrPaymentView)
PAY_TIMEOUT_S = 20.0  # a payment's outcome: the sandbox's poll, then the HIS settles


TYPED = Expect(KeypadView, where=lambda v: isinstance(v, KeypadView) and bool(v.digits))


def start(service: str, *, shot: bool = False, home: bool = False) -> tuple[Step, ...]:
    """The home screen (shot only with ``home``), then the service's identify screen."""
    return (
        Step("home", nothing, HOME, "The home screen, in the kiosk's default language", shot=home),
        Step("identify", tile(service), IDENTIFY, "The patient taps the service's tile", shot=shot),
    )


def by_id_card(service: str, *, shot: bool = False, home: bool = False) -> tuple[Step, ...]:
    """Up to "Is this you?" with the demo person's ID card on the reader."""
    return (
        *start(service, shot=shot, home=home),
        Step("confirm", id_card(), CONFIRM, "The patient places their ID card on the reader", shot=shot),
    )


def by_keypad(service: str, number: str | Callable[[DemoWorld], str], *, shot: bool = False) -> tuple[Step, ...]:
    """Up to "Is this you?" with the visit card number typed on the keypad."""
    return (
        *start(service, shot=shot),
        Step("keypad", tap("keypad"), Expect(KeypadView), "The patient chooses to type their number", shot=shot),
        Step("typed", type_digits(number), TYPED, "They type their visit card number", shot=shot),
        Step("confirm", tap("ok"), CONFIRM, "They tap OK: the kiosk finds their record", shot=shot),
    )


def yes(name: str, expect: Expect, caption: str, *, shot: bool = True) -> Step:
    """The patient confirms who they are: the service's own first screen."""
    return Step(name, tap("action_yes"), expect, caption, shot=shot)


def goodbye(caption: str = "The patient taps Done: thank you, the session ends") -> Step:
    return Step("goodbye", tap("action_ok"), GOODBYE, caption)


# -- identification -------------------------------------------------------------------------------
# Each ends at "Is this you?"; every service walk goes on from there with "Yes, that is me".

IDENTIFY_ID_CARD = Walk(
    "identify-id-card",
    "checkin",
    "Identification with the resident ID card (check-in)",
    by_id_card("checkin", shot=True, home=True),
)
IDENTIFY_VISIT_CARD = Walk(
    "identify-visit-card",
    "payment",
    "Identification by swiping the visit card (payment)",
    (*start("payment"), Step("confirm", swipe(), CONFIRM, "The patient swipes their visit card")),
)
IDENTIFY_KEYPAD = Walk(
    "identify-keypad",
    "payment",
    "Identification by typing the visit card number (payment)",
    by_keypad("payment", PERSON.visit_card, shot=True),
)
IDENTIFY_HEALTH_CODE = Walk(
    "identify-health-code",
    "reports",
    "Identification with the health code QR on the patient's phone (reports)",
    (
        *start("reports", shot=True),
        Step("confirm", scan(PERSON.health_qr), CONFIRM, "The patient shows their health code to the scanner"),
    ),
)
IDENTIFY_NOT_FOUND = Walk(
    "identify-not-found",
    "checkin",
    "A visit card number the HIS does not know: what to try instead",
    (
        *by_keypad("checkin", UNKNOWN_VISIT_CARD)[:-1],
        Step("not-found", tap("ok"), Expect(MessageView, "Not found"), "No record has that number"),
        Step("retry", tap("action_retry"), IDENTIFY, "The patient taps Try again"),
    ),
)
IDENTIFY_NEW_PATIENT = Walk(
    "identify-new-patient",
    "payment",
    "An ID card with no record yet: the kiosk creates one (建档) from the card",
    (
        *start("payment"),
        Step("new-patient", new_id_card, Expect(MessageView, "New patient"), "An ID card the HIS has no record of"),
        Step("confirm", tap("action_yes"), CONFIRM, "The patient taps Create my record"),
        yes("no-bills", Expect(MessageView, "Nothing to pay"), "A new patient has no bills yet"),
    ),
)

# -- registration (挂号) ----------------------------------------------------------------------------

DEPARTMENTS = Expect(ListView, "Choose a department")
DOCTORS = Expect(ListView, "Choose a doctor · %1")
TIMES = Expect(ListView, "Choose a time · %1")
BOOKING = Expect(MessageView, "Please check your booking")
SEARCH = Expect(SearchView)


def typed(letters: str) -> Expect:
    return Expect(SearchView, where=lambda v: isinstance(v, SearchView) and v.query == letters and bool(v.items))


def letters(text: str) -> Action:
    """Taps the letter pad's keys, one touch a letter."""
    return then(*(tap(f"key_{letter}") for letter in text))


def choose_time_someone_takes(world: DemoWorld) -> None:
    """The patient taps the first time; meanwhile someone else books its last place."""
    view = world.driver.view
    if not isinstance(view, ListView) or not view.items:
        raise NotShown(f"no times to choose from; the screen shows {describe(view)}")
    world.driver.tap_row(0)
    world.fill_slot(view.items[0].id)


def to_booking(*, shot: bool = False) -> tuple[Step, ...]:
    """From "Is this you?" to the confirm screen: the first department, doctor and time."""
    return (
        yes("departments", DEPARTMENTS, "The departments as tiles, with a search", shot=shot),
        Step("doctors", row(0), DOCTORS, "The patient taps a department: its doctors, fees, places", shot=shot),
        Step("times", row(0), TIMES, "They tap a doctor: the sessions of the next days", shot=shot),
        Step("booking", row(0), BOOKING, "They tap a time: everything read back, with the fee", shot=shot),
    )


REGISTRATION = Walk(
    "registration",
    "registration",
    "Registration: department, doctor, time, confirm, pay the fee by QR; the ticket prints",
    (
        *by_id_card("registration"),
        *to_booking(shot=True),
        Step("qr", tap("action_confirm"), QR, "They tap Confirm and pay: the place is held, the QR code shows"),
        Step(
            "registered",
            pay_on_phone(),
            Expect(MessageView, "You are registered", timeout=PAY_TIMEOUT_S),
            "They approve on the sandbox page: the booking is confirmed and the ticket prints",
        ),
        goodbye(),
    ),
)
REGISTRATION_SEARCH = Walk(
    "registration-search",
    "registration",
    "Finding a department by the pinyin initials of its name",
    (
        *by_id_card("registration"),
        yes("departments", DEPARTMENTS, "The departments", shot=False),
        Step("search", tap("action_search"), SEARCH, "The patient taps Search by pinyin: a letter pad"),
        Step("typed", letters("XXG"), typed("XXG"), "They type X X G: 心血管内科 matches"),
        Step("doctors", row(0), DOCTORS, "They tap the match: its doctors"),
    ),
)
REGISTRATION_TAKEN = Walk(
    "registration-taken",
    "registration",
    "The chosen time is fully booked meanwhile: nothing is charged, choose another time",
    (
        *by_id_card("registration"),
        *to_booking()[:-1],
        Step("booking", choose_time_someone_takes, BOOKING, "The patient taps a time; someone takes its last place"),
        Step(
            "taken",
            tap("action_confirm"),
            Expect(MessageView, "That time was just taken"),
            "They confirm: the HIS says the time is full; nothing was charged",
        ),
        Step("times", tap("action_ok"), TIMES, "They tap Choose another time: the fresh times of that doctor"),
    ),
)
REGISTRATION_DECLINED = Walk(
    "registration-declined",
    "registration",
    "The wallet declines the registration fee: the held place is given back",
    (
        *by_id_card("registration"),
        *to_booking(),
        Step("qr", tap("action_confirm"), QR, "The QR code", shot=False),
        Step(
            "declined",
            pay_on_phone(approve=False),
            Expect(MessageView, "The payment was declined", timeout=PAY_TIMEOUT_S),
            "The patient declines on the sandbox page",
        ),
        Step("goodbye", tap("action_stop"), GOODBYE, "They tap Stop: the place is released, nothing charged"),
    ),
)

# -- check-in (预约签到) ----------------------------------------------------------------------------

CHECKIN = Walk(
    "checkin",
    "checkin",
    "Check-in for today's appointment: the queue ticket prints",
    (
        *by_id_card("checkin"),
        yes("appointments", APPOINTMENTS, "Today's appointments: one open for check-in, one later"),
        Step(
            "checked-in",
            row("appt-9002-1"),
            Expect(MessageView, "You are checked in"),
            "The patient taps the appointment that is open: the ticket prints",
        ),
        goodbye(),
    ),
)
CHECKIN_TOO_EARLY = Walk(
    "checkin-too-early",
    "checkin",
    "Check-in more than an hour before the appointment: come back later",
    (
        *by_id_card("checkin"),
        yes("appointments", APPOINTMENTS, "Today's appointments", shot=False),
        Step(
            "too-early",
            row("appt-9002-2"),
            Expect(MessageView, "Too early to check in"),
            "The patient taps the afternoon appointment",
        ),
        Step("back", back, APPOINTMENTS, "They tap Back: the list again"),
    ),
)
CHECKIN_NONE_TODAY = Walk(
    "checkin-none-today",
    "checkin",
    "Check-in by a patient with no appointment today",
    (
        # The simulator books appointments for the demo people only.
        *by_keypad("checkin", seeded_visit_card(lambda world, pid: True, "at all")),
        yes("none-today", Expect(MessageView, "No appointment today"), "No appointment: where to go instead"),
        goodbye(),
    ),
)

# -- payment (缴费) --------------------------------------------------------------------------------

PAYMENT = Walk(
    "payment",
    "payment",
    "Paying the unpaid bills with the sandbox QR code; the receipt prints",
    (
        *by_id_card("payment"),
        yes("bills", BILLS, "The unpaid bills, all selected, and the total"),
        Step("qr", tap("action_pay"), QR, "The patient taps Pay: a QR code for their wallet app"),
        Step(
            "paid",
            pay_on_phone(),
            Expect(MessageView, "Payment complete", timeout=PAY_TIMEOUT_S),
            "They approve on the sandbox page, as on a phone: the receipt prints",
        ),
        goodbye(),
    ),
)


def _to_qr() -> tuple[Step, ...]:
    return (
        *by_id_card("payment"),
        yes("bills", BILLS, "The bills", shot=False),
        Step("qr", tap("action_pay"), QR, "The QR code", shot=False),
    )


PAYMENT_DECLINED = Walk(
    "payment-declined",
    "payment",
    "The wallet declines: nothing is charged",
    (
        *_to_qr(),
        Step(
            "declined",
            pay_on_phone(approve=False),
            Expect(MessageView, "The payment was declined", timeout=PAY_TIMEOUT_S),
            "The patient declines on the sandbox page",
        ),
        Step("goodbye", tap("action_stop"), GOODBYE, "They tap Stop"),
    ),
)
PAYMENT_CANCELLED = Walk(
    "payment-cancelled",
    "payment",
    "The patient cancels while the QR code is shown: nothing is charged",
    (
        *_to_qr(),
        Step(
            "cancelled",
            tap("action_cancel"),
            Expect(MessageView, "Payment cancelled", timeout=PAY_TIMEOUT_S),
            "The patient taps Cancel payment",
        ),
        Step("goodbye", tap("action_stop"), GOODBYE, "They tap Stop"),
    ),
)
PAYMENT_NO_PAPER = Walk(
    "payment-no-paper",
    "payment",
    "The receipt printer is out of paper: pay without a receipt",
    (
        *by_id_card("payment"),
        Step("bills", then(paper_out, tap("action_yes")), BILLS, "The printer runs out of paper", shot=False),
        Step(
            "no-paper",
            tap("action_pay"),
            Expect(MessageView, "No receipt can be printed"),
            "The patient taps Pay: the kiosk checks the printer first",
        ),
        Step("qr", tap("action_no_receipt"), QR, "They choose to pay without a receipt"),
        Step(
            "paid",
            pay_on_phone(),
            Expect(MessageView, "Paid without a printed receipt", timeout=PAY_TIMEOUT_S),
            "They approve on the sandbox page",
        ),
        goodbye(),
    ),
)

# -- reports (报告打印) -----------------------------------------------------------------------------

REPORTS_PRINT = Walk(
    "reports",
    "reports",
    "Printing the ready reports on the A4 printer",
    (
        *by_id_card("reports"),
        yes("reports", REPORTS, "The reports: the ready ones selected"),
        Step(
            "printed",
            tap("action_print"),
            Expect(MessageView, "Your reports are printed"),
            "The patient taps Print: one report after the other",
        ),
        goodbye(),
    ),
)
REPORTS_NONE_READY = Walk(
    "reports-none-ready",
    "reports",
    "None of the patient's reports is ready yet: when to come back",
    (
        *by_keypad("reports", seeded_visit_card(DemoWorld.nothing_ready, "with only reports not ready yet")),
        yes("none-ready", Expect(MessageView, "No reports to print"), "Nothing to print yet, and when to come"),
        goodbye(),
    ),
)

# -- the whole kiosk ------------------------------------------------------------------------------

HIS_DOWN = Walk(
    "his-down",
    "payment",
    "The HIS stops answering after identification: a spinner, then a clear message; then it is back",
    (
        *by_id_card("payment"),
        Step(
            "spinner",
            then(his_down, tap("action_yes")),
            Expect(BusyView),
            "The HIS answers slowly and then with errors (simulator fault injection)",
        ),
        Step(
            "his-down",
            nothing,
            Expect(MessageView, "Please wait", where=lambda v: isinstance(v, MessageView) and v.code is not None),
            "The kiosk says so, with the error code for staff; nothing was charged",
        ),
        Step("retry", then(his_back, tap("action_retry")), BILLS, "The HIS is back; the patient taps Try again"),
    ),
)
CARD_REMOVED = Walk(
    "card-removed",
    "payment",
    "The patient takes their ID card out mid-flow: the session ends, home screen",
    (
        *by_id_card("payment"),
        yes("bills", BILLS, "The bills", shot=False),
        Step("home", remove_id_card, HOME, "The patient takes the ID card and walks away"),
    ),
)

# -- the maintainer: the hidden admin screen ------------------------------------------------------

MAINTENANCE = "maintenance"  # the walk of the staff: no service tile, the corner gesture instead
DEMO_PIN = "246810"  # the demo configuration's admin PIN


def _admin(world: DemoWorld) -> AdminController:
    admin = world.kiosk.admin
    if admin is None:
        raise RuntimeError("this kiosk has no admin screen (no services)")
    return admin


def _visible_button(parent: QWidget, name: str) -> QAbstractButton | None:
    # The devices page rebuilds its rows every few seconds: an old button may linger hidden until
    # it is deleted, and a new one is not shown until the next pass of the event loop.
    shown = [b for b in parent.findChildren(QAbstractButton, name) if b.isVisible()]
    return shown[0] if shown else None


def _button(parent: QWidget, name: str, world: DemoWorld | None = None) -> QAbstractButton:
    if world is not None:
        world.driver.wait_until(lambda: _visible_button(parent, name) is not None, 10, f"the button {name}")
    found = _visible_button(parent, name)
    if found is None:
        raise NotShown(f"no visible button {name} on the admin screen")
    return found


def corner_taps(world: DemoWorld) -> None:
    """The hidden gesture: the configured number of taps in the corner, at a finger's pace."""
    admin = _admin(world)
    window = world.kiosk.window
    where = window.mapFromGlobal(admin.gesture.corner().center().toPoint())
    for _ in range(world.config.admin.gesture.taps):
        QTest.mouseClick(window, Qt.MouseButton.LeftButton, pos=where)
        world.qapp.processEvents()
    world.driver.wait_until(lambda: window.page is admin.pad, 5, "the PIN pad")


def enter_pin(pin: str) -> Action:
    def act(world: DemoWorld) -> None:
        admin = _admin(world)
        for digit in pin:
            world.driver.click(_button(admin.pad, f"key-{digit}"), f"PIN key {digit}")
        world.driver.click(admin.pad.ok_button, "sign in")
        world.driver.wait_until(lambda: admin.panel.loaded("devices"), 10, "the admin screen's devices")

    return act


def admin_page(page: str, ready: Callable[[AdminPanel], bool] = lambda panel: True) -> Action:
    def act(world: DemoWorld) -> None:
        panel = _admin(world).panel
        world.driver.click(panel.tabs[page], f"admin tab {page}")
        world.driver.wait_until(lambda: panel.loaded(page) and ready(panel), 10, f"the admin page {page}")

    return act


def paper_replaced(world: DemoWorld) -> None:
    world.driver.panel.set_paper_out(False)  # a new roll
    panel = _admin(world).panel
    world.driver.click(_button(panel, "paper_replaced-receipt_printer", world), "paper replaced")
    world.driver.wait_until(lambda: panel.message.isVisible() and not printer_shows("paper_out")(panel), 10, "paper")


def printer_shows(flag: str) -> Callable[[AdminPanel], bool]:
    return lambda panel: any(flag in getattr(d, "flags", ()) for d in panel.data("devices")[0])


MAINTAIN = Walk(
    "maintain",
    MAINTENANCE,
    "A maintainer opens the hidden admin screen, finds the receipt printer out of paper and fixes it",
    (
        Step(
            "gesture",
            then(paper_out, corner_taps),
            HOME,
            f"Five taps in the top right corner within 3 s open the PIN pad (the demo's PIN: {DEMO_PIN})",
        ),
        Step(
            "devices",
            then(enter_pin(DEMO_PIN), admin_page("devices", printer_shows("paper_out"))),
            HOME,
            "Every device's state and the HIS link, live: the receipt printer is out of paper",
        ),
        Step(
            "paper-replaced",
            paper_replaced,
            HOME,
            "A new roll, then Paper replaced: the printer is checked at once and is ready",
        ),
        Step("payments", admin_page("payments"), HOME, "Payments that need a person: none here"),
        Step(
            "settings",
            admin_page("settings"),
            HOME,
            "Voice volume and the language every session starts in (kept across restarts), and Restart",
        ),
    ),
)


# -- the table: the tour runs these in this order -------------------------------------------------

WALKS: tuple[Walk, ...] = (
    IDENTIFY_ID_CARD,
    IDENTIFY_VISIT_CARD,
    IDENTIFY_KEYPAD,
    IDENTIFY_HEALTH_CODE,
    IDENTIFY_NOT_FOUND,
    IDENTIFY_NEW_PATIENT,
    REGISTRATION,
    REGISTRATION_SEARCH,
    REGISTRATION_TAKEN,
    REGISTRATION_DECLINED,
    CHECKIN,
    CHECKIN_TOO_EARLY,
    CHECKIN_NONE_TODAY,
    PAYMENT,
    PAYMENT_DECLINED,
    PAYMENT_CANCELLED,
    PAYMENT_NO_PAPER,
    REPORTS_PRINT,
    REPORTS_NONE_READY,
    HIS_DOWN,
    CARD_REMOVED,
    MAINTAIN,
)

# Each service's happy walk, by service: the flow benchmark times these and counts their taps.
HAPPY_PATHS: dict[str, Walk] = {
    "registration": REGISTRATION,
    "checkin": CHECKIN,
    "payment": PAYMENT,
    "reports": REPORTS_PRINT,
}


def walk_named(name: str) -> Walk:
    for walk in WALKS:
        if walk.name == name:
            return walk
    raise KeyError(name)
