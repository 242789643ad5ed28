"""Small widgets the screens share. GUI thread only."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QPushButton, QWidget


def label(role: str, parent: QWidget | None = None, *, wrap: bool = True) -> QLabel:
    widget = QLabel(parent)
    widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    return widget


def button(role: str | None = None, parent: QWidget | None = None) -> QPushButton:
    widget = QPushButton(parent)
    if role:
        widget.setProperty("role", role)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # touch screen: no focus rectangles
    return widget


class Countdown(QLabel):
    """Shows the whole seconds left until ``deadline`` on the flow clock, refreshed 4x a second.

    Display only: the flow's own timer decides when time is up.
    """

    def __init__(self, now: Callable[[], float], fmt: Callable[[int], str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty("role", "countdown")
        self.setWordWrap(True)
        self._now = now
        self._fmt = fmt
        self._deadline: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.refresh)

    def start(self, deadline: float) -> None:
        self._deadline = deadline
        self.refresh()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._deadline = None

    def seconds_left(self) -> int:
        if self._deadline is None:
            return 0
        return max(0, math.ceil(self._deadline - self._now()))

    def refresh(self) -> None:
        self.setText(self._fmt(self.seconds_left()))
