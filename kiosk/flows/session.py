"""The kiosk session chart: home → a service → goodbye → home, with idle timeout and errors.

    state     event            guard                 → target    effects
    --------  ---------------  --------------------  ----------  -----------------------------------
    home      choose           service available     serving     flow's first screen, idle timer
    home      idle_expired                           home        default language / elderly mode
    serving   activity                               serving     idle timer restarted (a tap, a card, a
                                                                 new screen; paused on an untimed one)
    serving   idle_warn                              warning     warning overlay, final timer
    warning   more_time        extensions left       serving     overlay removed, idle timer
    warning   idle_expired                           home        session wiped, home screen
    serving   flow_done                              goodbye     goodbye screen, goodbye timer
    serving   flow_failed                            failed      error screen (code), error timer
    warning   flow_done/failed                       goodbye/failed (a late job result)
    serving,
    warning   go_home                                home        session wiped, home screen
    goodbye   goodbye_over, go_home                  home        session wiped, home screen
    failed    error_over, go_home                    home        session wiped, home screen

Every path out of a session wipes it: the patient's data lives only in :class:`Session`, which is
replaced, never cleared field by field. In elderly mode every time limit here is doubled (the
idle time and its warning, the goodbye and error screens, the quiet reset of the home screen's
switches); the flows keep no timers of their own, and a payment's deadline (the QR countdown) is
the payment order's, set by the channel, not the kiosk's to lengthen. Runs on the flow (GUI)
thread; imports no Qt.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from statemachine import State, StateMachine

from kiosk.devices.events import DeviceEvent, DeviceStatusChanged
from kiosk.errors import KioskError, ServiceUnavailableError
from kiosk.flows.effects import ApplyPreferences, CancelTimer, Effect, RunJob, Show, ShowOverlay, StartTimer
from kiosk.flows.events import (
    DefaultLocaleChanged,
    ElderlyModeChosen,
    Event,
    FlowEvent,
    HomeRequested,
    JobFinished,
    LocaleChosen,
    MoreTimeRequested,
    ServiceChosen,
    TimerFired,
    UserActivity,
)
from kiosk.flows.observer import AbandonReason, NoObserver, SessionObserver
from kiosk.flows.runtime import Clock
from kiosk.flows.service import FlowAbandoned, FlowDone, FlowFailed, FlowRegistry, Preferences, ServiceFlow
from kiosk.flows.views import ErrorView, FlowView, GoodbyeView, HomeView, IdleWarningView

log = logging.getLogger(__name__)


ELDERLY_TIME_FACTOR = 2.0  # elderly mode: every time limit the patient must act within, doubled


def time_limit(seconds: float, elderly: bool, factor: float = ELDERLY_TIME_FACTOR) -> float:
    """A configured time limit as it applies to a patient in (or not in) elderly mode."""
    return seconds * factor if elderly else seconds


class Timer(StrEnum):
    """The session's own timers (dotted names, so ``match`` compares instead of capturing)."""

    IDLE = "idle"
    FINAL = "idle_final"
    GOODBYE = "goodbye"
    ERROR = "error"


@dataclass(frozen=True)
class SessionSettings:
    """The slice of the configuration the session chart needs (kept small for tests)."""

    services: tuple[str, ...]
    locale: str
    elderly: bool
    idle_s: float
    idle_warning_s: float
    max_extensions: int
    goodbye_s: float
    error_screen_s: float
    elderly_time_factor: float = ELDERLY_TIME_FACTOR


@dataclass
class Session:
    """Everything one patient's visit knows. Replaced as a whole when the visit ends."""

    id: int
    locale: str
    elderly: bool
    service: str | None = None
    flow: ServiceFlow | None = None
    extensions_used: int = 0
    data: dict[str, Any] = field(default_factory=dict)


class SessionChart(StateMachine):
    # A refused guard (no extensions left, a tile that went away) is normal here, not an error.
    allow_event_without_transition = True

    home = State(initial=True)
    serving = State()
    warning = State()
    goodbye = State()
    failed = State()

    choose = home.to(serving, cond="service_available")
    activity = serving.to.itself(internal=True)  # type: ignore[no-untyped-call]
    idle_warn = serving.to(warning)
    more_time = warning.to(serving, cond="extensions_left")
    idle_expired = warning.to(home) | home.to.itself(internal=True)  # type: ignore[no-untyped-call]
    flow_done = serving.to(goodbye) | warning.to(goodbye)
    flow_failed = serving.to(failed) | warning.to(failed)
    go_home = serving.to(home) | warning.to(home) | goodbye.to(home) | failed.to(home)
    goodbye_over = goodbye.to(home)
    error_over = failed.to(home)

    def __init__(
        self, settings: SessionSettings, flows: FlowRegistry, clock: Clock, observer: SessionObserver | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.observer: SessionObserver = observer if observer is not None else NoObserver()
        # Only services both configured and implemented get a tile: no tile leads nowhere.
        self.available = tuple(s for s in settings.services if s in flows)
        self._flows = flows
        self.session = Session(id=1, locale=settings.locale, elderly=settings.elderly)
        self._outbox: list[Effect] = []
        self._idle_paused = False
        super().__init__()

    # -- the one entry point ---------------------------------------------------------------------

    def handle(self, event: Event | DeviceEvent) -> list[Effect]:
        """Feeds one event to the chart and returns the effects it asks for, in order."""
        if isinstance(event, TimerFired | JobFinished) and event.session_id != self.session.id:
            log.debug("dropping %s from ended session %s", type(event).__name__, event.session_id)
            return []
        name, kwargs = self._route(event)
        if name is not None:
            if name in self.allowed_events_names():
                self.send(name, **kwargs)
            else:
                log.debug("event %s ignored in state %s", name, self.current_state_value)
        return self._take_outbox()

    def start(self) -> list[Effect]:
        self._emit(ApplyPreferences(self.session.locale, self.session.elderly))
        self._emit(Show(HomeView(self.available)))
        return self._take_outbox()

    def fail(self, error: BaseException) -> list[Effect]:
        """A bug escaped a flow: end the session on the error screen instead of freezing."""
        code = error.code if isinstance(error, KioskError) else ServiceUnavailableError.code
        if self.current_state_value in ("serving", "warning"):
            self.send("flow_failed", code=code, message=ServiceUnavailableError.patient_message)
        else:
            self._wipe_and_go_home()
        return self._take_outbox()

    def allowed_events_names(self) -> set[str]:
        return {e.id for e in self.allowed_events}

    # -- routing ---------------------------------------------------------------------------------

    def _route(self, event: Event | DeviceEvent) -> tuple[str | None, dict[str, Any]]:
        match event:
            case ServiceChosen(service=service):
                return "choose", {"service": service}
            case UserActivity():
                return "activity", {}
            case MoreTimeRequested():
                return "more_time", {}
            case HomeRequested():
                return "go_home", {}
            case LocaleChosen(locale=locale):
                self.session.locale = locale
                self._preferences_changed()
                return "activity", {}
            case ElderlyModeChosen(enabled=enabled):
                self.session.elderly = enabled
                self._preferences_changed()
                return "activity", {}
            case DefaultLocaleChanged(locale=locale):
                self.settings = replace(self.settings, locale=locale)
                if self.current_state_value == "home" and self.session.locale != locale:
                    self.session.locale = locale  # nobody is being served: the home screen follows
                    self._emit(ApplyPreferences(locale, self.session.elderly))
                return None, {}
            case TimerFired(name=Timer.IDLE):
                return "idle_warn" if self.current_state_value == "serving" else "idle_expired", {}
            case TimerFired(name=Timer.FINAL):
                return "idle_expired", {}
            case TimerFired(name=Timer.GOODBYE):
                return "goodbye_over", {}
            case TimerFired(name=Timer.ERROR):
                return "error_over", {}
            case DeviceStatusChanged():
                return None, {}  # shown by the status views; a flow asks the device when it needs it
            case FlowEvent() | JobFinished() | TimerFired() | DeviceEvent():
                self._to_flow(event)  # card reads, scans, terminal stages belong to the active flow
                return None, {}
        log.warning("unroutable event type %s", type(event).__name__)
        return None, {}

    def _to_flow(self, event: Event | DeviceEvent) -> None:
        flow = self.session.flow
        if flow is None or self.current_state_value not in ("serving", "warning"):
            log.debug("no active flow for %s", type(event).__name__)
            return
        if isinstance(event, FlowEvent | DeviceEvent) and self.current_state_value == "serving":
            self._restart_idle()  # a tap, a card read or a scan inside a flow is activity too
        self._take_flow_effects(flow.handle(event))

    def _take_flow_effects(self, effects: Sequence[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, Show) and isinstance(effect.view, FlowView):
                self._idle_paused = not effect.view.timed
                if self.current_state_value == "serving":
                    self._restart_idle()  # a new screen: the patient gets the whole time again
            if isinstance(effect, FlowDone):
                self.send("flow_done")
            elif isinstance(effect, FlowAbandoned):
                log.info("session %s: abandoned mid-flow", self.session.id)
                self.send("go_home", reason=AbandonReason.WALKED_AWAY)
            elif isinstance(effect, FlowFailed):
                self.send("flow_failed", code=effect.code, message=effect.message)
            else:
                self._emit(effect)

    # -- guards ----------------------------------------------------------------------------------

    def service_available(self, service: str) -> bool:
        return service in self.available

    def extensions_left(self) -> bool:
        return self.session.extensions_used < self.settings.max_extensions

    # -- actions ---------------------------------------------------------------------------------

    def on_choose(self, service: str) -> None:
        self.session.service = service
        flow = self._flows[service](Preferences(elderly=self.session.elderly))
        self.session.flow = flow
        log.info("session %s: service %s started", self.session.id, service)
        self.observer.flow_started(service)
        self._restart_idle()
        self._take_flow_effects(flow.start())

    def on_activity(self) -> None:
        self._restart_idle()

    def on_enter_warning(self) -> None:
        warning = self._limit(self.settings.idle_warning_s)
        left = self.settings.max_extensions - self.session.extensions_used
        self._emit(ShowOverlay(IdleWarningView(deadline=self.clock.now() + warning, extensions_left=left)))
        self._emit(StartTimer(Timer.FINAL, warning))

    def on_more_time(self) -> None:
        self.session.extensions_used += 1
        self._emit(CancelTimer(Timer.FINAL))
        self._emit(ShowOverlay(None))

    def on_enter_serving(self, source: State) -> None:
        if source.id == "warning":
            self._restart_idle()

    def on_idle_expired(self, source: State) -> None:
        log.info("session %s: idle timeout in state %s", self.session.id, source.id)
        if source.id == "warning":
            self.observer.flow_abandoned(self.session.service or "", AbandonReason.IDLE_TIMEOUT)
        self._wipe_and_go_home()

    def on_go_home(self, source: State, reason: AbandonReason = AbandonReason.CANCELLED) -> None:
        if source.id in ("serving", "warning"):
            self.observer.flow_abandoned(self.session.service or "", reason)
        self._wipe_and_go_home()

    def on_goodbye_over(self) -> None:
        self._wipe_and_go_home()

    def on_error_over(self) -> None:
        self._wipe_and_go_home()

    def on_enter_goodbye(self) -> None:
        self.observer.flow_completed(self.session.service or "")
        self._stop_idle()
        self._emit(ShowOverlay(None))
        goodbye = self._limit(self.settings.goodbye_s)
        self._emit(Show(GoodbyeView(deadline=self.clock.now() + goodbye)))
        self._emit(StartTimer(Timer.GOODBYE, goodbye))

    def on_flow_failed(self, code: int, message: str) -> None:
        log.warning("session %s: service %s failed with code %s", self.session.id, self.session.service, code)
        self.observer.flow_failed(self.session.service or "", code)
        self._stop_idle()
        self._emit(ShowOverlay(None))
        shown_for = self._limit(self.settings.error_screen_s)
        self._emit(Show(ErrorView(code=code, message=message, deadline=self.clock.now() + shown_for)))
        self._emit(StartTimer(Timer.ERROR, shown_for))

    # -- helpers ---------------------------------------------------------------------------------

    def _restart_idle(self) -> None:
        if self._idle_paused:  # a screen with its own deadline: see FlowView.timed
            self._stop_idle()
            return
        warn_after = self._limit(self.settings.idle_s - self.settings.idle_warning_s)
        self._emit(StartTimer(Timer.IDLE, warn_after))

    def _stop_idle(self) -> None:
        self._emit(CancelTimer(Timer.IDLE))
        self._emit(CancelTimer(Timer.FINAL))

    def _preferences_changed(self) -> None:
        self._emit(ApplyPreferences(self.session.locale, self.session.elderly))
        if self.current_state_value == "home" and self._preferences_differ():
            # A patient who switched language and walked away: reset quietly after the timeout.
            self._emit(StartTimer(Timer.IDLE, self._limit(self.settings.idle_s)))

    def _limit(self, seconds: float) -> float:
        """``seconds`` for this patient: doubled in elderly mode."""
        return time_limit(seconds, self.session.elderly, self.settings.elderly_time_factor)

    def _preferences_differ(self) -> bool:
        return (self.session.locale, self.session.elderly) != (self.settings.locale, self.settings.elderly)

    def _wipe_and_go_home(self) -> None:
        for name in (Timer.IDLE, Timer.FINAL, Timer.GOODBYE, Timer.ERROR):
            self._emit(CancelTimer(name))
        ended = self.session
        ending = getattr(ended.flow, "end", None)
        if callable(ending):
            # Only background work (cancel an open payment): the screens are going home.
            self._outbox.extend(e for e in ending() if isinstance(e, RunJob))
        self.session = Session(id=ended.id + 1, locale=self.settings.locale, elderly=self.settings.elderly)
        self._idle_paused = False
        self._emit(ShowOverlay(None))
        self._emit(ApplyPreferences(self.session.locale, self.session.elderly))
        self._emit(Show(HomeView(self.available)))
        self.observer.session_ended()

    def _emit(self, effect: Effect) -> None:
        self._outbox.append(effect)

    def _take_outbox(self) -> list[Effect]:
        effects, self._outbox = self._outbox, []
        return effects
