"""The kiosk's one window: frameless, full-screen, a stack of screens and the idle overlay.

It is the FlowRunner's presenter: it shows view models and applies language and elderly
mode. It cannot be closed or left by keyboard shortcut. GUI thread only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QInputEvent, QKeyEvent, QPaintEvent
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from kiosk.flows.events import UserActivity
from kiosk.flows.views import HomeView, IdleWarningView, View
from kiosk.ui.i18n import Translations
from kiosk.ui.idle_overlay import IdleWarningOverlay
from kiosk.ui.screens.base import Post, Screen
from kiosk.ui.screens.home import HomeScreen
from kiosk.ui.theme import ThemeManager
from kiosk.ui.voice_button import VoiceControl

log = logging.getLogger(__name__)


class MainWindow(QWidget):
    first_frame_painted = Signal()

    def __init__(
        self,
        screens: dict[type[View], Screen],
        post: Post,
        now: Callable[[], float],
        translations: Translations,
        themes: ThemeManager,
    ) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint)
        self.setWindowTitle("hospital-kiosk")
        self._screens = screens
        self._translations = translations
        self._themes = themes
        self._allow_close = False
        self._painted = False
        self.stack = QStackedWidget(self)
        for screen in screens.values():
            self.stack.addWidget(screen)
        self.stack.setCurrentIndex(0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self._layout = layout
        self.overlay = IdleWarningOverlay(post, now, self)
        self.voice: VoiceControl | None = None
        # A page outside the patient's screens (the admin screen) covers them while it is open.
        self._page: QWidget | None = None
        self._session_screen: Screen | None = None  # the screen of the session's latest view

    def attach_voice(self, voice: VoiceControl) -> None:
        """The push-to-talk button: below the screens in portrait, in a flow screen's footer in landscape."""
        self.voice = voice
        self._layout.setSpacing(0)
        self._layout.addWidget(voice.strip)

    def add_screen(self, view_type: type[View], screen: Screen) -> None:
        """Registers the screen that shows ``view_type`` (each service flow brings its own)."""
        self._screens[view_type] = screen
        self.stack.addWidget(screen)

    # -- Presenter ------------------------------------------------------------------------------

    def show_view(self, view: View) -> None:
        screen = self._screens.get(type(view))
        if screen is None:
            log.error("no screen for view %s", type(view).__name__)
            return
        current = self._session_screen
        if current is not None and current is not screen:
            current.leave()
        screen.set_view(view)
        self._session_screen = screen
        if self._page is None:
            self.stack.setCurrentWidget(screen)
        if self.voice is not None:
            self.voice.show_view(view, screen)

    # -- a page over the screens --------------------------------------------------------------------

    def open_page(self, page: QWidget) -> None:
        """Shows ``page`` (the admin screen) over the patient's screens until ``close_page``;
        views the session shows meanwhile update the screen below, which comes back then."""
        if self.stack.indexOf(page) < 0:
            self.stack.addWidget(page)
        self._page = page
        self.stack.setCurrentWidget(page)

    def close_page(self) -> None:
        self._page = None
        if self._session_screen is not None:
            self.stack.setCurrentWidget(self._session_screen)

    @property
    def page(self) -> QWidget | None:
        return self._page

    def show_overlay(self, view: View | None) -> None:
        if view is not None and not isinstance(view, IdleWarningView):
            log.error("no overlay for view %s", type(view).__name__)
            return
        self.overlay.present(view)
        if self.voice is not None:
            self.voice.show_overlay(view, self.overlay)

    def apply_preferences(self, locale: str, elderly: bool) -> None:
        self._themes.apply(elderly)
        self._translations.set_locale(locale)
        home = self._screens.get(HomeView)
        if isinstance(home, HomeScreen):
            home.set_elderly(elderly)

    def current_screen(self) -> Screen | None:
        widget = self.stack.currentWidget()
        return widget if isinstance(widget, Screen) else None

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            # Fleet monitoring and bench/startup.py read this line: start-up cost as users see it.
            log.info("first frame painted first_paint_unix=%.6f size=%dx%d", time.time(), self.width(), self.height())
            # Queued: the frame reaches the screen before any follow-up work starts.
            QTimer.singleShot(0, self, self.first_frame_painted.emit)

    # -- no way out -----------------------------------------------------------------------------

    def allow_close(self) -> None:
        """Only the application's own shutdown path may close the window."""
        self._allow_close = True

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._allow_close:
            event.accept()
        else:
            log.info("close request ignored (kiosk window)")
            event.ignore()


# Keys that would leave, close or switch away from the kiosk on a desktop.
_BLOCKED_KEYS = {Qt.Key.Key_Escape, Qt.Key.Key_F4, Qt.Key.Key_Q, Qt.Key.Key_W, Qt.Key.Key_Tab, Qt.Key.Key_F11}


class InputGuard(QObject):
    """Application-wide filter: eats escape shortcuts and reports touches as patient activity."""

    def __init__(self, post: Post, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._post = post
        self._last_touch = -1

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride) and isinstance(event, QKeyEvent):
            key = Qt.Key(event.key())
            if key in _BLOCKED_KEYS and (
                key == Qt.Key.Key_Escape or event.modifiers() != Qt.KeyboardModifier.NoModifier
            ):
                return True
        elif (
            kind in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin)
            and isinstance(event, QInputEvent)
            # One press is offered to the target and then to each parent: report it once.
            and event.timestamp() != self._last_touch
        ):
            self._last_touch = event.timestamp()
            self._post(UserActivity())
        return False
