"""Events the flows consume: taps, voice choices, timers, job results. Small and frozen, so they
cross threads safely through the EventBridge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class Event:
    """Marker base of every flow event."""


@dataclass(frozen=True)
class ServiceChosen(Event):
    service: str


@dataclass(frozen=True)
class UserActivity(Event):
    """Any touch or spoken command: postpones the idle timeout."""


@dataclass(frozen=True)
class MoreTimeRequested(Event):
    pass


@dataclass(frozen=True)
class HomeRequested(Event):
    """The patient pressed Home / Cancel, or said so."""


@dataclass(frozen=True)
class LocaleChosen(Event):
    locale: str


@dataclass(frozen=True)
class ElderlyModeChosen(Event):
    enabled: bool


@dataclass(frozen=True)
class DefaultLocaleChanged(Event):
    """The admin screen changed the language every session starts in."""

    locale: str


@dataclass(frozen=True)
class TimerFired(Event):
    name: str
    session_id: int


@dataclass(frozen=True)
class JobFinished(Event):
    """A background job (HIS call, print...) finished; ``error`` is set when it raised."""

    name: str
    session_id: int
    result: Any = None
    error: BaseException | None = None


@dataclass(frozen=True)
class FlowEvent(Event):
    """An event meant for the active service flow (a tap on one of its screens)."""

    name: str
    value: Any = None
