"""A bank card terminal speaking KT1 (see kiosk.devices.terminal) with scripted behaviours.

``approve``, ``decline``, ``timeout`` (stages, then no final answer), ``mid_frame`` (half a
result frame, then silence), ``garbage`` (noise before each frame), ``nak_first`` (NAKs the
first frame of each request once), ``no_ack`` (never acknowledges), ``busy``. Stages are paced
by ``stage_delay_s`` on the hub's scheduler. Thread-safe (see SimDevice).
"""

from __future__ import annotations

import itertools
import os

from kiosk.devices.simulators.hub import SimDevice
from kiosk.devices.terminal import ACK, NAK, Message, TerminalDecoder, build_frame


class TerminalSimulator(SimDevice):
    def __init__(self, stage_delay_s: float = 0.05) -> None:
        super().__init__()
        self.behaviour = "approve"
        self.stage_delay_s = stage_delay_s
        self.masked_pan = "622202******1234"
        self.unmasked_pan_bug = False  # send a full card number (the driver must mask it)
        self.received: list[Message] = []
        self._decoder = TerminalDecoder()
        self._current: dict[str, str] | None = None
        self._generation = 0
        self._last_result: dict[str, str] | None = None
        self._refs = itertools.count(1)
        self._nak_pending = True

    def set_behaviour(self, behaviour: str) -> None:
        with self._lock:
            self.behaviour = behaviour
            self._nak_pending = True

    def on_connect(self) -> None:
        with self._lock:
            self._decoder.reset()

    def on_host_bytes(self, data: bytes) -> None:
        with self._lock:
            for token in self._decoder.feed(data):
                if token.kind == "bad":
                    self.emit(bytes([NAK]))
                elif token.kind == "frame":
                    self._on_frame(token.data)
                # ACK/NAK from the host for our frames: we send each frame once (the driver
                # tolerates a lost result by timing out, which is what a real terminal causes)

    def _send(self, kind: str, fields: dict[str, str]) -> None:
        frame = build_frame(Message(kind, fields).encode())
        if self.behaviour == "garbage":
            frame = os.urandom(7).replace(b"\x02", b"\x00") + frame
        self.emit(frame)

    def _on_frame(self, data: bytes) -> None:
        if self.behaviour == "no_ack":
            return
        if self.behaviour == "nak_first" and self._nak_pending:
            self._nak_pending = False
            self.emit(bytes([NAK]))
            return
        self._nak_pending = True
        self.emit(bytes([ACK]))
        message = Message.decode(data)
        self.received.append(message)
        if message.kind in ("SA", "VD", "RF"):
            if self._current is not None or self.behaviour == "busy":
                self._send("BY", {"TX": message.fields.get("TX", "")})
                return
            kind = {"SA": "SALE", "VD": "VOID", "RF": "REFUND"}[message.kind]
            self._current = {"TX": message.fields["TX"], "AM": message.fields.get("AM", "0"), "KD": kind}
            self._generation += 1
            self._run_stages(self._generation)
        elif message.kind == "CN":
            if self._current is not None:
                self._generation += 1  # stops the scheduled stages
                self._finish({"RC": "CN", "MS": "cancelled"})
        elif message.kind == "QL":
            last = dict(self._last_result) if self._last_result else {"RC": "NF", "TX": "", "AM": "0"}
            last["KD"] = "QUERY"
            self._send("RS", last)

    def _run_stages(self, generation: int) -> None:
        steps = ["INSERT_CARD", "ENTER_PIN", "PROCESSING"]

        def step(index: int) -> None:
            with self._lock:
                if generation != self._generation or self._current is None:
                    return
                if index < len(steps):
                    self._send("ST", {"TX": self._current["TX"], "SG": steps[index]})
                    self.call_later(self.stage_delay_s, lambda: step(index + 1))
                    return
                self._final()

        self.call_later(self.stage_delay_s, lambda: step(0))

    def _final(self) -> None:
        behaviour = self.behaviour
        if behaviour == "timeout":
            # The host never hears back, but the terminal did approve: a query must find it.
            self._record({"RC": "00", "MS": "approved", "AC": "A12345", "RN": f"{next(self._refs):012d}"})
            self._current = None
            return
        if behaviour == "mid_frame":
            result = self._record({"RC": "00", "MS": "approved", "AC": "A12345", "RN": f"{next(self._refs):012d}"})
            self._current = None
            frame = build_frame(Message("RS", result).encode())
            self.emit(frame[: len(frame) // 2])
            return
        if behaviour == "decline":
            self._finish({"RC": "51", "MS": "insufficient funds"})
        else:
            self._finish({"RC": "00", "MS": "approved", "AC": "A12345", "RN": f"{next(self._refs):012d}"})

    def _record(self, extra: dict[str, str]) -> dict[str, str]:
        current = self._current or {"TX": "", "AM": "0", "KD": "SALE"}
        pan = "6222021234567891234" if self.unmasked_pan_bug else self.masked_pan
        result = {**current, **extra, "PN": pan if extra.get("RC") == "00" else ""}
        self._last_result = result
        return result

    def _finish(self, extra: dict[str, str]) -> None:
        result = self._record(extra)
        self._current = None
        self._send("RS", result)
