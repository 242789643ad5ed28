"""Renders any kiosk screen offscreen to a PNG, and finds text that does not fit its widget.

Used by ``kiosk screenshot``, by ``kiosk demo`` on a machine without a display, and by the
tests that check every screen in both languages, both modes and both screen orientations.
GUI thread only; the caller owns the QApplication (offscreen platform).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from kiosk.app import Kiosk
from kiosk.errors import ServiceUnavailableError
from kiosk.flows.views import (
    Action,
    BusyView,
    ErrorView,
    GoodbyeView,
    HomeView,
    IdentifyView,
    IdleWarningView,
    KeypadView,
    ListItem,
    ListView,
    MessageView,
    Step,
    Text,
    View,
)

SCREENS = ("home", "idle_warning", "goodbye", "error", "identify", "keypad", "busy", "message", "list")
SIZES = {"1920x1080": (1920, 1080), "1080x1920": (1080, 1920)}


# What the identify step and a report list look like, with fictitious masked data.
_STEP = Step("reports", 1, 3)
SAMPLE_FLOW_VIEWS: dict[str, View] = {
    "identify": IdentifyView(
        _STEP, Text("Who are you?"), ways=("id_card", "visit_card", "qr", "keypad"), can_go_back=False
    ),
    "keypad": KeypadView(
        _STEP,
        Text("Visit card number"),
        (Action("submit", Text("OK"), primary=True),),
        prompt=Text("Type your visit card number"),
        digits="20240001",
    ),
    "busy": BusyView(_STEP, Text("One moment"), can_go_back=False, body=Text("Looking up your record…")),
    "message": MessageView(
        _STEP,
        Text("Please confirm"),
        (Action("yes", Text("Yes, that is me"), primary=True), Action("no", Text("No"))),
        can_go_back=False,
        body=Text("Hello, %1. Is this you?", ("张*",)),
    ),
    "list": ListView(
        Step("reports", 2, 3),
        Text("Who are you?"),
        (Action("submit", Text("OK"), primary=True),),
        prompt=Text("Type your visit card number"),
        items=tuple(
            ListItem(f"r{n}", Text("Visit card number"), Text("Hello, %1. Is this you?", ("李*",)), selected=n < 2)
            for n in range(6)
        ),
        multi=True,
        pages=2,
    ),
}


@dataclass(frozen=True)
class Clipped:
    widget: str
    text: str
    needed: int
    available: int

    def __str__(self) -> str:
        return f"{self.widget} {self.text!r}: needs {self.needed}px, has {self.available}px"


def present(kiosk: Kiosk, screen: str, locale: str, elderly: bool, size: tuple[int, int]) -> None:
    """Puts ``kiosk``'s window into the state of ``screen`` without running a session."""
    if screen not in SCREENS:
        raise ValueError(f"unknown screen {screen!r}; choose from {', '.join(SCREENS)}")
    window = kiosk.window
    now = kiosk.runner.chart.clock.now()
    window.resize(*size)
    window.apply_preferences(locale, elderly)
    window.show_overlay(None)
    home = HomeView(kiosk.runner.chart.available)
    if screen == "home":
        window.show_view(home)
    elif screen == "idle_warning":
        window.show_view(home)
        window.show_overlay(IdleWarningView(deadline=now + 30, extensions_left=10))
    elif screen == "goodbye":
        window.show_view(GoodbyeView(deadline=now + kiosk.config.timeouts.goodbye_s))
    elif screen == "error":
        error = ServiceUnavailableError
        window.show_view(ErrorView(error.code, error.patient_message, now + kiosk.config.timeouts.error_screen_s))
    else:
        window.show_view(SAMPLE_FLOW_VIEWS[screen])
    window.show()
    for _ in range(3):  # layout needs a few passes after a style or language change
        QApplication.processEvents()


def save_png(kiosk: Kiosk, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    pixmap = kiosk.window.grab()
    if pixmap.isNull() or not pixmap.save(str(out), "PNG"):
        raise OSError(f"could not write {out}")


def _visible_texts(root: QWidget) -> Iterator[QLabel | QAbstractButton]:
    for widget in root.findChildren(QWidget):
        if isinstance(widget, QLabel | QAbstractButton) and widget.isVisibleTo(root) and widget.text():
            yield widget


def find_clipped(root: QWidget) -> list[Clipped]:
    """Every visible label or button whose text needs more room than it was given."""
    found = []
    for widget in _visible_texts(root):
        rect = widget.contentsRect()
        metrics = widget.fontMetrics()
        name = widget.objectName() or type(widget).__name__
        if isinstance(widget, QLabel) and widget.wordWrap():
            needed = widget.heightForWidth(rect.width())
            if needed > rect.height() + 1:
                found.append(Clipped(name, widget.text(), needed, rect.height()))
            continue
        if isinstance(widget, QAbstractButton):  # the styled size hint includes padding and border
            needed, available = widget.sizeHint().width(), widget.width()
        else:
            needed = max(metrics.horizontalAdvance(line) for line in widget.text().split("\n"))
            available = rect.width()
        if needed > available + 1:
            found.append(Clipped(name, widget.text(), needed, available))
    return found
