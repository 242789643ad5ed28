"""Effects the charts ask for. The FlowRunner carries them out; the charts never do I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.flows.views import View


class Effect:
    """Marker base of every effect."""


@dataclass(frozen=True)
class Show(Effect):
    view: View


@dataclass(frozen=True)
class ShowOverlay(Effect):
    """Shows a view over the current screen, or removes the overlay when ``view`` is None."""

    view: View | None


@dataclass(frozen=True)
class StartTimer(Effect):
    """(Re)starts the named timer; a running timer of that name is replaced."""

    name: str
    seconds: float


@dataclass(frozen=True)
class CancelTimer(Effect):
    name: str


@dataclass(frozen=True)
class RunJob(Effect):
    """Runs ``call`` on a worker thread; its outcome returns as a JobFinished event."""

    name: str
    call: Callable[[], Any]


@dataclass(frozen=True)
class ApplyPreferences(Effect):
    locale: str
    elderly: bool
