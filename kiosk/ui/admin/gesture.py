"""The gesture that opens the admin screen: N taps in one corner of the window within a few
seconds. A patient does not tap an empty corner five times in three seconds; a technician who
knows it finds it at once. GUI thread only."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF
from PySide6.QtGui import QPointerEvent
from PySide6.QtWidgets import QWidget

from kiosk.config import AdminGesture


class CornerTaps(QObject):
    """Application-wide event filter; calls ``on_gesture`` when the taps are complete.

    ``enabled`` is asked at each tap (the kiosk allows the gesture only on its home screen).
    Taps pass through to whatever is under them: the corner holds nothing a patient uses.
    """

    def __init__(
        self,
        window: QWidget,
        gesture: AdminGesture,
        size_px: Callable[[], float],
        on_gesture: Callable[[], None],
        enabled: Callable[[], bool] = lambda: True,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._gesture = gesture
        self._size_px = size_px
        self._on_gesture = on_gesture
        self._enabled = enabled
        self._taps: deque[float] = deque(maxlen=gesture.taps)
        self._last_stamp = -1

    def corner(self) -> QRectF:
        """The corner square in global coordinates."""
        frame = self._window.geometry()
        size = self._size_px()
        left = frame.left() if self._gesture.corner.endswith("left") else frame.right() + 1 - size
        top = frame.top() if self._gesture.corner.startswith("top") else frame.bottom() + 1 - size
        return QRectF(left, top, size, size)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            return False
        if not isinstance(event, QPointerEvent) or not event.points():
            return False
        stamp = event.timestamp()
        if stamp == self._last_stamp:  # one press is offered to the target and each parent
            return False
        self._last_stamp = stamp
        self.tap(event.points()[0].globalPosition(), time.monotonic())
        return False

    def tap(self, where: QPointF, now: float) -> None:
        if not self._window.isVisible() or not self.corner().contains(where) or not self._enabled():
            self._taps.clear()  # a tap anywhere else starts the count again
            return
        self._taps.append(now)
        if len(self._taps) == self._gesture.taps and now - self._taps[0] <= self._gesture.within_s:
            self._taps.clear()
            self._on_gesture()
