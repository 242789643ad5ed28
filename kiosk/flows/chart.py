"""Base of the service flow charts: an outbox of effects and one ``handle`` entry point.

A chart subclass declares its states and transitions (python-statemachine validates them when
the class is defined), maps incoming events to its own event names in ``route``, and emits
effects from its callbacks with ``emit``. Runs on the flow (GUI) thread; imports no Qt.
"""

from __future__ import annotations

import logging
from typing import Any

from statemachine import StateMachine

from kiosk.devices.events import DeviceEvent
from kiosk.flows.effects import Effect
from kiosk.flows.events import Event

log = logging.getLogger(__name__)

Incoming = Event | DeviceEvent


class FlowChart(StateMachine):
    # Stray events (a late tap, a card read on a screen that does not want one) are normal.
    allow_event_without_transition = True

    def __init__(self) -> None:
        self._outbox: list[Effect] = []
        super().__init__()

    def route(self, event: Incoming) -> tuple[str | None, dict[str, Any]]:
        """This chart's event name and arguments for ``event``, or (None, {}) to ignore it."""
        return None, {}

    def handle(self, event: Incoming) -> list[Effect]:
        name, kwargs = self.route(event)
        if name is not None:
            if name in {e.id for e in self.allowed_events}:
                self.send(name, **kwargs)
            else:
                log.debug("%s: %s ignored in state %s", type(self).__name__, name, self.current_state_value)
        return self.take()

    def emit(self, effect: Effect) -> None:
        self._outbox.append(effect)

    def take(self) -> list[Effect]:
        effects, self._outbox = self._outbox, []
        return effects
