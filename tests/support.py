"""Test doubles: a clock the test moves by hand, an executor that runs jobs on demand, and a
small service flow used to drive the session chart (the real flows come in later issues)."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kiosk.flows.effects import Effect, RunJob, Show
from kiosk.flows.events import Event, FlowEvent, JobFinished
from kiosk.flows.service import FlowDone, FlowFailed, Preferences
from kiosk.flows.views import View


class _Handle:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class FakeClock:
    """Time moves only when the test calls ``advance``; due callbacks run in deadline order."""

    def __init__(self) -> None:
        self.t = 1000.0
        self._queue: list[tuple[float, int, _Handle, Callable[[], None]]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self.t

    def call_later(self, seconds: float, callback: Callable[[], None]) -> _Handle:
        handle = _Handle()
        heapq.heappush(self._queue, (self.t + seconds, next(self._seq), handle, callback))
        return handle

    def advance(self, seconds: float) -> None:
        target = self.t + seconds
        while self._queue and self._queue[0][0] <= target:
            when, _, handle, callback = heapq.heappop(self._queue)
            self.t = when
            if not handle.cancelled:
                callback()
        self.t = target

    def pending(self) -> int:
        return sum(not h.cancelled for _, _, h, _ in self._queue)

    def cancel_all(self) -> None:
        self._queue.clear()


@dataclass
class ManualExecutor:
    """Holds submitted jobs until the test runs them, like a slow HIS would."""

    jobs: list[tuple[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]]] = field(
        default_factory=list
    )

    def run_in_background(
        self, call: Callable[[], Any], on_success: Callable[[Any], None], on_error: Callable[[BaseException], None]
    ) -> None:
        self.jobs.append((call, on_success, on_error))

    def run_all(self) -> None:
        jobs, self.jobs = self.jobs, []
        for call, on_success, on_error in jobs:
            try:
                value = call()
            except Exception as exc:
                on_error(exc)
            else:
                on_success(value)


@dataclass(frozen=True)
class StepView(View):
    service: str
    step: int


class StepFlow:
    """A two-step flow: 'next' moves on, 'lookup' runs a job, 'finish' ends, 'break' fails."""

    def __init__(self, service: str = "payment", preferences: Preferences | None = None) -> None:
        self.service = service
        self.preferences = preferences if preferences is not None else Preferences()
        self.step = 0
        self.results: list[Any] = []

    def start(self) -> Sequence[Effect]:
        return [Show(StepView(self.service, self.step))]

    def handle(self, event: Event) -> Sequence[Effect]:
        match event:
            case FlowEvent(name="next"):
                self.step += 1
                return [Show(StepView(self.service, self.step))]
            case FlowEvent(name="lookup"):
                return [RunJob("lookup", lambda: 42)]
            case JobFinished(name="lookup", result=result):
                self.results.append(result)
                return []
            case FlowEvent(name="finish"):
                return [FlowDone()]
            case FlowEvent(name="break"):
                return [FlowFailed(code=2001, message="The hospital system is not answering.")]
            case FlowEvent(name="crash"):
                raise RuntimeError("bug in a flow")
        return []


def step_flows(*services: str) -> dict[str, Callable[[Preferences], StepFlow]]:
    """Factories as the session calls them: with the session's preferences."""
    return {s: (lambda preferences, s=s: StepFlow(s, preferences)) for s in services}
