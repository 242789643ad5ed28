"""Base class of the kiosk's full screens. GUI thread only."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QSizePolicy, QWidget

from kiosk.flows.events import Event
from kiosk.flows.views import View

Post = Callable[[Event], None]


class Screen(QWidget):
    """Shows one kind of view model and forwards the patient's taps as events.

    Subclasses set every visible text in ``retranslate`` (called on a view change and when the
    language changes) and never keep patient data beyond the view they were given.
    """

    def __init__(self, post: Post, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        # A stack takes the largest minimum size of its pages: one tall screen would grow the
        # window past the display. Each screen must fit on its own (tests check for clipping).
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._post = post

    def set_view(self, view: View) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        """Sets every visible text from the current view; overridden by each screen."""

    def leave(self) -> None:
        """Called when another screen replaces this one: stop timers, drop view data."""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
