"""View models: what a screen shows, as plain frozen data. The UI picks a screen by type."""

from __future__ import annotations

from dataclasses import dataclass


class View:
    """Marker base of every view model."""


@dataclass(frozen=True)
class HomeView(View):
    services: tuple[str, ...]


@dataclass(frozen=True)
class GoodbyeView(View):
    deadline: float  # clock time at which the kiosk goes home by itself


@dataclass(frozen=True)
class IdleWarningView(View):
    deadline: float
    extensions_left: int


@dataclass(frozen=True)
class ErrorView(View):
    """The out-of-service screen: a plain sentence for the patient, the code for a technician."""

    code: int
    message: str  # untranslated source text; the UI translates it in context "errors"
    deadline: float


# -- service flow screens --------------------------------------------------------------------
#
# Flows describe screens with a few generic view models; the UI draws each with one screen
# class. Texts are untranslated source strings marked with QT_TRANSLATE_NOOP("flows", ...);
# the UI translates them and fills %1, %2... with ``args`` (names already masked, amounts
# already formatted), so a flow never needs Qt and a screen never needs to know the flow.


@dataclass(frozen=True)
class Text:
    source: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Action:
    """A button; a tap sends FlowEvent(id)."""

    id: str
    label: Text
    primary: bool = False


@dataclass(frozen=True)
class Step:
    """Where the patient is: the service's name and "step n of m" for the progress indicator."""

    service: str
    index: int
    count: int


@dataclass(frozen=True)
class FlowView(View):
    """``timed``: False for a screen with its own deadline (a payment in progress, which the
    payment service ends by itself): the session's idle timer waits while it is shown, so a
    patient busy with their phone or the card terminal is not sent home mid-payment."""

    step: Step
    title: Text
    actions: tuple[Action, ...] = ()
    can_go_back: bool = True
    timed: bool = True


@dataclass(frozen=True)
class MessageView(FlowView):
    """A sentence, optionally with an error code for staff (tone: info, warning, error).

    ``figure`` is a short text the screen shows very large above the sentence, such as a queue
    number the patient must remember.
    """

    body: Text = Text("")
    tone: str = "info"
    code: int | None = None
    figure: Text | None = None


@dataclass(frozen=True)
class BusyView(FlowView):
    """Work in progress (a HIS call, a print): a spinner and what is happening."""

    body: Text = Text("")
    progress: tuple[int, int] | None = None  # (done, total) when countable


@dataclass(frozen=True)
class IdentifyView(FlowView):
    """How the patient can identify: the ways this kiosk's devices allow, plus the keypad."""

    ways: tuple[str, ...] = ()  # "id_card", "visit_card", "qr", "keypad"
    problem: Text | None = None  # e.g. the last card could not be read


@dataclass(frozen=True)
class KeypadView(FlowView):
    prompt: Text = Text("")
    digits: str = ""
    max_length: int = 20


@dataclass(frozen=True)
class ListItem:
    id: str
    title: Text
    detail: Text = Text("")
    badge: Text | None = None  # e.g. "Not ready yet", "Printed"
    selected: bool = False
    enabled: bool = True


@dataclass(frozen=True)
class ListView(FlowView):
    """Up to six choices a page (four in elderly mode, see flows.service.Preferences);
    ``multi`` lists toggle, single lists choose on tap."""

    prompt: Text = Text("")
    items: tuple[ListItem, ...] = ()
    multi: bool = False
    page: int = 0
    pages: int = 1
    summary: Text | None = None  # e.g. the total of the selected bills
    tiles: bool = False  # big tiles in a grid (departments) instead of rows


@dataclass(frozen=True)
class SearchView(FlowView):
    """A letter pad to find a choice by pinyin: a tap on a letter sends FlowEvent("letter", "A"),
    Delete sends FlowEvent("delete"), a match FlowEvent("pick", id). ``more`` matches are not shown."""

    prompt: Text = Text("")
    query: str = ""
    items: tuple[ListItem, ...] = ()
    more: int = 0
    max_length: int = 12


@dataclass(frozen=True)
class QrPaymentView(FlowView):
    """Scan-to-pay: the QR code the patient scans with a wallet app, the amount, a countdown.

    ``amount`` is already formatted ("¥23.50"); ``deadline`` is the flow clock's time at which
    the order closes (display only: the payment service ends the order itself).
    """

    prompt: Text = Text("")
    amount: str = ""
    payload: str = ""
    deadline: float = 0.0
