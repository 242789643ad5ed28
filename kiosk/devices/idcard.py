"""Chinese second-generation resident ID card reader (GA 467-style serial frames).

Frame: ``AA AA AA 96 69 | LEN (2, big-endian) | body | CHK``. LEN counts body + CHK; CHK is the
XOR of LEN and body (always computed here: public samples carry wrong ones). A request body is
``CMD PARA [data]``, a reply body ``SW1 SW2 SW3 [data]`` with SW3 0x90 success, 0x9F card found.
Find card ``20 01``, select ``20 02``, read base text ``30 01`` (text length, photo length,
256 bytes of UCS-2 text, 1024 bytes of encoded photo, which we never keep).

The driver runs on its owner thread: it polls for a card, reads it once, posts IdCardRead,
then watches for removal and posts CardRemoved.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.base import Device, DeviceContext, DeviceOptions, parse_options
from kiosk.devices.errors import CardReadError, DeviceProtocolError, DeviceTimeoutError
from kiosk.devices.events import CardRemoved, IdCardRead, ResidentIdCard
from kiosk.devices.status import READY, DeviceState, DeviceStatus, StatusFlag
from kiosk.devices.transport import Transport, TransportLost, close_quietly, drain_input, read_some, write_all

log = logging.getLogger(__name__)

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
MAX_FRAME_LEN = 0x0A00  # the longest real reply (base text + photo + fingerprint) is ~0x0908

SW_OK = 0x90
SW_CARD_FOUND = 0x9F
SW_NO_CARD = 0x80
SW_SELECT_FAILED = 0x81
SW_READ_FAILED = 0x41
SW_BAD_CHECKSUM = 0x10
SW_BAD_LENGTH = 0x11
SW_BAD_COMMAND = 0x21

CMD_SAM_STATUS = (0x12, 0xFF)
CMD_FIND = (0x20, 0x01)
CMD_SELECT = (0x20, 0x02)
CMD_READ_BASE = (0x30, 0x01)

TEXT_LEN = 256
PHOTO_LEN = 1024
# (field, bytes) in the order the card stores them; UCS-2 little-endian, space padded.
TEXT_FIELDS: tuple[tuple[str, int], ...] = (
    ("name", 30),
    ("sex", 2),
    ("nation", 4),
    ("birth_date", 16),
    ("address", 70),
    ("id_number", 36),
    ("authority", 30),
    ("valid_from", 16),
    ("valid_to", 16),
    ("reserved", 36),
)

NATIONS: tuple[str, ...] = (
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
)
OTHER_NATIONS = {97: "其他", 98: "外国血统中国籍人士"}

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def xor_checksum(data: bytes) -> int:
    value = 0
    for b in data:
        value ^= b
    return value


def build_frame(body: bytes) -> bytes:
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([xor_checksum(length + body)])


def build_request(cmd: tuple[int, int], data: bytes = b"") -> bytes:
    return build_frame(bytes(cmd) + data)


def build_reply(sw3: int, data: bytes = b"") -> bytes:
    return build_frame(b"\x00\x00" + bytes([sw3]) + data)


@dataclass(frozen=True)
class Frame:
    body: bytes


class FrameDecoder:
    """Bytes in, frames out. Skips garbage, resynchronises after bad lengths or checksums; counts
    what it dropped so the driver can log it. Never raises on input."""

    def __init__(self, min_body: int = 2) -> None:
        self._buf = bytearray()
        self._min_body = min_body
        self.bad_frames = 0
        self.skipped_bytes = 0

    def reset(self) -> None:
        self._buf.clear()

    @property
    def partial(self) -> bool:
        return bool(self._buf)

    def feed(self, data: bytes) -> list[Frame]:
        self._buf += data
        frames: list[Frame] = []
        while True:
            start = self._buf.find(PREAMBLE)
            if start < 0:
                # keep a tail that may be the start of a preamble
                keep = next((k for k in range(min(4, len(self._buf)), 0, -1) if PREAMBLE.startswith(self._buf[-k:])), 0)
                self.skipped_bytes += len(self._buf) - keep
                del self._buf[: len(self._buf) - keep]
                return frames
            if start:
                self.skipped_bytes += start
                del self._buf[:start]
            if len(self._buf) < 7:
                return frames
            length = int.from_bytes(self._buf[5:7], "big")
            if length < self._min_body + 1 or length > MAX_FRAME_LEN:
                self.bad_frames += 1
                del self._buf[:1]  # not a real frame start: look for the next preamble
                continue
            end = 7 + length
            if len(self._buf) < end:
                return frames
            body = bytes(self._buf[7 : end - 1])
            if xor_checksum(bytes(self._buf[5 : end - 1])) != self._buf[end - 1]:
                self.bad_frames += 1
                del self._buf[:1]
                continue
            frames.append(Frame(body))
            del self._buf[:end]


def id_number_valid(number: str) -> bool:
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def nation_name(code: str) -> str:
    if code.isdigit():
        n = int(code)
        if 1 <= n <= len(NATIONS):
            return NATIONS[n - 1]
        if n in OTHER_NATIONS:
            return OTHER_NATIONS[n]
    return code


def decode_base_text(text: bytes) -> ResidentIdCard:
    """256 bytes of UCS-2 to fields; raises CardReadError when the block is not a card's text."""
    if len(text) != TEXT_LEN:
        raise CardReadError(f"base text is {len(text)} bytes, expected {TEXT_LEN}")
    values: dict[str, str] = {}
    offset = 0
    for name, size in TEXT_FIELDS:
        raw = text[offset : offset + size]
        offset += size
        values[name] = raw.decode("utf-16-le", "replace").replace("\x00", " ").strip()
    sex = {"1": "male", "2": "female"}.get(values["sex"], "unknown")
    id_number = values["id_number"].upper()
    if not values["name"] or not id_number:
        raise CardReadError("base text has no name or ID number")
    return ResidentIdCard(
        name=values["name"],
        sex=sex,
        nation=nation_name(values["nation"]),
        birth_date=values["birth_date"],
        address=values["address"],
        id_number=id_number,
        authority=values["authority"],
        valid_from=values["valid_from"],
        valid_to=values["valid_to"],
        id_number_valid=id_number_valid(id_number),
    )


def encode_base_text(
    *,
    name: str,
    sex_code: str,
    nation_code: str,
    birth_date: str,
    address: str,
    id_number: str,
    authority: str,
    valid_from: str,
    valid_to: str,
) -> bytes:
    """The card side of decode_base_text (for simulators and tests)."""
    values = {
        "name": name,
        "sex": sex_code,
        "nation": nation_code,
        "birth_date": birth_date,
        "address": address,
        "id_number": id_number,
        "authority": authority,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "reserved": "",
    }
    out = bytearray()
    for field_name, size in TEXT_FIELDS:
        raw = values[field_name].encode("utf-16-le")[:size]
        out += raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)
    return bytes(out)


def parse_read_reply(data: bytes) -> bytes:
    """The base text out of a 30 01 reply (text len, photo len, text, photo)."""
    if len(data) < 4:
        raise DeviceProtocolError("read reply too short")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if text_len != TEXT_LEN or len(data) < 4 + text_len + photo_len:
        raise DeviceProtocolError(f"read reply lengths do not fit (text {text_len}, photo {photo_len})")
    return data[4 : 4 + text_len]


class IdCardOptions(DeviceOptions):
    baudrate: int = Field(default=115200, gt=0)
    poll_interval_s: float = Field(default=0.3, ge=0.05, le=5)
    reply_timeout_s: float = Field(default=0.5, gt=0, le=5)
    read_timeout_s: float = Field(default=2.0, gt=0, le=10)  # reading the card takes ~0.5-1 s
    removal_misses: int = Field(default=2, ge=1, le=10)  # "no card" answers in a row before CardRemoved
    presence_check: Literal["find", "select"] = "find"


class IdCardReader(Device):
    """Polls a GA 467 reader; runs on its owner thread."""

    Options = IdCardOptions

    def __init__(self, role: DeviceRole, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(role, config, ctx)
        self.options = parse_options(role, IdCardOptions, config.profile)
        self.poll_wait = 0.0
        self._port: Transport | None = None
        self._decoder = FrameDecoder(min_body=3)
        self._present = False
        self._misses = 0
        self._failures = 0
        self._next_poll = 0.0

    def open(self) -> None:
        self._port = self.open_port(baudrate=self.options.baudrate, read_timeout=0.02)
        self._decoder.reset()
        self._present = False
        self._failures = 0
        self._next_poll = 0.0
        try:
            sw, _ = self._transact(CMD_SAM_STATUS, self.options.reply_timeout_s)
        except DeviceTimeoutError:
            self.set_status(DeviceStatus(DeviceState.ERROR, frozenset({StatusFlag.NO_ANSWER}), "reader did not answer"))
            return
        except DeviceProtocolError as exc:
            self.set_status(DeviceStatus(DeviceState.ERROR, frozenset({StatusFlag.BAD_REPLY}), str(exc)))
            return
        if sw != SW_OK:
            self.set_status(DeviceStatus(DeviceState.ERROR, frozenset(), f"security module status {sw:#04x}"))
        else:
            self.set_status(READY)

    def close(self) -> None:
        port, self._port = self._port, None
        close_quietly(port)

    def on_lost(self, reason: str) -> None:
        if self._present:
            self._present = False
            self.post(CardRemoved(self.role))

    def _live(self) -> Transport:
        if self._port is None:
            raise TransportLost("port is closed")
        return self._port

    def _transact(self, cmd: tuple[int, int], timeout: float) -> tuple[int, bytes]:
        """Send one request and wait for its reply frame: (SW3, data)."""
        port = self._live()
        drain_input(port)
        self._decoder.reset()
        write_all(port, build_request(cmd))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = read_some(port)
            if not chunk:
                continue
            bad_before = self._decoder.bad_frames
            frames = self._decoder.feed(chunk)
            if frames:
                body = frames[0].body
                return body[2], body[3:]
            if self._decoder.bad_frames != bad_before:
                raise DeviceProtocolError("reply frame with a bad checksum or length")
        partial = self._decoder.partial
        self._decoder.reset()
        raise DeviceTimeoutError("reader went silent mid-frame" if partial else "reader did not answer")

    def poll(self) -> None:
        now = time.monotonic()
        if now < self._next_poll:
            time.sleep(min(self._next_poll - now, 0.02))
            return
        self._next_poll = now + self.options.poll_interval_s
        try:
            if self._present:
                self._check_presence()
            else:
                self._look_for_card()
        except (DeviceTimeoutError, DeviceProtocolError, CardReadError) as exc:
            self._failures += 1
            log.warning("%s: %s", self.role, exc)
            if self._failures >= 3:
                flag = StatusFlag.NO_ANSWER if isinstance(exc, DeviceTimeoutError) else StatusFlag.BAD_REPLY
                self.set_status(DeviceStatus(DeviceState.ERROR, frozenset({flag}), str(exc)))
            return
        self._failures = 0
        if self.status.state is not DeviceState.READY:
            self.set_status(READY)

    def _look_for_card(self) -> None:
        sw, _ = self._transact(CMD_FIND, self.options.reply_timeout_s)
        if sw != SW_CARD_FOUND:
            return
        sw, _ = self._transact(CMD_SELECT, self.options.reply_timeout_s)
        if sw != SW_OK:
            return  # the card moved away between find and select; try again next poll
        sw, data = self._transact(CMD_READ_BASE, self.options.read_timeout_s)
        if sw != SW_OK:
            raise CardReadError(f"reading the card failed (status {sw:#04x})")
        card = decode_base_text(parse_read_reply(data))
        if not card.id_number_valid:
            log.warning("%s: card read, but its ID number check digit is wrong", self.role)
        self._present = True
        self._misses = 0
        log.info("%s: ID card read", self.role)
        self.post(IdCardRead(self.role, card))

    def _check_presence(self) -> None:
        cmd, present_sw = (CMD_FIND, SW_CARD_FOUND) if self.options.presence_check == "find" else (CMD_SELECT, SW_OK)
        sw, _ = self._transact(cmd, self.options.reply_timeout_s)
        if sw == present_sw:
            self._misses = 0
            return
        self._misses += 1
        if self._misses >= self.options.removal_misses:
            self._present = False
            log.info("%s: ID card removed", self.role)
            self.post(CardRemoved(self.role))
