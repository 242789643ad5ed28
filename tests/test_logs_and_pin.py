"""Log scrubbing of identity numbers, JSON log lines, and admin PIN hashing."""

from __future__ import annotations

import json
import logging
import sys
import threading

from kiosk.adminpin import hash_pin, verify_pin
from kiosk.config import LoggingSection
from kiosk.logs import JsonFormatter, PrivacyFilter, scrub, setup_logging


def test_scrub_masks_id_and_phone_numbers() -> None:
    assert scrub("id 11010519491231002X ok") == "id 110105********002X ok"
    assert scrub("call 13812345678") == "call 138****5678"
    assert scrub("order 2026112100012345678901") == "order 2026112100012345678901"  # not an ID shape
    assert scrub("amount 12345 fen") == "amount 12345 fen"


def test_privacy_filter_rewrites_records(caplog) -> None:
    logger = logging.getLogger("kiosk.test.privacy")
    logger.addFilter(PrivacyFilter())
    try:
        with caplog.at_level(logging.INFO, logger="kiosk.test.privacy"):
            logger.info("patient %s phone %s", "11010519491231002X", "13812345678")
    finally:
        logger.filters.clear()
    assert "11010519491231002X" not in caplog.text
    assert "110105********002X" in caplog.text
    assert "138****5678" in caplog.text


def test_json_lines_carry_the_kiosk_id() -> None:
    record = logging.LogRecord("kiosk.x", logging.WARNING, __file__, 1, "paper low on %s", ("printer",), None)
    entry = json.loads(JsonFormatter("OPD-7").format(record))
    assert entry["kiosk_id"] == "OPD-7"
    assert entry["msg"] == "paper low on printer"
    assert entry["level"] == "WARNING"


def test_setup_logging_to_a_file(tmp_path) -> None:
    log_file = tmp_path / "logs" / "kiosk.log"
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    hooks = sys.excepthook, threading.excepthook, sys.unraisablehook
    try:
        setup_logging(LoggingSection(level="INFO", format="json", file=log_file), "OPD-7")
        logging.getLogger("kiosk.t").info("id %s", "11010519491231002X")
        for handler in root.handlers:
            handler.flush()
        line = json.loads(log_file.read_text(encoding="utf-8").splitlines()[-1])
        assert line["msg"] == "id 110105********002X"
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
            handler.close()
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        sys.excepthook, threading.excepthook, sys.unraisablehook = hooks


def test_pin_hash_is_salted_and_verifies() -> None:
    first, second = hash_pin("2468", iterations=10_000), hash_pin("2468", iterations=10_000)
    assert first != second  # salted
    assert verify_pin("2468", first)
    assert verify_pin("2468", second)
    assert not verify_pin("2469", first)
    assert not verify_pin("2468", "garbage")
    assert not verify_pin("2468", "md5$1$00$00")
