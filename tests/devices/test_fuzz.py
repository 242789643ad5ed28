"""Hypothesis fuzzing of every parser: never raise on bytes from a device, never yield
something that breaks the protocol's own rules. The default run uses a few hundred examples;
``pytest -m slow tests/devices/test_fuzz.py`` runs 10,000 per parser."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.devices.card_reader import MagstripeOptions, parse_swipe
from kiosk.devices.errors import CardReadError, DeviceProtocolError
from kiosk.devices.escpos_printer import parse_status
from kiosk.devices.framing import LineFramer, printable_ascii
from kiosk.devices.idcard import PREAMBLE, FrameDecoder, build_reply, decode_base_text, xor_checksum
from kiosk.devices.scanner import ScanPatterns, WedgeDecoder, classify
from kiosk.devices.simulators.printer import PrinterSimulator
from kiosk.devices.terminal import Message, TerminalDecoder, build_frame, result_from

# Bytes biased toward protocol markers, so fuzzing reaches deep into the framers.
noisy = st.lists(
    st.one_of(
        st.binary(max_size=40),
        st.sampled_from([PREAMBLE, b"\x02", b"\x03", b"\x06", b"\x15", b"\x1b", b"\x1d(k", b"\x1dv0", b"\r\n"]),
        st.builds(lambda d: build_reply(0x90, d), st.binary(max_size=30)),
        st.builds(build_frame, st.binary(max_size=30)),
    ),
    max_size=12,
).map(b"".join)
chunks = st.lists(st.integers(1, 64), min_size=1, max_size=8)


def split(data: bytes, sizes: list[int]) -> list[bytes]:
    out, i = [], 0
    for size in sizes * (len(data) // max(1, sum(sizes)) + 1):
        if i >= len(data):
            break
        out.append(data[i : i + size])
        i += size
    return out


def check_idcard_decoder(data: bytes, sizes: list[int]) -> None:
    decoder = FrameDecoder(min_body=3)
    for part in split(data, sizes):
        for frame in decoder.feed(part):
            assert len(frame.body) >= 3
            length = (len(frame.body) + 1).to_bytes(2, "big")
            assert build_reply(frame.body[2], frame.body[3:])[-1] == xor_checksum(length + frame.body)


def check_terminal_decoder(data: bytes, sizes: list[int]) -> None:
    decoder = TerminalDecoder()
    for n, part in enumerate(split(data, sizes)):
        for token in decoder.feed(part, now=float(n)):
            assert token.kind in ("ack", "nak", "frame", "bad")
            if token.kind == "frame":
                try:
                    message = Message.decode(token.data)
                except DeviceProtocolError:
                    continue
                with contextlib.suppress(DeviceProtocolError):
                    result_from(message)
        decoder.expire(float(n) + 1.0)


def check_lines(data: bytes, sizes: list[int]) -> None:
    framer = LineFramer(max_length=64)
    for part in split(data, sizes):
        for line in framer.feed(part):
            assert 0 < len(line) <= 64
            assert b"\r" not in line
            assert b"\n" not in line
            text = printable_ascii(line)
            if text is not None:
                parse_swipe(text, MagstripeOptions())
                classify(text, ScanPatterns())


def check_printer_stream(data: bytes, sizes: list[int]) -> None:
    sim = PrinterSimulator()
    for part in split(data, sizes):
        sim.on_host_bytes(part)
    parse_status(data[:3])


def check_id_text(data: bytes, _: list[int]) -> None:
    try:
        card = decode_base_text(data.ljust(256, b"\x00")[:256])
    except CardReadError:
        return
    assert card.id_number == card.id_number.strip()


def check_wedge(data: bytes, _: list[int]) -> None:
    decoder = WedgeDecoder(max_length=32)
    for i in range(0, len(data) - 1, 2):
        line = decoder.key(data[i], data[i + 1] % 3)
        assert line is None or 0 < len(line) <= 32


PARSERS: dict[str, Callable[[bytes, list[int]], None]] = {
    "idcard_frames": check_idcard_decoder,
    "terminal_frames": check_terminal_decoder,
    "lines_swipes_scans": check_lines,
    "escpos_stream": check_printer_stream,
    "id_card_text": check_id_text,
    "wedge_keys": check_wedge,
}


def _run(max_examples: int) -> Callable[[str], Any]:
    def test(name: str) -> None:
        check = PARSERS[name]

        @settings(max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(data=noisy, sizes=chunks)
        def prop(data: bytes, sizes: list[int]) -> None:
            check(data, sizes)

        prop()

    return test


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_parsers_fuzz(name: str) -> None:
    _run(300)(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PARSERS))
def test_parsers_fuzz_10k(name: str) -> None:
    _run(10_000)(name)
