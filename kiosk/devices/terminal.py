"""Bank card terminal over serial: framed request/response with ACK/NAK and retransmission.

Wire format ("KT1", the protocol our terminal integration speaks)::

    STX | LEN (2 bytes BCD: data length) | DATA | ETX | LRC (XOR of LEN..ETX)

The receiver of a good frame answers ACK (06), of a damaged one NAK (15); a sender retransmits
up to ``retries`` times on NAK or when no ACK comes within ``ack_timeout_s``. DATA is a 2-letter
message type followed by ``KEY=VALUE`` fields separated by FS (1C), UTF-8:

* kiosk to terminal: ``SA`` sale (TX, AM), ``QL`` query last, ``VD`` void (TX, RN, AM),
  ``RF`` refund (TX, RN, AM), ``CN`` cancel the transaction in progress;
* terminal to kiosk: ``ST`` stage (TX, SG), ``RS`` result (TX, KD, RC, MS, AC, RN, PN, AM),
  ``BY`` busy.

One transaction at a time; cancel is an immediate command that does not wait behind it. A
transaction without a final answer ends as TIMEOUT and blocks further sales until the last
transaction has been queried (the payment ledger then settles or reverses it). The kiosk never
sees a full card number: only approval code, reference and masked PAN (re-masked here if a
terminal misbehaves). Runs on its owner thread.
"""

from __future__ import annotations

import logging
import re
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.base import PENDING, Command, Device, DeviceContext, DeviceOptions, parse_options
from kiosk.devices.errors import (
    DeviceProtocolError,
    DeviceTimeoutError,
    TerminalBusyError,
    TerminalError,
    TerminalNeedsRecoveryError,
)
from kiosk.devices.events import (
    TerminalOutcome,
    TerminalResult,
    TerminalStage,
    TerminalStageChanged,
    TerminalTransactionFinished,
)
from kiosk.devices.status import READY, DeviceState, DeviceStatus, StatusFlag
from kiosk.devices.transport import Transport, TransportLost, close_quietly, read_some, write_all

log = logging.getLogger(__name__)

STX, ETX, ACK, NAK, FS = 0x02, 0x03, 0x06, 0x15, 0x1C
MAX_DATA = 2048


def bcd_length(n: int) -> bytes:
    if not 0 <= n <= 9999:
        raise ValueError("length out of range")
    digits = f"{n:04d}"
    return bytes([int(digits[0]) << 4 | int(digits[1]), int(digits[2]) << 4 | int(digits[3])])


def parse_bcd(two: bytes) -> int | None:
    nibbles = [two[0] >> 4, two[0] & 0xF, two[1] >> 4, two[1] & 0xF]
    if any(n > 9 for n in nibbles):
        return None
    return nibbles[0] * 1000 + nibbles[1] * 100 + nibbles[2] * 10 + nibbles[3]


def lrc(data: bytes) -> int:
    value = 0
    for b in data:
        value ^= b
    return value


def build_frame(data: bytes) -> bytes:
    if len(data) > MAX_DATA:
        raise ValueError("message too long")
    body = bcd_length(len(data)) + data + bytes([ETX])
    return bytes([STX]) + body + bytes([lrc(body)])


@dataclass(frozen=True)
class Message:
    kind: str
    fields: dict[str, str]

    def encode(self) -> bytes:
        parts = [self.kind.encode("ascii")]
        parts += [f"{k}={v}".encode() for k, v in self.fields.items()]
        return bytes([FS]).join(parts)

    @classmethod
    def decode(cls, data: bytes) -> Message:
        """Raises DeviceProtocolError for anything that is not a well-formed message."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise DeviceProtocolError("message is not UTF-8") from None
        head, *rest = text.split("\x1c")
        if not re.fullmatch(r"[A-Z]{2}", head):
            raise DeviceProtocolError("bad message type")
        fields: dict[str, str] = {}
        for part in rest:
            key, sep, value = part.partition("=")
            if not sep or not re.fullmatch(r"[A-Z]{2}", key):
                raise DeviceProtocolError("bad message field")
            fields[key] = value
        return cls(head, fields)


@dataclass(frozen=True)
class Token:
    """What the decoder yields: ``ack``, ``nak``, ``frame`` (with data) or ``bad`` (damaged frame)."""

    kind: str
    data: bytes = b""


class TerminalDecoder:
    """Bytes to tokens. Skips garbage between frames, reports damaged frames, drops a frame whose
    sender fell silent for ``inter_byte_timeout`` (call ``expire``). Never raises on input."""

    def __init__(self, inter_byte_timeout: float = 0.5) -> None:
        self._buf = bytearray()
        self._last = 0.0
        self.inter_byte_timeout = inter_byte_timeout
        self.skipped_bytes = 0

    def reset(self) -> None:
        self._buf.clear()

    def expire(self, now: float) -> bool:
        """Drop a partial frame if its sender went silent; True if one was dropped."""
        if self._buf and now - self._last > self.inter_byte_timeout:
            self._buf.clear()
            return True
        return False

    def feed(self, data: bytes, now: float = 0.0) -> list[Token]:
        if data:
            self._last = now
        self._buf += data
        out: list[Token] = []
        while self._buf:
            b = self._buf[0]
            if b in (ACK, NAK):
                out.append(Token("ack" if b == ACK else "nak"))
                del self._buf[:1]
                continue
            if b != STX:
                self.skipped_bytes += 1
                del self._buf[:1]
                continue
            if len(self._buf) < 3:
                break
            length = parse_bcd(bytes(self._buf[1:3]))
            if length is None or length > MAX_DATA:
                out.append(Token("bad"))
                del self._buf[:1]
                continue
            end = 3 + length + 2
            if len(self._buf) < end:
                break
            body = bytes(self._buf[1 : end - 1])
            if self._buf[end - 2] != ETX or lrc(body) != self._buf[end - 1]:
                out.append(Token("bad"))
                del self._buf[:1]
                continue
            out.append(Token("frame", bytes(self._buf[3 : end - 2])))
            del self._buf[:end]
        return out


_PAN_DIGITS = re.compile(r"\d")


def safe_masked_pan(value: str) -> str:
    """A masked PAN showing at most the first 6 and last 4 digits, whatever the terminal sent."""
    digits = _PAN_DIGITS.findall(value)
    if "*" in value and len(digits) <= 10:
        return value
    if not digits:
        return ""
    log.warning("terminal sent a card number that was not masked; masking it")
    keep_head = digits[:6] if len(digits) >= 13 else []
    tail = digits[-4:]
    return "".join(keep_head) + "*" * max(len(digits) - len(keep_head) - 4, 4) + "".join(tail)


_KINDS = {"SALE": "sale", "VOID": "void", "REFUND": "refund", "QUERY": "query"}


def result_from(message: Message) -> TerminalResult:
    f = message.fields
    code = f.get("RC", "")
    if code == "00":
        outcome = TerminalOutcome.APPROVED
    elif code == "CN":
        outcome = TerminalOutcome.CANCELLED
    elif code == "NF":
        outcome = TerminalOutcome.NOT_FOUND
    elif code == "TO":
        outcome = TerminalOutcome.TIMEOUT
    elif re.fullmatch(r"[0-9A-Z]{2}", code):
        outcome = TerminalOutcome.DECLINED
    else:
        raise DeviceProtocolError("result without a response code")
    amount = f.get("AM", "0")
    if not amount.isdigit():
        raise DeviceProtocolError("result amount is not a number")
    return TerminalResult(
        kind=_KINDS.get(f.get("KD", ""), "sale"),
        outcome=outcome,
        transaction_id=f.get("TX", ""),
        amount_fen=int(amount),
        response_code=code,
        message=f.get("MS", "")[:80],
        approval_code=f.get("AC", "")[:12],
        reference=f.get("RN", "")[:32],
        masked_pan=safe_masked_pan(f.get("PN", "")),
    )


class TerminalOptions(DeviceOptions):
    baudrate: int = Field(default=9600, gt=0)
    ack_timeout_s: float = Field(default=1.0, gt=0, le=10)
    retries: int = Field(default=3, ge=1, le=10)
    transaction_timeout_s: float = Field(default=120.0, gt=0, le=600)
    query_timeout_s: float = Field(default=5.0, gt=0, le=60)
    inter_byte_timeout_s: float = Field(default=0.5, gt=0, le=5)


@dataclass
class _Active:
    transaction_id: str
    kind: str
    amount_fen: int
    future: Future[Any]
    deadline: float


class CardTerminal(Device):
    """Bank card terminal driver; owner thread only. Sales resolve their future when the final
    answer arrives (PENDING handlers), so cancel can run while a sale is in progress."""

    Options = TerminalOptions

    def __init__(self, role: DeviceRole, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(role, config, ctx)
        self.options = parse_options(role, TerminalOptions, config.profile)
        self.poll_wait = 0.0
        self._port: Transport | None = None
        self._decoder = TerminalDecoder(self.options.inter_byte_timeout_s)
        self._inbox: list[Message] = []
        self._link_replies: list[str] = []
        self._active: _Active | None = None
        self.needs_recovery = False

    # --- connection -------------------------------------------------------------------------

    def open(self) -> None:
        self._port = self.open_port(baudrate=self.options.baudrate, read_timeout=0.02)
        self._decoder.reset()
        self._inbox.clear()
        self._refresh_status()

    def close(self) -> None:
        port, self._port = self._port, None
        close_quietly(port)

    def on_lost(self, reason: str) -> None:
        if self._active is not None:
            # The card may have been charged: unknown outcome until the last transaction is queried.
            self._finish_active(self._timeout_result(self._active, "connection lost"))

    def _refresh_status(self) -> None:
        if self.needs_recovery:
            self.set_status(
                DeviceStatus(
                    DeviceState.WARNING,
                    frozenset({StatusFlag.NEEDS_RECOVERY}),
                    "last transaction outcome unknown: query it",
                )
            )
        elif self._active is not None:
            self.set_status(DeviceStatus(DeviceState.BUSY))
        else:
            self.set_status(READY)

    def _live(self) -> Transport:
        if self._port is None:
            raise TransportLost("port is closed")
        return self._port

    # --- link layer ---------------------------------------------------------------------------

    def _read_tokens(self) -> None:
        """Read what is there; ACK good frames into the inbox, NAK damaged ones. Returns when idle."""
        port = self._live()
        chunk = read_some(port)
        now = time.monotonic()
        if self._decoder.expire(now):
            log.warning("%s: terminal went silent mid-frame; partial frame dropped", self.role)
        for token in self._decoder.feed(chunk, now):
            self._on_token(token)

    def _on_token(self, token: Token) -> None:
        if token.kind == "frame":
            write_all(self._live(), bytes([ACK]))
            try:
                self._inbox.append(Message.decode(token.data))
            except DeviceProtocolError as exc:
                log.warning("%s: unreadable message from terminal: %s", self.role, exc)
        elif token.kind == "bad":
            log.warning("%s: damaged frame from terminal; NAK sent", self.role)
            write_all(self._live(), bytes([NAK]))
        else:
            self._link_replies.append(token.kind)

    def send(self, message: Message) -> None:
        """Send with ACK wait and retransmission; frames that arrive meanwhile go to the inbox."""
        frame = build_frame(message.encode())
        port = self._live()
        for attempt in range(1, self.options.retries + 1):
            self._link_replies = []
            write_all(port, frame)
            deadline = time.monotonic() + self.options.ack_timeout_s
            while time.monotonic() < deadline:
                self._read_tokens()
                if "ack" in self._link_replies:
                    if StatusFlag.NO_ANSWER in self.status.flags:
                        self._refresh_status()
                    return
                if "nak" in self._link_replies:
                    log.warning("%s: terminal NAKed %s (attempt %d)", self.role, message.kind, attempt)
                    break
            else:
                log.warning("%s: no ACK for %s (attempt %d)", self.role, message.kind, attempt)
        detail = f"terminal did not acknowledge {message.kind} after {self.options.retries} tries"
        self.set_status(DeviceStatus(DeviceState.ERROR, frozenset({StatusFlag.NO_ANSWER}), detail))
        raise DeviceTimeoutError(detail)

    # --- commands ---------------------------------------------------------------------------

    def _start(self, command: Command, kind: str, message: Message, amount_fen: int) -> Any:
        if self._active is not None:
            raise TerminalBusyError("a card transaction is already in progress")
        if self.needs_recovery:
            raise TerminalNeedsRecoveryError("query the last transaction first")
        txn = message.fields["TX"]
        self.send(message)
        self._active = _Active(
            txn, kind, amount_fen, command.future, time.monotonic() + self.options.transaction_timeout_s
        )
        self._refresh_status()
        log.info("%s: %s started (%s)", self.role, kind, txn)
        return PENDING

    def cmd_sale(self, command: Command) -> Any:
        amount = _amount(command.args["amount_fen"])
        txn = _txn_id(command.args["transaction_id"])
        return self._start(command, "sale", Message("SA", {"TX": txn, "AM": f"{amount:012d}"}), amount)

    def cmd_void(self, command: Command) -> Any:
        amount = _amount(command.args["amount_fen"])
        txn = _txn_id(command.args["transaction_id"])
        ref = _txn_id(command.args["reference"])
        return self._start(command, "void", Message("VD", {"TX": txn, "RN": ref, "AM": f"{amount:012d}"}), amount)

    def cmd_refund(self, command: Command) -> Any:
        amount = _amount(command.args["amount_fen"])
        txn = _txn_id(command.args["transaction_id"])
        ref = _txn_id(command.args["reference"])
        return self._start(command, "refund", Message("RF", {"TX": txn, "RN": ref, "AM": f"{amount:012d}"}), amount)

    def cmd_cancel(self, command: Command) -> bool:
        """Ask the terminal to abort the transaction in progress; its result still comes as RS."""
        if self._active is None:
            return False
        self.send(Message("CN", {"TX": self._active.transaction_id}))
        return True

    def cmd_query_last(self, command: Command) -> TerminalResult:
        if self._active is not None:
            raise TerminalBusyError("a card transaction is in progress")
        self.send(Message("QL", {}))
        deadline = time.monotonic() + self.options.query_timeout_s
        while time.monotonic() < deadline:
            self._read_tokens()
            while self._inbox:
                message = self._inbox.pop(0)
                if message.kind == "RS":
                    result = result_from(message)
                    self.needs_recovery = False
                    self._refresh_status()
                    self.post(TerminalTransactionFinished(self.role, result))
                    return result
        raise DeviceTimeoutError("terminal did not answer the query")

    # --- reading ----------------------------------------------------------------------------

    def poll(self) -> None:
        self._read_tokens()
        while self._inbox:
            self._handle(self._inbox.pop(0))
        active = self._active
        if active is not None and time.monotonic() > active.deadline:
            log.warning("%s: %s %s timed out; outcome unknown", self.role, active.kind, active.transaction_id)
            self._finish_active(self._timeout_result(active, "no final answer from the terminal"))

    def _handle(self, message: Message) -> None:
        active = self._active
        txn = message.fields.get("TX", "")
        if message.kind == "ST":
            try:
                stage = TerminalStage(message.fields.get("SG", "").lower())
            except ValueError:
                log.warning("%s: unknown stage from terminal", self.role)
                return
            if active is not None and txn == active.transaction_id:
                self.post(TerminalStageChanged(self.role, txn, stage))
            return
        if message.kind == "BY":
            log.warning("%s: terminal reports busy", self.role)
            return
        if message.kind != "RS":
            log.warning("%s: unexpected %s message from terminal", self.role, message.kind)
            return
        try:
            result = result_from(message)
        except DeviceProtocolError as exc:
            log.warning("%s: bad result message: %s", self.role, exc)
            return
        if active is None or txn != active.transaction_id:
            log.warning("%s: result for a transaction not in progress; ignored", self.role)
            return
        self._finish_active(result)

    def _timeout_result(self, active: _Active, why: str) -> TerminalResult:
        return TerminalResult(
            active.kind, TerminalOutcome.TIMEOUT, active.transaction_id, active.amount_fen, message=why
        )

    def _finish_active(self, result: TerminalResult) -> None:
        active, self._active = self._active, None
        if result.outcome is TerminalOutcome.TIMEOUT:
            self.needs_recovery = True
        log.info("%s: transaction %s ended %s", self.role, result.transaction_id, result.outcome.value)
        self._refresh_status()
        self.post(TerminalTransactionFinished(self.role, result))
        if active is not None and not active.future.done():
            active.future.set_result(result)


def _amount(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value >= 10**12:
        raise TerminalError("amount must be a positive integer number of fen")
    return value


def _txn_id(value: object) -> str:
    text = str(value)
    if not re.fullmatch(r"[0-9A-Za-z_-]{1,32}", text):
        raise TerminalError("transaction ids are 1-32 letters, digits, _ or -")
    return text
