"""A receipt printer that parses the ESC/POS stream back into pages of text lines, QR payloads,
images and cuts, and answers DLE EOT status requests.

Switchable like a real one: paper near end / out, cover open, offline, silent (never answers),
garbage (answers nonsense), paper running out after N lines. Thread-safe (see SimDevice).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from kiosk.devices.simulators.hub import SimDevice

log = logging.getLogger(__name__)


@dataclass
class PrintedLine:
    text: str
    align: str = "left"
    big: bool = False
    bold: bool = False


@dataclass
class PrintedPage:
    """Everything printed between two cuts."""

    lines: list[PrintedLine] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)
    images: list[tuple[int, int]] = field(default_factory=list)  # (width dots, height dots)
    cut: str = ""  # "full" | "partial" | "" (not cut yet)

    @property
    def text(self) -> list[str]:
        return [line.text for line in self.lines]


class _Incomplete(Exception):
    """The buffer ends inside a command: wait for more bytes."""


class PrinterSimulator(SimDevice):
    def __init__(self) -> None:
        super().__init__()
        self.paper = "ok"  # ok | near_end | out
        self.cover_open = False
        self.offline = False
        self.silent = False
        self.garbage_status = False
        self.paper_out_after_lines: int | None = None
        self.pages: list[PrintedPage] = [PrintedPage()]
        self.status_requests = 0
        self.unknown_commands = 0
        self.dropped_bytes = 0
        self._buf = bytearray()
        self._reset_modes()

    # --- controls (any thread) --------------------------------------------------------------

    def set_paper(self, state: str) -> None:
        with self._lock:
            self.paper = state

    def set_cover_open(self, value: bool) -> None:
        with self._lock:
            self.cover_open = value

    def set_offline(self, value: bool) -> None:
        with self._lock:
            self.offline = value

    def set_silent(self, value: bool) -> None:
        with self._lock:
            self.silent = value

    def cut_pages(self) -> list[PrintedPage]:
        """Pages that were cut, i.e. finished receipts."""
        with self._lock:
            return [p for p in self.pages if p.cut]

    def on_connect(self) -> None:
        with self._lock:
            self._buf.clear()

    # --- protocol ---------------------------------------------------------------------------

    def _reset_modes(self) -> None:
        self._chinese = False
        self._align = "left"
        self._big = False
        self._bold = False
        self._line = bytearray()
        self._qr_store = b""

    def _can_print(self) -> bool:
        return self.paper != "out" and not self.cover_open and not self.offline

    def on_host_bytes(self, data: bytes) -> None:
        with self._lock:
            self._buf += data
            while self._buf:
                try:
                    used = self._parse_one(self._buf)
                except _Incomplete:
                    return
                del self._buf[:used]

    def _need(self, buf: bytearray, n: int) -> None:
        if len(buf) < n:
            raise _Incomplete

    def _parse_one(self, buf: bytearray) -> int:
        b = buf[0]
        if b == 0x10:  # DLE
            self._need(buf, 3)
            if buf[1] == 0x04:
                self._status_reply(buf[2])
                return 3
            self.unknown_commands += 1
            return 3
        if b == 0x1B:  # ESC
            self._need(buf, 2)
            cmd = buf[1]
            if cmd == 0x40:
                self._reset_modes()
                return 2
            if cmd in (0x32, 0x3C):
                return 2
            self._need(buf, 3)
            n = buf[2]
            if cmd == 0x61:
                self._align = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}.get(n, "left")
            elif cmd == 0x45:
                self._bold = bool(n & 1)
            elif cmd == 0x21:
                self._big = bool(n & 0x30)
            elif cmd == 0x64:
                self._feed(n)
            elif cmd not in (0x2D, 0x74, 0x33, 0x4A, 0x4D, 0x47, 0x7B, 0x3D, 0x52, 0x20, 0x63):
                self.unknown_commands += 1
            return 3
        if b == 0x1D:  # GS
            return self._parse_gs(buf)
        if b == 0x1C:  # FS
            self._need(buf, 2)
            cmd = buf[1]
            if cmd == 0x26:
                self._chinese = True
                return 2
            if cmd == 0x2E:
                self._chinese = False
                return 2
            self._need(buf, 3)
            if cmd not in (0x21, 0x43, 0x2D):
                self.unknown_commands += 1
            return 3
        if b == 0x0A:
            self._end_line()
            return 1
        if b < 0x20:
            if b not in (0x0D, 0x09):
                self.unknown_commands += 1
            return 1
        # text: a Chinese-mode double-byte character needs its second byte before we take it
        if self._chinese and b >= 0x81:
            self._need(buf, 2)
            if 0x30 <= buf[1] <= 0x39:  # GB18030 four-byte sequence
                self._need(buf, 4)
                self._line += buf[:4]
                return 4
            self._line += buf[:2]
            return 2
        self._line.append(b)
        return 1

    def _parse_gs(self, buf: bytearray) -> int:
        self._need(buf, 2)
        cmd = buf[1]
        if cmd == 0x28:  # GS ( k / GS ( L ...: pL pH then that many bytes
            self._need(buf, 5)
            length = buf[3] | buf[4] << 8
            self._need(buf, 5 + length)
            if buf[2] == 0x6B:
                self._qr_function(bytes(buf[5 : 5 + length]))
            return 5 + length
        if cmd == 0x76:  # GS v 0 m xL xH yL yH data
            self._need(buf, 8)
            width_bytes = buf[4] | buf[5] << 8
            height = buf[6] | buf[7] << 8
            total = 8 + width_bytes * height
            self._need(buf, total)
            if self._can_print():
                self.pages[-1].images.append((width_bytes * 8, height))
            return total
        if cmd == 0x56:  # GS V m [n]
            self._need(buf, 3)
            m = buf[2]
            size = 4 if m >= 65 else 3
            self._need(buf, size)
            if self._line:
                self._end_line()
            if self._can_print():
                self.pages[-1].cut = "full" if m in (0, 48, 65) else "partial"
                self.pages.append(PrintedPage())
            return size
        if cmd == 0x6B:  # GS k barcode
            self._need(buf, 3)
            m = buf[2]
            if m <= 6:
                end = buf.find(b"\x00", 3)
                if end < 0:
                    raise _Incomplete
                return end + 1
            self._need(buf, 4)
            self._need(buf, 4 + buf[3])
            return 4 + buf[3]
        self._need(buf, 3)
        if cmd == 0x21:
            self._big = bool(buf[2] & 0x11)
        elif cmd not in (0x42, 0x48, 0x68, 0x77, 0x66, 0x61, 0x72):
            self.unknown_commands += 1
        return 3

    def _qr_function(self, body: bytes) -> None:
        if len(body) < 2 or body[0] != 0x31:
            return
        fn = body[1]
        if fn == 0x50 and len(body) >= 3:
            self._qr_store = body[3:]
        elif fn == 0x51 and self._can_print():
            self.pages[-1].qr_codes.append(self._qr_store.decode("utf-8", "replace"))

    def _feed(self, n: int) -> None:
        if self._line:
            self._end_line()

    def _end_line(self) -> None:
        raw = bytes(self._line)
        self._line = bytearray()
        if not self._can_print():
            self.dropped_bytes += len(raw) + 1
            return
        text = raw.decode("gb18030", "replace") if self._chinese else raw.decode("cp437", "replace")
        page = self.pages[-1]
        page.lines.append(PrintedLine(text, self._align, self._big, self._bold))
        if self.paper_out_after_lines is not None:
            self.paper_out_after_lines -= 1
            if self.paper_out_after_lines <= 0:
                self.paper = "out"
                self.paper_out_after_lines = None

    def _status_reply(self, n: int) -> None:
        self.status_requests += 1
        if self.silent:
            return
        if self.garbage_status:
            self.emit(b"\xff")
            return
        out = self.paper == "out"
        if n == 1:
            value = 0x12 | (0x08 if (self.offline or self.cover_open or out) else 0)
        elif n == 2:
            value = 0x12 | (0x04 if self.cover_open else 0) | (0x20 if out else 0)
        elif n == 4:
            value = 0x12 | (0x60 if out else 0) | (0x0C if self.paper == "near_end" else 0)
        elif n == 3:
            value = 0x12
        else:
            return
        self.emit(bytes([value]))
