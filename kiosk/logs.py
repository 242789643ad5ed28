"""Logging set-up: text or JSON lines, to stderr (journald) or a rotating file.

A last line of defence masks anything shaped like a resident ID number or a mobile number,
in case a message ever carries one; the real rule is never to log patient data at all.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import re
import sys
from datetime import UTC, datetime

from kiosk.config import LoggingSection

# 18-character resident ID numbers (last may be X) and mainland mobile numbers.
_ID_NUMBER = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def scrub(text: str) -> str:
    text = _ID_NUMBER.sub(r"\1********\2", text)
    return _PHONE.sub(r"\1****\2", text)


class PrivacyFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(logging.Formatter):
    def __init__(self, kiosk_id: str) -> None:
        super().__init__()
        self._kiosk_id = kiosk_id

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "kiosk": self._kiosk_id,
            "thread": record.threadName,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(settings: LoggingSection, kiosk_id: str) -> None:
    handler: logging.Handler
    if settings.file is not None:
        settings.file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            settings.file, maxBytes=10_000_000, backupCount=5, encoding="utf-8"
        )
    else:
        handler = logging.StreamHandler(sys.stderr)
    if settings.format == "json":
        handler.setFormatter(JsonFormatter(kiosk_id))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    handler.addFilter(PrivacyFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(settings.level)
