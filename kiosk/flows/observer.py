"""What the session chart tells an observer (the kiosk's metrics) about sessions and flows.

A small port, so that the charts import no monitoring library. Called on the flow (GUI) thread
while the chart handles an event: implementations must be quick and must not raise. Only
service names, error codes and reasons pass through it, never patient data.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class AbandonReason(StrEnum):
    """Why a flow ended before it was done or failed."""

    CANCELLED = "cancelled"  # the patient pressed Home (or cancel) mid-flow
    IDLE_TIMEOUT = "idle_timeout"  # nobody answered the "Need more time?" warning
    WALKED_AWAY = "walked_away"  # the flow saw the patient leave (took their card mid-flow)


class SessionObserver(Protocol):
    def flow_started(self, service: str) -> None: ...

    def flow_completed(self, service: str) -> None: ...

    def flow_failed(self, service: str, code: int) -> None: ...

    def flow_abandoned(self, service: str, reason: AbandonReason) -> None: ...

    def session_ended(self) -> None:
        """The kiosk is back on its home screen, waiting for the next patient."""
        ...


class NoObserver:
    """Observes nothing (tests and tools that need no metrics)."""

    def flow_started(self, service: str) -> None:
        pass

    def flow_completed(self, service: str) -> None:
        pass

    def flow_failed(self, service: str, code: int) -> None:
        pass

    def flow_abandoned(self, service: str, reason: AbandonReason) -> None:
        pass

    def session_ended(self) -> None:
        pass
