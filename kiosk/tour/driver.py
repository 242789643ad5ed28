"""Drives a running kiosk as a patient would: taps on the real screens, the demo device panel,
and waiting for what they would see. Used by the demo tour, the flow benchmark and the flow tests.

GUI thread only. Waiting runs the Qt event loop itself (not a poll with sleeps), so worker
results, device events and paints are handled the moment they arrive.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QPushButton, QWidget

from kiosk.app import Kiosk
from kiosk.devices.simulators.demo import DemoPanel
from kiosk.flows.events import ServiceChosen
from kiosk.flows.views import BusyView, ErrorView, FlowView, ListView, MessageView, SearchView, View
from kiosk.ui.screens.flow import ListScreen, SearchScreen
from kiosk.ui.screens.home import HomeScreen

V = TypeVar("V", bound=View)

POLL_MS = 5  # how often a wait looks at the screen; events themselves are handled at once


class NotShown(AssertionError):
    """What the patient expected did not appear in time, or what they wanted to tap is not there."""


@dataclass(frozen=True)
class Tap:
    """One touch of the patient: when (perf_counter), on what, and whether they were identified."""

    at: float
    target: str
    identified: bool
    view_before: View | None


def describe(view: View | None) -> str:
    """What a screen shows, for a failure message: the view and its untranslated texts. Never the
    arguments filled into them (masked names, amounts, numbers)."""
    if view is None:
        return "nothing yet"
    text = type(view).__name__
    if isinstance(view, FlowView):
        text += f" {view.title.source!r} (step {view.step.index} of {view.step.count} of {view.step.service})"
        if isinstance(view, MessageView | BusyView) and view.body.source:
            text += f": {view.body.source!r}"
        if isinstance(view, MessageView) and view.code is not None:
            text += f", code {view.code}"
        if view.actions:
            text += f", buttons {', '.join(a.id for a in view.actions)}"
    elif isinstance(view, ErrorView):
        text += f" code {view.code}: {view.message!r}"
    return text


class PatientDriver:
    """A patient's hands and eyes at a running kiosk built with the demo's simulated devices."""

    def __init__(self, kiosk: Kiosk, qapp: QApplication | None = None) -> None:
        panel = kiosk.services.demo_panel if kiosk.services is not None else None
        if panel is None:
            raise ValueError("the patient driver needs a kiosk with the demo's simulated devices")
        self.kiosk = kiosk
        self.qapp = qapp if qapp is not None else kiosk.qapp
        self.panel: DemoPanel = panel
        self.taps: list[Tap] = []

    @property
    def view(self) -> View | None:
        return self.kiosk.runner.current_view

    @property
    def identified(self) -> bool:
        """The session's flow knows who the patient is (they confirmed "Is this you?")."""
        flow = self.kiosk.runner.chart.session.flow
        return getattr(flow, "patient", None) is not None

    # -- waiting ---------------------------------------------------------------------------------

    def pump(self, ms: int = POLL_MS) -> None:
        """Runs the event loop for ``ms`` milliseconds."""
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def wait_until(self, predicate: Callable[[], object], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        self.qapp.processEvents()
        while not predicate():
            if time.monotonic() >= deadline:
                raise NotShown(f"waited {timeout:g}s for {what}; the screen shows {describe(self.view)}")
            self.pump()

    def wait_for(self, kind: type[V], timeout: float = 10, where: Callable[[V], bool] = lambda v: True) -> V:
        """The view of type ``kind`` that ``where`` accepts, once it is on screen."""
        found: list[V] = []

        def shown() -> bool:
            view = self.view
            if isinstance(view, kind) and where(view):
                found.append(view)
                return True
            return False

        self.wait_until(shown, timeout, kind.__name__)
        return found[0]

    # -- touching --------------------------------------------------------------------------------

    def choose(self, service: str) -> None:
        """Chooses a service as its home tile would (without touching the screen)."""
        self.kiosk.runner.post(ServiceChosen(service))

    def tap_tile(self, service: str) -> None:
        """Taps the home screen's tile of ``service``."""
        screen = self.kiosk.window.current_screen()
        tiles = screen.tiles if isinstance(screen, HomeScreen) else []
        for tile in tiles:
            if tile.service == service and tile.isVisible():
                self.click(tile, f"tile {service}")
                return
        raise NotShown(f"no tile {service!r} on the screen; it shows {describe(self.view)}")

    def tap(self, object_name: str) -> None:
        """Taps the visible, enabled button with this object name (flow actions are action_ID)."""
        self._tap_button(lambda w: w.objectName() == object_name, repr(object_name))

    def tap_text(self, text: str) -> None:
        self._tap_button(lambda w: w.text() == text, repr(text))

    def tap_row(self, item: str | int) -> None:
        """Taps a row of the list (or of the search's matches) on screen, by its item id or by its
        position on the page."""
        view, screen = self.view, self.kiosk.window.current_screen()
        rows: list[QPushButton] | None = None
        if (isinstance(view, ListView) and isinstance(screen, ListScreen)) or (
            isinstance(view, SearchView) and isinstance(screen, SearchScreen)
        ):
            items, rows = view.items, screen.rows
        if rows is None:
            raise NotShown(f"no list to tap row {item!r} in; the screen shows {describe(view)}")
        ids = [i.id for i in items]
        index = item if isinstance(item, int) else (ids.index(item) if item in ids else -1)
        if not 0 <= index < len(rows):
            raise NotShown(f"no row {item!r} in the list ({len(rows)} rows)")
        self.click(rows[index], f"row {index}")

    def tap_back(self) -> None:
        self._tap_frame_button("back_button", "Back")

    def tap_home(self) -> None:
        self._tap_frame_button("home_button", "Home")

    def click(self, widget: QWidget, target: str) -> None:
        """One touch on ``widget``, recorded in ``taps``."""
        self.taps.append(Tap(time.perf_counter(), target, self.identified, self.view))
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
        self.qapp.processEvents()

    def _tap_button(self, match: Callable[[QAbstractButton], bool], what: str) -> None:
        screen = self.kiosk.window.current_screen()
        if screen is None:
            raise NotShown(f"no screen to tap {what} on")
        for widget in screen.findChildren(QAbstractButton):
            if match(widget) and widget.isVisible() and widget.isEnabled():
                self.click(widget, what)
                return
        raise NotShown(f"no visible button {what} on {type(screen).__name__}; it shows {describe(self.view)}")

    def _tap_frame_button(self, attribute: str, what: str) -> None:
        screen = self.kiosk.window.current_screen()
        widget = getattr(screen, attribute, None)  # flow screens have both; goodbye and error Home
        if not isinstance(widget, QAbstractButton) or not widget.isVisible():
            raise NotShown(f"no {what} button on the screen; it shows {describe(self.view)}")
        self.click(widget, what)
