"""The service flows this version provides, by service name. A service without an entry here
gets no tile on the home screen, whatever the configuration asks for."""

from __future__ import annotations

import functools
from collections.abc import Callable

from kiosk.flows.checkin import CheckinFlow
from kiosk.flows.context import FlowContext
from kiosk.flows.payment import PaymentFlow
from kiosk.flows.registration import RegistrationFlow
from kiosk.flows.reports import ReportsFlow
from kiosk.flows.service import FlowFactory, Preferences, ServiceFlow


def implemented_services() -> tuple[str, ...]:
    """The services this version has flows for (what a home screen may offer)."""
    return tuple(_FACTORIES)


def build_flows(context: FlowContext) -> dict[str, FlowFactory]:
    """Each service's factory: the session calls it with its Preferences (see FlowFactory)."""
    return {service: functools.partial(make, context) for service, make in _FACTORIES.items()}


_FACTORIES: dict[str, Callable[[FlowContext, Preferences], ServiceFlow]] = {
    "registration": RegistrationFlow,
    "checkin": CheckinFlow,
    "payment": PaymentFlow,
    "reports": ReportsFlow,
}
