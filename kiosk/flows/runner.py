"""FlowRunner: feeds events to the session chart and carries out the effects it asks for.

Runs on the flow thread (the GUI thread in the app). It owns timers and background jobs on the
chart's behalf, tagging each with the session it belongs to, so a result that arrives after the
patient has left is dropped instead of leaking into the next patient's session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from kiosk.devices.events import DeviceEvent
from kiosk.flows.effects import ApplyPreferences, CancelTimer, Effect, RunJob, Show, ShowOverlay, StartTimer
from kiosk.flows.events import Event, JobFinished, TimerFired
from kiosk.flows.runtime import Clock, Executor, TimerHandle
from kiosk.flows.session import SessionChart
from kiosk.flows.views import View

log = logging.getLogger(__name__)


class Presenter(Protocol):
    """What the runner needs from the UI (or from a test)."""

    def show_view(self, view: View) -> None: ...

    def show_overlay(self, view: View | None) -> None: ...

    def apply_preferences(self, locale: str, elderly: bool) -> None: ...


class FlowRunner:
    def __init__(self, chart: SessionChart, clock: Clock, executor: Executor, presenter: Presenter) -> None:
        self._chart = chart
        self._clock = clock
        self._executor = executor
        self._presenter = presenter
        self._timers: dict[str, TimerHandle] = {}
        self._dispatching = False
        self._pending: list[Event | DeviceEvent] = []
        self.current_view: View | None = None

    @property
    def chart(self) -> SessionChart:
        return self._chart

    def start(self) -> None:
        self._run(self._chart.start())

    def post(self, event: Event | DeviceEvent) -> None:
        """Handles one event. Re-entrant calls (an effect that posts) are queued, not nested."""
        self._pending.append(event)
        if self._dispatching:
            return
        self._dispatching = True
        try:
            while self._pending:
                self._dispatch(self._pending.pop(0))
        finally:
            self._dispatching = False

    def stop(self) -> None:
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()

    def _dispatch(self, event: Event | DeviceEvent) -> None:
        try:
            effects = self._chart.handle(event)
        except Exception as exc:  # a bug in a chart must not freeze the kiosk: end the session
            log.exception("flow error while handling %s", type(event).__name__)
            effects = self._chart.fail(exc)
        self._run(effects)

    def _run(self, effects: list[Effect]) -> None:
        for effect in effects:
            try:
                self._execute(effect)
            except Exception:
                log.exception("effect %s failed", type(effect).__name__)

    def _execute(self, effect: Effect) -> None:
        session_id = self._chart.session.id
        match effect:
            case Show(view=view):
                self.current_view = view
                self._presenter.show_view(view)
            case ShowOverlay(view=view):
                self._presenter.show_overlay(view)
            case ApplyPreferences(locale=locale, elderly=elderly):
                self._presenter.apply_preferences(locale, elderly)
            case StartTimer(name=name, seconds=seconds):
                self._cancel_timer(name)
                self._timers[name] = self._clock.call_later(seconds, self._timer_callback(name, session_id))
            case CancelTimer(name=name):
                self._cancel_timer(name)
            case RunJob(name=name, call=call):
                self._executor.run_in_background(call, *self._job_callbacks(name, session_id))
            case _:
                log.error("no handler for effect %s", type(effect).__name__)

    def _cancel_timer(self, name: str) -> None:
        handle = self._timers.pop(name, None)
        if handle is not None:
            handle.cancel()

    def _timer_callback(self, name: str, session_id: int) -> Callable[[], None]:
        def fire() -> None:
            self._timers.pop(name, None)
            self.post(TimerFired(name, session_id))

        return fire

    def _job_callbacks(
        self, name: str, session_id: int
    ) -> tuple[Callable[[Any], None], Callable[[BaseException], None]]:
        def done(result: Any) -> None:
            self.post(JobFinished(name, session_id, result=result))

        def failed(error: BaseException) -> None:
            self.post(JobFinished(name, session_id, error=error))

        return done, failed
