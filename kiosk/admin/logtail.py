"""The last few hundred log lines, kept in memory for the admin screen.

A :class:`LogTail` is a logging handler that keeps the most recent formatted records in a
bounded deque. It redacts on its own (the :class:`kiosk.logs.PrivacyFilter` on the record and
:class:`kiosk.logs.TextFormatter`, which scrubs the formatted line once more), so whichever way it
is attached it never holds an ID number, a phone number or a card number. In the app it is
attached by :func:`kiosk.logs.setup_logging` next to the main handler.

Thread-safe: any thread logs into it (``emit`` runs under the handler's lock); the admin
screen's worker reads it with :meth:`lines`.
"""

from __future__ import annotations

import logging
from collections import deque

from kiosk.logs import PrivacyFilter, TextFormatter


class LogTail(logging.Handler):
    """Keeps the last ``capacity`` formatted, redacted records (oldest dropped first)."""

    def __init__(self, capacity: int = 500, level: int = logging.NOTSET) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        super().__init__(level)
        self.capacity = capacity
        self._lines: deque[str] = deque(maxlen=capacity)
        self.addFilter(PrivacyFilter())
        self.setFormatter(TextFormatter())

    def setFormatter(self, fmt: logging.Formatter | None) -> None:
        """Only the scrubbing formatter: another one could keep an unredacted line."""
        if not isinstance(fmt, TextFormatter):
            raise TypeError("a LogTail formats with kiosk.logs.TextFormatter only")
        super().setFormatter(fmt)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self._lines.append(line)  # under the handler's lock (Handler.handle)

    def lines(self, limit: int | None = None) -> list[str]:
        """The most recent ``limit`` lines (all kept ones for None), oldest first."""
        self.acquire()
        try:
            kept = list(self._lines)
        finally:
            self.release()
        if limit is None:
            return kept
        return kept[-limit:] if limit > 0 else []

    def clear(self) -> None:
        self.acquire()
        try:
            self._lines.clear()
        finally:
            self.release()
