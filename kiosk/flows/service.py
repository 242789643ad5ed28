"""The contract between the session chart and a service flow (registration, payment...).

A service flow is a chart of its own. The session chart starts it when its tile is chosen,
passes it the flow events, and ends it on cancel, idle timeout or when the flow says it is done.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from kiosk.devices.events import DeviceEvent
from kiosk.flows.effects import Effect
from kiosk.flows.events import Event


@dataclass(frozen=True)
class FlowDone(Effect):
    """The flow finished its work: the session shows the goodbye screen."""


@dataclass(frozen=True)
class FlowAbandoned(Effect):
    """The patient walked away mid-flow (took their card): wipe the session, go home."""


@dataclass(frozen=True)
class FlowFailed(Effect):
    """The flow cannot go on: the session shows the error screen with this code and message."""

    code: int
    message: str


class ServiceFlow(Protocol):
    def start(self) -> Sequence[Effect]:
        """Effects to run when the flow begins (usually: show its first screen)."""
        ...

    def handle(self, event: Event | DeviceEvent) -> Sequence[Effect]:
        """Effects in answer to one event addressed to the flow (a tap, a job result, a card read)."""
        ...


class EndingFlow(ServiceFlow, Protocol):
    """A flow with work to undo when the session ends before it did (an open payment)."""

    def end(self) -> Sequence[Effect]:
        """Background jobs to run as the session is wiped; no screens (the session goes home)."""
        ...


PAGE_SIZE = 6  # choices on one page of a list (departments, doctors, bills...)
ELDERLY_PAGE_SIZE = 4  # in elderly mode: no more than four choices a screen


@dataclass(frozen=True)
class Preferences:
    """What the patient chose on the home screen that a flow must honour, fixed when the flow
    is made (the switches are on the home screen only)."""

    elderly: bool = False

    @property
    def page_size(self) -> int:
        """How many choices one page of a list shows."""
        return ELDERLY_PAGE_SIZE if self.elderly else PAGE_SIZE


# Builds a fresh flow for one session, with that session's preferences; flows never outlive
# their session.
FlowFactory = Callable[[Preferences], ServiceFlow]
FlowRegistry = Mapping[str, FlowFactory]
