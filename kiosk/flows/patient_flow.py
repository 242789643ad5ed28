"""Base of the service flows that start by identifying the patient (all four of them).

Events go to the Identify chart until the patient confirms who they are; then to the service's
own chart through ``after_identify`` and ``handle_identified``. Removing the ID card that
identified the patient abandons the session (its data is wiped by the session chart).
Runs on the flow thread.
"""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.devices.events import CardRemoved
from kiosk.domain import IdentifierKind, Patient
from kiosk.flows.chart import FlowChart, Incoming
from kiosk.flows.context import FlowContext
from kiosk.flows.effects import Effect
from kiosk.flows.identify import Identify
from kiosk.flows.service import FlowAbandoned, Preferences
from kiosk.flows.views import Step


class PatientFlow:
    service: str = ""
    steps: int = 1  # identification is step 1 of ``steps``

    def __init__(self, context: FlowContext, preferences: Preferences | None = None) -> None:
        self.context = context
        self.preferences = preferences if preferences is not None else Preferences()
        self.identify = Identify(context.his, self.step(1), context.identify_ways())
        self.patient: Patient | None = None
        self.chart: FlowChart | None = None  # the service's own chart, made in after_identify

    def step(self, index: int) -> Step:
        return Step(self.service, index, self.steps)

    def start(self) -> Sequence[Effect]:
        return self.identify.begin()

    def handle(self, event: Incoming) -> Sequence[Effect]:
        if isinstance(event, CardRemoved) and self._identified_by_id_card():
            return [FlowAbandoned()]
        if self.patient is not None:
            return self.handle_identified(event)
        effects = list(self.identify.handle(event))
        if self.identify.patient is not None:
            self.patient = self.identify.patient
            effects.extend(self.after_identify(self.patient))
        return effects

    def _identified_by_id_card(self) -> bool:
        used = self.identify.identifier
        return used is not None and used.kind is IdentifierKind.RESIDENT_ID and self.identify.by_id_card()

    def after_identify(self, patient: Patient) -> Sequence[Effect]:
        """The service's first screen once the patient is known."""
        return []

    def handle_identified(self, event: Incoming) -> Sequence[Effect]:
        """The service's own steps: its chart's, once ``after_identify`` has made it."""
        return self.chart.handle(event) if self.chart is not None else []
