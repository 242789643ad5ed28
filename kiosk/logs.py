"""Logging set-up: text for people (stderr) or JSON lines for a collector (stdout), or a file.

The rule is never to log patient data at all: code logs logical ids (the HIS's ``pat-0042``,
payment references), service names and error codes, never names, ID, phone or card numbers,
or report contents (``tests/test_redaction.py`` runs whole flows with canary patient data and
finds none of it in the log, the journal or crash output). :class:`PrivacyFilter` is the last
line of defence behind that rule: it masks anything shaped like a resident ID number, a mobile
number or a bank card number, and the values of identity keys (``"family": "…"``,
``phone=…``) in the message, the exception text and the stack, before any handler sees them.

Under systemd, lines on a journald stream carry a ``<N>`` syslog priority prefix, so
``journalctl -p warning`` works. Uncaught exceptions (main thread, other threads, Qt slots) go
through the same filter instead of straight to stderr. Configure on the main thread at start.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import logging
import logging.handlers
import os
import re
import sys
import threading
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from kiosk.config import LoggingSection

if TYPE_CHECKING:
    from kiosk.admin.logtail import LogTail

# Boundaries: not inside a longer run of letters or digits (payment references such as
# P20261121093015a3f9c0d2e1 must stay readable for a technician).
# A URL-encoded separator before a number (identifier=system%7C110105...) counts as a boundary.
_NOT_ALNUM_BEFORE = r"(?:(?<![0-9A-Za-z])|(?<=%[0-9A-Fa-f]{2}))"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"
# 18-character resident ID numbers (the last may be X).
_ID_NUMBER = re.compile(_NOT_ALNUM_BEFORE + r"(\d{6})\d{8}(\d{3}[\dXx])" + _NOT_ALNUM_AFTER)
# Mainland mobile numbers, also written +86 138 1234 5678 or 138-1234-5678.
_PHONE = re.compile(_NOT_ALNUM_BEFORE + r"(?:\+?86[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})" + _NOT_ALNUM_AFTER)
# Bank card numbers (13-19 digits passing the Luhn check).
_CARD = re.compile(_NOT_ALNUM_BEFORE + r"\d{13,19}" + _NOT_ALNUM_AFTER)
# The value of an identity key in key=value, key: value and JSON/repr dumps ("family": "张").
_IDENTITY_KEYS = (
    r"patient_name|full_name|family|given|phone|telecom|mobile|address|birth_?date|birthDate"
    r"|id_?number|resident_?id|id_card|visit_card|insurance_card|card_number"
)
_KEYED_VALUE = re.compile(
    r"""(?i)(?P<key>(?:\b(?:""" + _IDENTITY_KEYS + r""")\b|["'](?:name|text)["']))(?P<sep>["']?\s*[:=]\s*)"""
    r"""(?P<value>"[^"]*"|'[^']*'|\[[^\]]*\]|[^\s,;)}\]]+)"""
)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = match.group(0)
    return "*" * (len(digits) - 4) + digits[-4:] if _luhn_ok(digits) else digits


def _mask_keyed(match: re.Match[str]) -> str:
    value = match.group("value")
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{match.group('key')}{match.group('sep')}{quote}***{quote}"


def scrub(text: str) -> str:
    """``text`` with identity-shaped values masked (the last line of defence, see above)."""
    text = _KEYED_VALUE.sub(_mask_keyed, text)
    text = _ID_NUMBER.sub(r"\1********\2", text)
    text = _PHONE.sub(r"\1****\2", text)
    return _CARD.sub(_mask_card, text)


class PrivacyFilter(logging.Filter):
    """Scrubs a record's message, exception text and stack before any handler formats it."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


class TextFormatter(logging.Formatter):
    """One readable line (plus any traceback), scrubbed once more as a whole."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, msg, kiosk_id, thread, and exc when there is one."""

    def __init__(self, kiosk_id: str) -> None:
        super().__init__()
        self._kiosk_id = kiosk_id

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": scrub(record.getMessage()),
            "kiosk_id": self._kiosk_id,
            "thread": record.threadName,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = scrub(record.exc_text)
        if record.stack_info:
            entry["stack"] = scrub(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


_SYSLOG_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}


class _JournaldFormatter(logging.Formatter):
    """Prefixes ``<N>`` (sd-daemon(3)): journald strips it and stores the line's priority."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self._inner = inner

    def format(self, record: logging.LogRecord) -> str:
        level = max((lvl for lvl in _SYSLOG_PRIORITY if lvl <= record.levelno), default=logging.DEBUG)
        return f"<{_SYSLOG_PRIORITY[level]}>{self._inner.format(record)}"


def is_journald_stream(stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    """True when ``stream`` is the journald stream systemd connected (``$JOURNAL_STREAM``)."""
    env = os.environ if environ is None else environ
    expected = env.get("JOURNAL_STREAM", "")
    if not expected:
        return False
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return expected == f"{info.st_dev}:{info.st_ino}"


def setup_logging(settings: LoggingSection, kiosk_id: str, *, tail: LogTail | None = None) -> None:
    """Root logging for ``kiosk run``/``demo``: one handler, the privacy filter, crash hooks.

    ``tail`` (the admin screen's recent lines) is attached beside the main handler; it carries
    its own privacy filter and scrubbing formatter, so it keeps redacted lines only.
    """
    handler: logging.Handler
    formatter: logging.Formatter = JsonFormatter(kiosk_id) if settings.format == "json" else TextFormatter()
    if settings.file is not None:
        settings.file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            settings.file, maxBytes=10_000_000, backupCount=5, encoding="utf-8"
        )
    else:
        stream = sys.stdout if settings.format == "json" else sys.stderr
        handler = logging.StreamHandler(stream)
        if is_journald_stream(stream):
            formatter = _JournaldFormatter(formatter)
    handler.setFormatter(formatter)
    handler.addFilter(PrivacyFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    if tail is not None:
        root.addHandler(tail)
    root.setLevel(settings.level)
    install_crash_hooks()


_crash_log = logging.getLogger("kiosk.crash")


def _log_uncaught(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    _crash_log.critical("uncaught %s", kind.__name__, exc_info=(kind, value, tb))


def _log_thread_uncaught(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or issubclass(args.exc_type, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "?"
    _crash_log.critical(
        "uncaught %s in thread %s",
        args.exc_type.__name__,
        name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def _log_unraisable(args: Any) -> None:
    kind = type(args.exc_value).__name__ if args.exc_value is not None else "exception"
    _crash_log.error("unraisable %s", kind, exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def install_crash_hooks() -> None:
    """Uncaught exceptions (any thread, Qt slots, ``__del__``) are logged through the privacy
    filter instead of printed raw. A hard crash or the watchdog's SIGABRT dumps every thread's
    stack (file, line and function only: no values) to stderr, i.e. the journal."""
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_thread_uncaught
    sys.unraisablehook = _log_unraisable
    with contextlib.suppress(AttributeError, ValueError, OSError):  # no usable stderr (a test runner's capture)
        faulthandler.enable(file=sys.__stderr__ or sys.stderr, all_threads=True)
