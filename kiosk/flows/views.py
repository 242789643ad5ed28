"""View models: what a screen shows, as plain frozen data. The UI picks a screen by type."""

from __future__ import annotations

from dataclasses import dataclass


class View:
    """Marker base of every view model."""


@dataclass(frozen=True)
class HomeView(View):
    services: tuple[str, ...]


@dataclass(frozen=True)
class GoodbyeView(View):
    deadline: float  # clock time at which the kiosk goes home by itself


@dataclass(frozen=True)
class IdleWarningView(View):
    deadline: float
    extensions_left: int


@dataclass(frozen=True)
class ErrorView(View):
    """The out-of-service screen: a plain sentence for the patient, the code for a technician."""

    code: int
    message: str  # untranslated source text; the UI translates it in context "errors"
    deadline: float
