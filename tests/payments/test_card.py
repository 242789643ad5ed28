"""The bank card provider on the terminal simulator: approved, declined, a timeout resolved by
querying the last transaction before the next sale, and a refund when the HIS refuses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.manager import DeviceManager
from kiosk.devices.simulators.hub import SimulatorHub
from kiosk.devices.simulators.terminal import TerminalSimulator
from kiosk.devices.status import DeviceState
from kiosk.his.fhir import FhirHisGateway
from kiosk.his.simulator import HisSimulator
from kiosk.journal import Journal
from kiosk.payments.ledger import PaymentState
from kiosk.payments.providers import BankCardProvider, PollPolicy
from kiosk.payments.sandbox.server import SandboxServer
from kiosk.payments.service import OutcomeKind, PaymentsService
from tests.payments.world import build_service, new_bill

OPTIONS = {"ack_timeout_s": 0.3, "retries": 3, "transaction_timeout_s": 0.6, "query_timeout_s": 1.0}


@pytest.fixture
def terminal() -> Iterator[tuple[TerminalSimulator, DeviceManager]]:
    hub = SimulatorHub()
    sim = hub.add("terminal", TerminalSimulator(stage_delay_s=0.02))
    manager = DeviceManager(
        {DeviceRole.CARD_TERMINAL: DeviceConfig(driver="card_terminal", transport="sim://terminal", profile=OPTIONS)},
        lambda event: None,
        sim_hub=hub,
        backoff_initial_s=0.05,
        backoff_cap_s=0.4,
    )
    manager.start()
    try:
        manager.wait_until(lambda st: st[DeviceRole.CARD_TERMINAL].state is DeviceState.READY, timeout=5)
        yield sim, manager
    finally:
        manager.stop()
        hub.close()


@pytest.fixture
def card_service(
    journal: Journal, his: FhirHisGateway, sandbox: SandboxServer, terminal: tuple[TerminalSimulator, DeviceManager]
) -> Iterator[PaymentsService]:
    provider = BankCardProvider("card", terminal[1], PollPolicy(0.1, 5.0), command_timeout_s=3.0)
    svc = build_service(journal, his, sandbox.base_url, extra={"card": provider})
    svc.start()
    try:
        yield svc
    finally:
        svc.stop()


def test_card_sale_approved_and_settled(
    card_service: PaymentsService, his_sim: HisSimulator, his: FhirHisGateway, patient: str
) -> None:
    bill = new_bill(his_sim, patient, 6600)
    outcome = card_service.pay("card", patient, [bill], 6600)
    assert outcome.kind is OutcomeKind.SETTLED
    record = card_service.status(outcome.payment_id)
    assert record.provider_ref  # the terminal's reference number, never a card number
    assert "6222" not in repr(record)
    assert his.find_settlement(outcome.payment_id) is not None


def test_card_declined(
    card_service: PaymentsService,
    terminal: tuple[TerminalSimulator, DeviceManager],
    his_sim: HisSimulator,
    patient: str,
) -> None:
    terminal[0].set_behaviour("decline")
    outcome = card_service.pay("card", patient, [new_bill(his_sim, patient, 100)], 100)
    assert outcome.kind is OutcomeKind.DECLINED


def test_a_timeout_is_resolved_by_query_last_before_the_next_sale(
    card_service: PaymentsService,
    terminal: tuple[TerminalSimulator, DeviceManager],
    his_sim: HisSimulator,
    his: FhirHisGateway,
    patient: str,
) -> None:
    sim, _ = terminal
    sim.set_behaviour("timeout")  # the terminal approves but the kiosk never hears the result
    outcome = card_service.pay("card", patient, [new_bill(his_sim, patient, 2500)], 2500)
    assert outcome.kind is OutcomeKind.SETTLED  # found approved by querying the last transaction
    assert his.find_settlement(outcome.payment_id) is not None
    assert any(m.kind == "QL" for m in sim.received)
    sim.set_behaviour("approve")
    assert card_service.pay("card", patient, [new_bill(his_sim, patient, 100)], 100).kind is OutcomeKind.SETTLED


def test_card_refund_when_the_his_refuses(
    card_service: PaymentsService,
    terminal: tuple[TerminalSimulator, DeviceManager],
    his_sim: HisSimulator,
    his: FhirHisGateway,
    patient: str,
) -> None:
    bill = new_bill(his_sim, patient, 900)
    his.settle(patient, [bill], "COUNTER-CARD", 900)
    outcome = card_service.pay("card", patient, [bill], 900)
    assert outcome.kind is OutcomeKind.REFUNDED
    refunds = [m for m in terminal[0].received if m.kind == "RF"]
    assert len(refunds) == 1
    assert refunds[0].fields["TX"] == "R" + outcome.payment_id[1:]
    # a repeated refund (resolver after a lost answer) is not sent again: the last transaction is ours
    provider = card_service.providers["card"]
    record = card_service.status(outcome.payment_id)
    assert record.state is PaymentState.REFUNDED
    again = provider.refund(record.id, record.refund_id or "", 900, record.provider_ref)
    assert again.net_fen == 0
    assert len([m for m in terminal[0].received if m.kind == "RF"]) == 1
