"""Bank card terminal: KT1 framing, and the driver against the terminal simulator."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.errors import DeviceTimeoutError, TerminalBusyError, TerminalNeedsRecoveryError
from kiosk.devices.events import TerminalOutcome, TerminalStage, TerminalStageChanged, TerminalTransactionFinished
from kiosk.devices.manager import DeviceManager
from kiosk.devices.simulators.hub import SimDevice
from kiosk.devices.simulators.terminal import TerminalSimulator
from kiosk.devices.status import DeviceState, StatusFlag
from kiosk.devices.terminal import Message, TerminalDecoder, bcd_length, build_frame, parse_bcd, safe_masked_pan

from .conftest import Collector

ROLE = DeviceRole.CARD_TERMINAL
OPTIONS = {"ack_timeout_s": 0.3, "retries": 3, "transaction_timeout_s": 1.0, "query_timeout_s": 1.0}


def test_frame_layout() -> None:
    frame = build_frame(b"SA\x1cTX=T1\x1cAM=000000000500")
    assert frame[0] == 0x02
    assert frame[1:3] == b"\x00\x24"
    assert frame[-2] == 0x03
    lrc = 0
    for b in frame[1:-1]:
        lrc ^= b
    assert frame[-1] == lrc
    assert bcd_length(1234) == b"\x12\x34"
    assert parse_bcd(b"\x12\x34") == 1234
    assert parse_bcd(b"\x1a\x00") is None


def test_decoder_tokens_and_resync() -> None:
    good = build_frame(Message("ST", {"TX": "T1", "SG": "ENTER_PIN"}).encode())
    damaged = good[:-1] + bytes([good[-1] ^ 0xFF])
    decoder = TerminalDecoder()
    tokens = decoder.feed(b"\x06\x99noise" + damaged + b"\x15" + good, now=1.0)
    kinds = [t.kind for t in tokens]
    assert kinds[0] == "ack"
    assert "bad" in kinds
    assert kinds[-1] == "frame"
    assert Message.decode(tokens[-1].data) == Message("ST", {"TX": "T1", "SG": "ENTER_PIN"})
    assert decoder.feed(good[:5], now=2.0) == []
    assert decoder.expire(2.1) is False
    assert decoder.expire(3.0) is True  # the sender went silent mid-frame


def test_card_numbers_are_never_kept_unmasked() -> None:
    assert safe_masked_pan("622202******1234") == "622202******1234"
    assert safe_masked_pan("6222021234567891234") == "622202*********1234"
    assert safe_masked_pan("") == ""


@pytest.fixture
def terminal(
    link: Callable[[str, SimDevice], str], make_manager: Callable[..., DeviceManager], collector: Collector
) -> tuple[TerminalSimulator, DeviceManager]:
    sim = TerminalSimulator(stage_delay_s=0.02)
    url = link("terminal", sim)
    manager = make_manager({ROLE: DeviceConfig(driver="card_terminal", transport=url, profile=OPTIONS)})
    collector.wait_state(ROLE, DeviceState.READY)
    return sim, manager


def test_sale_approved_with_stages(terminal: tuple[TerminalSimulator, DeviceManager], collector: Collector) -> None:
    _, manager = terminal
    result = manager.card_sale(12345, transaction_id="T100").result(timeout=5)
    assert result.outcome is TerminalOutcome.APPROVED
    assert (result.amount_fen, result.transaction_id, result.approval_code) == (12345, "T100", "A12345")
    assert result.masked_pan == "622202******1234"
    assert result.reference
    stages = [e.stage for e in collector.of(TerminalStageChanged)]
    assert stages == [TerminalStage.INSERT_CARD, TerminalStage.ENTER_PIN, TerminalStage.PROCESSING]
    assert collector.wait_for(TerminalTransactionFinished).result == result


def test_decline(terminal: tuple[TerminalSimulator, DeviceManager]) -> None:
    sim, manager = terminal
    sim.set_behaviour("decline")
    result = manager.card_sale(500, transaction_id="T101").result(timeout=5)
    assert result.outcome is TerminalOutcome.DECLINED
    assert result.response_code == "51"
    assert result.masked_pan == ""


def test_one_transaction_at_a_time_and_cancel(terminal: tuple[TerminalSimulator, DeviceManager]) -> None:
    sim, manager = terminal
    sim.stage_delay_s = 0.3
    sale = manager.card_sale(500, transaction_id="T102")
    second = manager.card_sale(700, transaction_id="T103")
    with pytest.raises(TerminalBusyError):
        second.result(timeout=5)
    assert manager.card_cancel().result(timeout=5) is True
    assert sale.result(timeout=5).outcome is TerminalOutcome.CANCELLED


def test_timeout_blocks_sales_until_queried(
    terminal: tuple[TerminalSimulator, DeviceManager], collector: Collector
) -> None:
    sim, manager = terminal
    sim.set_behaviour("timeout")
    result = manager.card_sale(800, transaction_id="T104").result(timeout=5)
    assert result.outcome is TerminalOutcome.TIMEOUT
    status = collector.wait_state(ROLE, DeviceState.WARNING).status
    assert StatusFlag.NEEDS_RECOVERY in status.flags
    with pytest.raises(TerminalNeedsRecoveryError):
        manager.card_sale(800, transaction_id="T105").result(timeout=5)
    sim.set_behaviour("approve")
    last = manager.submit(ROLE, "query_last").result(timeout=5)
    assert last.kind == "query"
    assert last.transaction_id == "T104"
    assert last.outcome is TerminalOutcome.APPROVED
    assert manager.card_sale(800, transaction_id="T106").result(timeout=5).outcome is TerminalOutcome.APPROVED


def test_silent_mid_frame_ends_as_timeout(terminal: tuple[TerminalSimulator, DeviceManager]) -> None:
    sim, manager = terminal
    sim.set_behaviour("mid_frame")
    assert manager.card_sale(900, transaction_id="T107").result(timeout=5).outcome is TerminalOutcome.TIMEOUT


@pytest.mark.parametrize("behaviour", ["nak_first", "garbage"])
def test_retransmit_and_noise(terminal: tuple[TerminalSimulator, DeviceManager], behaviour: str) -> None:
    sim, manager = terminal
    sim.set_behaviour(behaviour)
    result = manager.card_sale(1000, transaction_id="T108").result(timeout=5)
    assert result.outcome is TerminalOutcome.APPROVED
    if behaviour == "nak_first":
        assert [m.kind for m in sim.received] == ["SA"]  # the NAKed copy was never taken as a request


def test_no_ack_fails_the_command(terminal: tuple[TerminalSimulator, DeviceManager], collector: Collector) -> None:
    sim, manager = terminal
    sim.set_behaviour("no_ack")
    with pytest.raises(DeviceTimeoutError):
        manager.card_sale(1000, transaction_id="T109").result(timeout=5)
    assert StatusFlag.NO_ANSWER in collector.wait_state(ROLE, DeviceState.ERROR).status.flags
    sim.set_behaviour("approve")
    assert manager.card_sale(1000, transaction_id="T110").result(timeout=5).outcome is TerminalOutcome.APPROVED


def test_unmasked_card_number_from_terminal_is_masked(terminal: tuple[TerminalSimulator, DeviceManager]) -> None:
    sim, manager = terminal
    sim.unmasked_pan_bug = True
    result = manager.card_sale(100, transaction_id="T111").result(timeout=5)
    assert result.masked_pan == "622202*********1234"
