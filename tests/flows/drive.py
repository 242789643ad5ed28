"""Driving a flow chart without Qt: run its background jobs as the app's pool would and read
what it shows. Shared by the flow tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from kiosk.flows.chart import Incoming
from kiosk.flows.effects import Effect, RunJob, Show
from kiosk.flows.events import JobFinished
from kiosk.flows.views import MessageView, View


class Chart(Protocol):
    def handle(self, event: Incoming) -> Sequence[Effect]: ...


def finish(job: RunJob) -> JobFinished:
    """The event the app's pool would post after running ``job``."""
    try:
        return JobFinished(job.name, 1, result=job.call())
    except Exception as exc:
        return JobFinished(job.name, 1, error=exc)


def run_jobs(
    chart: Chart,
    effects: Sequence[Effect],
    *,
    hold: Callable[[RunJob], bool] = lambda job: False,
    held: list[RunJob] | None = None,
) -> list[Effect]:
    """Runs the RunJob effects, feeding each outcome back, and returns the other effects.

    A job ``hold`` picks is not run (a payment the patient has not approved yet): it goes to
    ``held`` when given, else it stays among the returned effects.
    """
    out: list[Effect] = []
    for effect in effects:
        if isinstance(effect, RunJob) and not hold(effect):
            out.extend(run_jobs(chart, chart.handle(finish(effect)), hold=hold, held=held))
        elif isinstance(effect, RunJob) and held is not None:
            held.append(effect)
        else:
            out.append(effect)
    return out


def shown(effects: Sequence[Effect]) -> View:
    views = [e.view for e in effects if isinstance(e, Show)]
    assert views, effects
    return views[-1]


def message(effects: Sequence[Effect]) -> MessageView:
    view = shown(effects)
    assert isinstance(view, MessageView), view
    return view
