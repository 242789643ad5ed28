"""The service flows this version provides, by service name. A service without an entry here
gets no tile on the home screen, whatever the configuration asks for."""

from __future__ import annotations

from kiosk.flows.checkin import CheckinFlow
from kiosk.flows.context import FlowContext
from kiosk.flows.reports import ReportsFlow
from kiosk.flows.service import FlowFactory


def build_flows(context: FlowContext) -> dict[str, FlowFactory]:
    flows: dict[str, FlowFactory] = {
        "checkin": lambda: CheckinFlow(context),
        "reports": lambda: ReportsFlow(context),
    }
    return flows
