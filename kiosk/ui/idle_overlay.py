"""The "are you still there?" warning shown over any screen before the idle timeout.

GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.flows.events import HomeRequested, MoreTimeRequested
from kiosk.flows.views import IdleWarningView
from kiosk.ui.screens.base import Post
from kiosk.ui.widgets import Countdown, button, label


class IdleWarningOverlay(QWidget):
    """Dims the screen below and takes every touch, so only its two buttons act."""

    def __init__(self, post: Post, now: Callable[[], float], parent: QWidget) -> None:
        super().__init__(parent)
        self._host = parent
        self.setObjectName("overlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._post = post
        self._view: IdleWarningView | None = None

        card = QWidget(self)
        card.setObjectName("overlayCard")
        card.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.question = label("title")
        self.countdown = Countdown(now, self._countdown_text)
        self.more_button = button("primary")
        self.more_button.clicked.connect(lambda: self._post(MoreTimeRequested()))
        self.end_button = button()
        self.end_button.clicked.connect(lambda: self._post(HomeRequested()))
        inner = QVBoxLayout(card)
        inner.setContentsMargins(48, 48, 48, 48)
        inner.setSpacing(36)
        for widget in (self.question, self.countdown):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            inner.addWidget(widget)
        inner.addWidget(self.more_button)
        inner.addWidget(self.end_button)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(64, 64, 64, 64)
        outer.addStretch(1)
        outer.addWidget(card)
        outer.addStretch(1)
        self.hide()
        parent.installEventFilter(self)

    def present(self, view: IdleWarningView | None) -> None:
        self._view = view
        if view is None:
            self.countdown.stop()
            self.hide()
            return
        self.setGeometry(self._host.rect())
        self.countdown.start(view.deadline)
        self.retranslate()
        self.show()
        self.raise_()

    def retranslate(self) -> None:
        self.question.setText(self.tr("Are you still there?"))
        self.more_button.setText(self.tr("I need more time"))
        self.end_button.setText(self.tr("End now"))
        self.more_button.setVisible(self._view is not None and self._view.extensions_left > 0)
        self.countdown.refresh()

    def _countdown_text(self, seconds: int) -> str:
        return self.tr("To protect your privacy, this session ends in %n second(s).", "", seconds)

    def eventFilter(self, watched: object, event: QEvent) -> bool:
        if watched is self._host and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._host.rect())
        return False

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
