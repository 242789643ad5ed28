"""Line framing for ASCII devices (scanners, magnetic stripe readers). Pure; any thread."""

from __future__ import annotations


class LineFramer:
    """Bytes in, complete lines out. CR, LF and CRLF all end a line; an over-long line (a stuck
    scanner, line noise) is dropped up to its terminator and counted, never kept growing."""

    def __init__(self, max_length: int = 2048) -> None:
        self.max_length = max_length
        self._buf = bytearray()
        self._overflow = False
        self.dropped_lines = 0

    def reset(self) -> None:
        self._buf.clear()
        self._overflow = False

    @property
    def partial(self) -> bool:
        return bool(self._buf) or self._overflow

    def feed(self, data: bytes) -> list[bytes]:
        lines: list[bytes] = []
        for b in data:
            if b in (0x0D, 0x0A):
                if self._overflow:
                    self._overflow = False
                    self.dropped_lines += 1
                elif self._buf:
                    lines.append(bytes(self._buf))
                self._buf.clear()
                continue
            if self._overflow:
                continue
            if len(self._buf) >= self.max_length:
                self._buf.clear()
                self._overflow = True
                continue
            self._buf.append(b)
        return lines


def printable_ascii(line: bytes) -> str | None:
    """The line as text if it is printable ASCII (what scanners and stripe readers send), else None."""
    if not line or any(b < 0x20 or b > 0x7E for b in line):
        return None
    return line.decode("ascii")
