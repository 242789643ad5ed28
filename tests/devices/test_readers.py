"""Stripe reader, scanners (serial and keyboard wedge) and PC/SC reader."""

from __future__ import annotations

import importlib.util
import os
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.base import DeviceContext
from kiosk.devices.card_reader import MagstripeOptions, PcscReader, parse_swipe
from kiosk.devices.events import CardRead, CardReadFailed, CardRemoved, QrScanned, ScanKind
from kiosk.devices.manager import DeviceManager
from kiosk.devices.scanner import EVENT, ScanPatterns, WedgeDecoder, classify
from kiosk.devices.simulators.hub import SimDevice
from kiosk.devices.simulators.serial_line import MagstripeSimulator, ScannerSimulator
from kiosk.devices.status import DeviceState, StatusFlag

from .conftest import Collector


def test_parse_swipe_tracks() -> None:
    opts = MagstripeOptions()
    assert parse_swipe("%B123^NAME?;20240001=4912?", opts) == "20240001"
    assert parse_swipe(";12=34?", opts) is None  # too short for the pattern
    assert parse_swipe("no sentinels", opts) is None
    assert parse_swipe(";1?;99887766?", MagstripeOptions(track=3)) == "99887766"
    assert parse_swipe("20240001", MagstripeOptions(sentinels=False)) == "20240001"


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ("134567890123456789", ScanKind.PAYMENT_CODE),
        ("28" + "1" * 16, ScanKind.PAYMENT_CODE),
        ("6212345678901234567", ScanKind.PAYMENT_CODE),
        ("EHC:110101199003078515:20240001:0001", ScanKind.HEALTH_CARD),
        ("A" * 64 + ":1:20240501", ScanKind.HEALTH_CARD),
        ("NHSA" + "x1" * 10, ScanKind.INSURANCE_VOUCHER),
        ("R2024050100123", ScanKind.REPORT_BARCODE),
        ("https://example.org/", ScanKind.UNKNOWN),
        ("1345678901234567890", ScanKind.UNKNOWN),  # 19 digits starting 13: not a payment code
    ],
)
def test_classify(payload: str, kind: ScanKind) -> None:
    assert classify(payload, ScanPatterns()) is kind


def test_patterns_are_config_data() -> None:
    assert classify("HC-1", ScanPatterns(health_card=r"HC-\d")) is ScanKind.HEALTH_CARD


def test_magstripe_driver(
    link: Callable[[str, SimDevice], str], make_manager: Callable[..., DeviceManager], collector: Collector
) -> None:
    sim = MagstripeSimulator()
    url = link("stripe", sim)
    make_manager(
        {DeviceRole.CARD_READER: DeviceConfig(driver="magstripe", transport=url, profile={"system": "insurance_card"})}
    )
    collector.wait_state(DeviceRole.CARD_READER, DeviceState.READY)
    sim.swipe("20240001=4912", track1="B20240001^DOE/J^4912")
    event = collector.wait_for(CardRead)
    assert (event.identifier.system, event.identifier.value, event.source) == (
        "insurance_card",
        "20240001",
        "magstripe",
    )
    assert "20240001" not in repr(event)
    sim.send_raw(b"\xff\xfe\x00garbage\r")
    collector.wait_for(CardReadFailed)
    sim.send_raw(b";" + b"9" * 600 + b"?\r")  # over-long line: dropped, not read
    sim.swipe("20240002=4912")
    assert collector.wait_for(CardRead, lambda e: e.identifier.value == "20240002").source == "magstripe"
    assert len(collector.of(CardRead)) == 2


def test_serial_scanner(
    link: Callable[[str, SimDevice], str], make_manager: Callable[..., DeviceManager], collector: Collector
) -> None:
    sim = ScannerSimulator()
    url = link("scanner", sim)
    make_manager(
        {DeviceRole.SCANNER: DeviceConfig(driver="serial_scanner", transport=url, profile={"repeat_window_s": 1})}
    )
    collector.wait_state(DeviceRole.SCANNER, DeviceState.READY)
    sim.scan("134567890123456789")
    sim.scan("134567890123456789")  # the same code held under the window: one event
    sim.send_raw(b"R2024050100")
    sim.send_raw(b"123\n")  # split across writes, LF-terminated
    event = collector.wait_for(QrScanned, lambda e: e.kind is ScanKind.REPORT_BARCODE)
    assert event.payload == "R2024050100123"
    assert [e.kind for e in collector.of(QrScanned)] == [ScanKind.PAYMENT_CODE, ScanKind.REPORT_BARCODE]


def _key_events(text: str) -> bytes:
    codes = {ch: code for code, ch in [(c, ch) for c, ch in zip(range(2, 12), "1234567890", strict=True)]}
    codes.update({"R": 19, ":": 39, "E": 18, "H": 35, "C": 46})
    out = b""
    for ch in text:
        shifted = ch.isupper() or ch == ":"
        if shifted:
            out += EVENT.pack(0, 0, 1, 42, 1)
        out += EVENT.pack(0, 0, 1, codes[ch], 1) + EVENT.pack(0, 0, 1, codes[ch], 0)
        out += EVENT.pack(0, 0, 0, 0, 0)  # EV_SYN between keys
        if shifted:
            out += EVENT.pack(0, 0, 1, 42, 0)
    return out + EVENT.pack(0, 0, 1, 28, 1) + EVENT.pack(0, 0, 1, 28, 0)


def test_wedge_decoder_shift_caps_and_overflow() -> None:
    decoder = WedgeDecoder(max_length=5)
    lines = []
    for offset in range(0, len(data := _key_events("EHC:12")), EVENT.size):
        _, _, etype, code, value = EVENT.unpack_from(data, offset)
        if etype == 1 and (line := decoder.key(code, value)) is not None:
            lines.append(line)
    assert lines == []  # 6 characters > max_length 5: dropped whole, never truncated
    decoder = WedgeDecoder()
    decoder.key(58, 1)  # caps lock on
    assert [decoder.key(c, 1) for c in (30, 28)] == [None, "A"]
    assert decoder.key(200, 1) is None
    assert decoder.unknown_keys == 1


def test_keyboard_wedge_from_input_device(
    tmp_path: Path, make_manager: Callable[..., DeviceManager], collector: Collector
) -> None:
    fifo = tmp_path / "event-kbd"
    os.mkfifo(fifo)
    url = f"evdev://{fifo}"
    make_manager({DeviceRole.SCANNER: DeviceConfig(driver="keyboard_wedge", transport=url, profile={"grab": False})})
    writer = os.open(fifo, os.O_WRONLY)
    try:
        collector.wait_state(DeviceRole.SCANNER, DeviceState.READY)
        data = _key_events("R20240501001")
        os.write(writer, data[:37])  # a partial input_event struct must wait for the rest
        os.write(writer, data[37:])
        event = collector.wait_for(QrScanned)
        assert (event.kind, event.payload) == (ScanKind.REPORT_BARCODE, "R20240501001")
    finally:
        os.close(writer)


def test_keyboard_wedge_that_cannot_be_grabbed_is_reported(
    tmp_path: Path, make_manager: Callable[..., DeviceManager], collector: Collector
) -> None:
    path = tmp_path / "not-an-input-device"
    path.write_bytes(b"")
    make_manager({DeviceRole.SCANNER: DeviceConfig(driver="keyboard_wedge", transport=f"evdev://{path}")})
    event = collector.wait_state(DeviceRole.SCANNER, DeviceState.DISCONNECTED)
    assert "cannot grab" in event.status.detail


class FakePcsc:
    def __init__(self) -> None:
        self.card: bytes | None = None
        self.fail = False

    def readers(self) -> list[str]:
        return ["ACS ACR39U ICC Reader 00 00"]

    def read_card(self, reader: str, apdu: bytes) -> bytes | None:
        assert apdu == bytes.fromhex("FFCA000000")
        if self.fail:
            raise OSError("card mute")
        return self.card


def test_pcsc_reader_with_backend(make_manager: Callable[..., DeviceManager], collector: Collector) -> None:
    fake = FakePcsc()

    class Reader(PcscReader):
        def __init__(self, role: DeviceRole, config: DeviceConfig, ctx: DeviceContext) -> None:
            super().__init__(role, config, ctx, backend=fake)

    config = DeviceConfig(driver="pcsc", transport="pcsc://ACR39", profile={"poll_interval_s": 0.05})
    make_manager({DeviceRole.CARD_READER: config}, drivers={"pcsc": Reader})
    collector.wait_state(DeviceRole.CARD_READER, DeviceState.READY)
    fake.card = bytes.fromhex("04A1B2C3")
    assert collector.wait_for(CardRead).identifier.value == "04A1B2C3"
    fake.card = None
    collector.wait_for(CardRemoved)
    fake.fail = True
    fake.card = b"x"
    collector.wait_for(CardReadFailed)


def test_pcsc_without_pyscard_reports_dependency_missing(
    make_manager: Callable[..., DeviceManager], collector: Collector
) -> None:
    if importlib.util.find_spec("smartcard") is not None:
        pytest.skip("pyscard is installed here")
    make_manager({DeviceRole.CARD_READER: DeviceConfig(driver="pcsc", transport="pcsc://")})
    event = collector.wait_state(DeviceRole.CARD_READER, DeviceState.ERROR)
    assert StatusFlag.DEPENDENCY_MISSING in event.status.flags
    assert "hospital-kiosk[pcsc]" in event.status.detail


def test_struct_size_matches_kernel_input_event() -> None:
    assert EVENT.size == struct.calcsize("llHHi") == 24
