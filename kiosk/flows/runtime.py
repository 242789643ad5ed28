"""The two things a FlowRunner needs from its host: a clock and a way to run work off-thread.

The app gives Qt-backed versions (kiosk.eventloop); tests give fakes that run instantly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def now(self) -> float:
        """Monotonic seconds; only differences mean anything."""
        ...

    def call_later(self, seconds: float, callback: Callable[[], None]) -> TimerHandle:
        """Calls ``callback`` on the flow thread after ``seconds`` unless cancelled first."""
        ...


class Executor(Protocol):
    def run_in_background(
        self,
        call: Callable[[], Any],
        on_success: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """Runs ``call`` on a worker; exactly one callback runs afterwards, on the flow thread."""
        ...
