"""The thank-you screen at the end of a service, and the error screen. GUI thread only."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.flows.events import HomeRequested
from kiosk.flows.views import ErrorView, GoodbyeView, View
from kiosk.ui.screens.base import Post, Screen
from kiosk.ui.widgets import Countdown, button, label


class TimedScreenTexts(QObject):
    """Texts shared by the timed screens. PySide's ``self.tr`` takes its context from the
    runtime class, so a base class's texts live in a class that is never subclassed."""

    def countdown(self, seconds: int) -> str:
        return self.tr("Returning to the home screen in %n second(s)", "", seconds)

    def home(self) -> str:
        return self.tr("Back to home")


class _TimedScreen(Screen):
    """A message, a countdown back to the home screen and a Home button."""

    def __init__(self, post: Post, now: Callable[[], float], parent: QWidget | None = None) -> None:
        super().__init__(post, parent)
        self._texts = TimedScreenTexts(self)
        self.heading = label("title")
        self.message = label("prompt")
        self.detail = label("code")
        self.countdown = Countdown(now, self._countdown_text)
        self.home_button = button("primary")
        self.home_button.clicked.connect(lambda: self._post(HomeRequested()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 64, 64, 64)
        layout.setSpacing(40)
        layout.addStretch(1)
        for widget in (self.heading, self.message, self.detail, self.countdown):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(widget)
        layout.addWidget(self.home_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

    def _countdown_text(self, seconds: int) -> str:
        return self._texts.countdown(seconds)

    def start_countdown(self, deadline: float) -> None:
        self.countdown.start(deadline)

    def leave(self) -> None:
        self.countdown.stop()

    def retranslate(self) -> None:
        self.home_button.setText(self._texts.home())
        self.countdown.refresh()


class GoodbyeScreen(_TimedScreen):
    def set_view(self, view: View) -> None:
        if isinstance(view, GoodbyeView):
            self.start_countdown(view.deadline)
        super().set_view(view)

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Thank you!"))
        self.message.setText(self.tr("Please take your card, receipt and belongings."))
        self.detail.setVisible(False)
        super().retranslate()


class ErrorScreen(_TimedScreen):
    """The out-of-service screen: a plain sentence for the patient, the code for a technician."""

    def __init__(self, post: Post, now: Callable[[], float], parent: QWidget | None = None) -> None:
        super().__init__(post, now, parent)
        self._view: ErrorView | None = None

    def set_view(self, view: View) -> None:
        if isinstance(view, ErrorView):
            self._view = view
            self.start_countdown(view.deadline)
        super().set_view(view)

    def leave(self) -> None:
        super().leave()
        self._view = None

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Service interrupted"))
        if self._view is not None:
            self.message.setText(QCoreApplication.translate("errors", self._view.message))
            self.detail.setText(self.tr("Error code: %1").replace("%1", str(self._view.code)))
        super().retranslate()
