"""Opens and runs the hidden admin screen: the corner gesture, the PIN pad, the pages, the
inactivity timeout. Every check and action runs on a worker through the executor (a PIN hash,
a test print, a HIS round trip) and the answer comes back here on the GUI thread; the pages only
show rows and forward taps. The patient's session is not touched: the gesture works only on the
home screen, and the screens come back as they were when the admin screen closes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from kiosk.admin.auth import AdminGuard, Attempt, GuardState, LogoutReason, Outcome
from kiosk.admin.console import AdminConsole
from kiosk.config import AdminSection
from kiosk.flows.runtime import Executor
from kiosk.ui.admin.gesture import CornerTaps
from kiosk.ui.admin.login import PinPad
from kiosk.ui.admin.panel import AdminPanel
from kiosk.ui.main_window import MainWindow
from kiosk.ui.screens.home import HomeScreen

log = logging.getLogger(__name__)

REFRESH_MS = 3000  # live device and HIS status while the devices page is open


class AdminController(QObject):
    """GUI thread only."""

    def __init__(
        self,
        window: MainWindow,
        executor: Executor,
        guard: AdminGuard,
        console: AdminConsole,
        admin: AdminSection,
        *,
        corner_px: Callable[[], float],
        exit_app: Callable[[str], None],
        apply_voice: Callable[[float, str], None],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._executor = executor
        self._guard = guard
        self.console = console
        self._admin = admin
        self._exit_app = exit_app
        self._apply_voice = apply_voice
        self.actor: str | None = None
        self.pad = PinPad()
        self.panel = AdminPanel(allow_desktop=admin.allow_desktop)
        self.gesture = CornerTaps(window, admin.gesture, corner_px, self.open_sign_in, self._gesture_allowed)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(admin.idle_s * 1000)
        self._idle.timeout.connect(lambda: self.close("idle"))
        self._refresh = QTimer(self)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self._refresh_live)
        self._filtering = False
        self.pad.submitted.connect(self._submit)
        self.pad.cancelled.connect(lambda: self.close("button"))
        self.panel.page_chosen.connect(self.load_page)
        self.panel.action.connect(self._act)
        self.panel.sign_out.connect(lambda: self.close("button"))

    def install(self, qapp: QApplication) -> None:
        qapp.installEventFilter(self.gesture)

    def uninstall(self, qapp: QApplication) -> None:
        """At shutdown, before the executor stops: a signed-in session is closed and audited."""
        self.close("shutdown")
        qapp.removeEventFilter(self.gesture)
        if self._filtering:
            qapp.removeEventFilter(self)
            self._filtering = False

    @property
    def is_open(self) -> bool:
        return self._window.page in (self.pad, self.panel)

    def _gesture_allowed(self) -> bool:
        return self._window.page is None and isinstance(self._window.current_screen(), HomeScreen)

    # -- signing in --------------------------------------------------------------------------------

    def open_sign_in(self) -> None:
        if self.is_open:
            return
        log.info("admin sign-in opened")
        self.pad.reset(needs_staff=bool(self._admin.staff))
        self._window.open_page(self.pad)
        self._watch_activity()
        self._run(self._guard.state, self._show_guard_state)

    def _show_guard_state(self, state: GuardState) -> None:
        if state.locked and state.locked_until is not None:
            self.pad.show_outcome("locked", until=_clock_time(state.locked_until))

    def _submit(self, staff: str, pin: str) -> None:
        self._run(lambda: self._guard.attempt(pin, staff or None), self._attempted, self._attempt_failed)

    def _attempted(self, attempt: Attempt) -> None:
        if not self.is_open:
            return  # closed (idle) while the PIN was checked
        if attempt.outcome is Outcome.GRANTED and attempt.actor is not None:
            self.actor = attempt.actor
            self.panel.reset(attempt.actor)
            self._window.open_page(self.panel)
            self._refresh.start()
            self.load_page(self.panel.current)
        elif attempt.outcome is Outcome.WRONG:
            self.pad.show_outcome("wrong", remaining=attempt.remaining)
        else:
            self.pad.show_outcome("locked", until=_clock_time(attempt.locked_until or 0))

    def _attempt_failed(self, error: BaseException) -> None:
        log.error("admin PIN check failed: %s", type(error).__name__)
        self.pad.show_outcome("error")

    # -- closing -----------------------------------------------------------------------------------

    def close(self, reason: LogoutReason) -> None:
        if not self.is_open:
            return
        actor, self.actor = self.actor, None
        if actor is not None:
            self._run(lambda: self._guard.logout(actor, reason), lambda _r: None)
        self._idle.stop()
        self._refresh.stop()
        self.panel.clear()
        self.pad.reset(needs_staff=bool(self._admin.staff))
        self._window.close_page()
        log.info("admin screen closed (%s)", reason)

    def _watch_activity(self) -> None:
        self._idle.start()
        app = QApplication.instance()
        if not self._filtering and app is not None:
            app.installEventFilter(self)
            self._filtering = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.is_open and event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            self._idle.start()  # any touch on the admin screen: the inactivity timeout starts again
        return False

    # -- pages and actions -------------------------------------------------------------------------

    def load_page(self, page: str) -> None:
        console = self.console
        loaders: dict[str, Callable[[], Any]] = {
            "devices": lambda: (console.devices(), console.his_link()),
            "payments": lambda: (console.journal_refusal(), console.payments()),
            "prints": console.reprint_queue,
            "log": console.log_lines,
            "config": console.masked_config,
            "settings": console.voice_settings,
        }
        load = loaders.get(page)
        if load is not None and self.actor is not None:

            def loaded(data: Any) -> None:
                self._loaded(page, data)

            self._run(load, loaded)

    def _loaded(self, page: str, data: Any) -> None:
        if self.actor is not None:
            self.panel.show_data(page, data)

    def _refresh_live(self) -> None:
        if self.panel.current == "devices" and self._window.page is self.panel:
            self.load_page("devices")

    def _act(self, name: str, args: tuple[Any, ...]) -> None:
        actor = self.actor
        if actor is None:
            return
        console = self.console
        if name in {"restart", "desktop"}:
            leave: Literal["restart", "desktop"] = "restart" if name == "restart" else "desktop"

            def audited(_result: object) -> None:
                self.close("button")
                self._exit_app(leave)

            self._run(lambda: console.leaving(actor, leave), audited)
            return
        calls: dict[str, Callable[[], Any]] = {
            "test_print": lambda: console.test_print(args[0], actor),
            "paper_replaced": lambda: console.paper_replaced(args[0], actor),
            "retry_settle": lambda: console.retry_settle(args[0], actor),
            "mark_refunded": lambda: console.mark_refunded(args[0], actor),
            "reprint": lambda: console.reprint(args[0], actor),
            "voice": lambda: console.set_voice_settings(args[0], args[1], actor),
        }
        call = calls.get(name)
        if call is None:
            log.error("unknown admin action %s", name)
            return
        self.panel.set_busy(True)
        page = self.panel.current

        def done(result: Any) -> None:
            self.panel.set_busy(False)
            if name == "voice":
                self._apply_voice(args[0], args[1])
            self.panel.show_result(result)
            self.load_page(page)

        def failed(error: BaseException) -> None:
            self.panel.set_busy(False)
            self.panel.show_failure(type(error).__name__)

        self._run(call, done, failed)

    def _run(
        self,
        call: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        def report(error: BaseException) -> None:
            log.error("admin job failed: %s", type(error).__name__, exc_info=error)
            self.panel.show_failure(type(error).__name__)

        self._executor.run_in_background(call, done, failed or report)


def _clock_time(at: float) -> str:
    """A lock's end as the technician's wall clock shows it."""
    return datetime.fromtimestamp(at).strftime("%H:%M")
