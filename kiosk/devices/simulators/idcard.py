"""A GA 467 ID card reader: answers SAM status, find, select and read with real frames.

Scripted behaviours for fault tests: ``normal``, ``silent`` (no answer), ``garbage`` (random
bytes), ``bad_checksum``, ``truncate`` (half a frame, then silence), ``read_fail`` (SW 0x41),
``absurd_length``. Thread-safe (see SimDevice).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from kiosk.devices.idcard import (
    CMD_FIND,
    CMD_READ_BASE,
    CMD_SAM_STATUS,
    CMD_SELECT,
    PHOTO_LEN,
    PREAMBLE,
    SW_BAD_COMMAND,
    SW_CARD_FOUND,
    SW_NO_CARD,
    SW_OK,
    SW_READ_FAILED,
    SW_SELECT_FAILED,
    TEXT_LEN,
    FrameDecoder,
    build_reply,
    encode_base_text,
)
from kiosk.devices.simulators.hub import SimDevice


@dataclass(frozen=True)
class SimIdCard:
    name: str
    id_number: str
    sex_code: str = "1"
    nation_code: str = "01"
    birth_date: str = "19800101"
    address: str = "北京市东城区示例路1号"
    authority: str = "北京市公安局东城分局"
    valid_from: str = "20150101"
    valid_to: str = "20350101"

    def text(self) -> bytes:
        return encode_base_text(
            name=self.name,
            sex_code=self.sex_code,
            nation_code=self.nation_code,
            birth_date=self.birth_date,
            address=self.address,
            id_number=self.id_number,
            authority=self.authority,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
        )


class IdCardReaderSimulator(SimDevice):
    def __init__(self) -> None:
        super().__init__()
        self.card: SimIdCard | None = None
        self.behaviour = "normal"
        self.requests: list[tuple[int, int]] = []
        self._decoder = FrameDecoder(min_body=2)
        self._selected = False

    def insert(self, card: SimIdCard) -> None:
        with self._lock:
            self.card = card
            self._selected = False

    def remove(self) -> None:
        with self._lock:
            self.card = None
            self._selected = False

    def set_behaviour(self, behaviour: str) -> None:
        with self._lock:
            self.behaviour = behaviour

    def on_connect(self) -> None:
        with self._lock:
            self._decoder.reset()

    def on_host_bytes(self, data: bytes) -> None:
        with self._lock:
            for frame in self._decoder.feed(data):
                body = frame.body
                cmd = (body[0], body[1])
                self.requests.append(cmd)
                self._answer(cmd)

    def _answer(self, cmd: tuple[int, int]) -> None:
        reply = self._reply_for(cmd)
        behaviour = self.behaviour
        if behaviour == "silent":
            return
        if behaviour == "garbage":
            self.emit(os.urandom(23))
            return
        if behaviour == "bad_checksum":
            self.emit(reply[:-1] + bytes([reply[-1] ^ 0x5A]))
            return
        if behaviour == "truncate":
            self.emit(reply[: max(8, len(reply) // 2)])
            return
        if behaviour == "absurd_length":
            self.emit(PREAMBLE + b"\xff\xff" + b"\x00" * 16)
            return
        self.emit(reply)

    def _reply_for(self, cmd: tuple[int, int]) -> bytes:
        if cmd == CMD_SAM_STATUS:
            return build_reply(SW_OK)
        if cmd == CMD_FIND:
            return build_reply(SW_CARD_FOUND if self.card else SW_NO_CARD, b"\x00\x00\x00\x00")
        if cmd == CMD_SELECT:
            self._selected = self.card is not None
            return build_reply(SW_OK if self._selected else SW_SELECT_FAILED, b"\x00" * 8)
        if cmd == CMD_READ_BASE:
            if self.card is None or not self._selected or self.behaviour == "read_fail":
                return build_reply(SW_READ_FAILED)
            text = self.card.text()
            photo = bytes((i * 37) & 0xFF for i in range(PHOTO_LEN))  # stands in for the WLT photo
            return build_reply(SW_OK, TEXT_LEN.to_bytes(2, "big") + PHOTO_LEN.to_bytes(2, "big") + text + photo)
        return build_reply(SW_BAD_COMMAND)
