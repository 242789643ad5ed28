"""Resident ID card reader: frames, text decoding, and the driver against the simulator."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.errors import CardReadError, DeviceProtocolError
from kiosk.devices.events import CardRemoved, IdCardRead
from kiosk.devices.idcard import (
    PREAMBLE,
    FrameDecoder,
    build_reply,
    build_request,
    decode_base_text,
    id_number_valid,
    parse_read_reply,
)
from kiosk.devices.manager import DeviceManager
from kiosk.devices.simulators.hub import SimDevice
from kiosk.devices.simulators.idcard import IdCardReaderSimulator, SimIdCard
from kiosk.devices.status import DeviceState, StatusFlag

from .conftest import Collector

ROLE = DeviceRole.ID_CARD_READER
CARD = SimIdCard(
    name="欧阳娜娜",
    id_number="11010519491231002X",
    sex_code="2",
    nation_code="04",
    birth_date="19491231",
    address="北京市朝阳区示例街道幸福里小区12号楼3单元401室",
    valid_to="长期",
)
OPTIONS = {"poll_interval_s": 0.05, "reply_timeout_s": 0.2, "read_timeout_s": 0.5}


def test_request_frames_have_computed_checksums() -> None:
    assert build_request((0x20, 0x01)) == bytes.fromhex("AAAAAA9669000320 0122".replace(" ", ""))
    assert build_request((0x20, 0x02)) == bytes.fromhex("AAAAAA96690003200221")
    assert build_request((0x30, 0x01)) == bytes.fromhex("AAAAAA96690003300132")
    assert build_reply(0x9F, b"\x00\x00\x00\x00") == bytes.fromhex("AAAAAA9669000800009F0000000097")


def test_decoder_skips_garbage_and_bad_frames() -> None:
    good = build_reply(0x90, b"abc")
    bad_checksum = good[:-1] + bytes([good[-1] ^ 1])
    absurd = PREAMBLE + b"\xff\xff" + b"\x00" * 10
    decoder = FrameDecoder(min_body=3)
    frames = decoder.feed(b"\x00\x13garbage" + bad_checksum + absurd + good[:6])
    assert frames == []
    frames = decoder.feed(good[6:])
    assert [f.body for f in frames] == [b"\x00\x00\x90abc"]
    assert decoder.bad_frames == 2
    assert not decoder.partial


def test_decode_base_text_fields() -> None:
    card = decode_base_text(CARD.text())
    assert card.name == "欧阳娜娜"
    assert card.sex == "female"
    assert card.nation == "藏"
    assert card.birth_date == "19491231"
    assert card.address == "北京市朝阳区示例街道幸福里小区12号楼3单元401室"
    assert card.id_number == "11010519491231002X"
    assert card.authority == "北京市公安局东城分局"
    assert (card.valid_from, card.valid_to) == ("20150101", "长期")
    assert card.id_number_valid
    assert "欧阳" not in repr(card)
    assert "1101" not in repr(card)


def test_decode_rejects_wrong_sizes_and_empty_cards() -> None:
    with pytest.raises(CardReadError):
        decode_base_text(b"\x00" * 255)
    with pytest.raises(CardReadError):
        decode_base_text(" ".encode("utf-16-le") * 128)
    with pytest.raises(DeviceProtocolError):
        parse_read_reply(b"\x01\x00\x04\x00" + b"\x00" * 10)


def test_id_number_check_digit() -> None:
    assert id_number_valid("11010519491231002X")
    assert not id_number_valid("110105194912310021")
    assert not id_number_valid("1101051949123100")


@pytest.fixture
def reader(
    link: Callable[[str, SimDevice], str], make_manager: Callable[..., DeviceManager], collector: Collector
) -> IdCardReaderSimulator:
    sim = IdCardReaderSimulator()
    url = link("idcard", sim)
    make_manager({ROLE: DeviceConfig(driver="id_card_ga467", transport=url, profile=OPTIONS)})
    collector.wait_state(ROLE, DeviceState.READY)
    return sim


def test_insert_read_remove(reader: IdCardReaderSimulator, collector: Collector) -> None:
    reader.insert(CARD)
    event = collector.wait_for(IdCardRead)
    assert event.card.name == "欧阳娜娜"
    assert event.card.id_number == "11010519491231002X"
    reader.remove()
    collector.wait_for(CardRemoved)
    assert len(collector.of(IdCardRead)) == 1  # read once while it lay there
    reader.insert(CARD)
    collector.wait_for(IdCardRead, after=collector.mark() - 1)


@pytest.mark.parametrize("behaviour", ["silent", "garbage", "bad_checksum", "truncate", "absurd_length"])
def test_faults_report_status_and_recover(reader: IdCardReaderSimulator, collector: Collector, behaviour: str) -> None:
    mark = collector.mark()
    reader.set_behaviour(behaviour)
    event = collector.wait_state(ROLE, DeviceState.ERROR, after=mark)
    assert event.status.flags & {StatusFlag.NO_ANSWER, StatusFlag.BAD_REPLY}
    reader.set_behaviour("normal")
    collector.wait_state(ROLE, DeviceState.READY, after=mark)
    reader.insert(CARD)
    assert collector.wait_for(IdCardRead, after=mark).card.nation == "藏"


def test_read_failure_posts_nothing_then_reads(reader: IdCardReaderSimulator, collector: Collector) -> None:
    reader.set_behaviour("read_fail")
    reader.insert(CARD)
    collector.wait_state(ROLE, DeviceState.ERROR)
    assert collector.of(IdCardRead) == []
    reader.set_behaviour("normal")
    collector.wait_for(IdCardRead)
