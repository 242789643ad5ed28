"""Log scrubbing of identity numbers, JSON log lines, and admin PIN hashing."""

from __future__ import annotations

import json
import logging
import sys
import threading

import pytest

from kiosk.adminpin import MEMORY_KIB, TIME_COST, hash_pin, needs_rehash, verify_pin
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


FAST = {"memory_kib": 7168, "time_cost": 5}  # OWASP's cheapest equivalent setting (~25 ms)


def test_pin_hash_is_salted_and_verifies() -> None:
    first, second = hash_pin("246802", **FAST), hash_pin("246802", **FAST)
    assert first.startswith("$argon2id$v=19$m=7168,t=5,p=1$")
    assert first != second  # salted
    assert verify_pin("246802", first)
    assert verify_pin("246802", second)
    assert not verify_pin("246803", first)
    assert not verify_pin("2468020", first)


def test_pin_hash_at_current_parameters() -> None:
    stored = hash_pin("246810")
    assert stored.startswith(f"$argon2id$v=19$m={MEMORY_KIB},t={TIME_COST},p=1$")
    assert (MEMORY_KIB, TIME_COST) == (19_456, 2)  # OWASP's argon2id figures
    assert verify_pin("246810", stored)
    assert not verify_pin("246811", stored)
    assert not needs_rehash(stored)


@pytest.mark.parametrize(
    "pin", ["123", "1234", "12345", "1234567890123", "12a456", "", " 123456", "１２３４５６", "١٢٣٤٥٦"]
)
def test_only_6_to_12_ascii_digits_are_a_pin(pin: str) -> None:
    with pytest.raises(ValueError, match="6 to 12 digits"):
        hash_pin(pin, **FAST)


def test_malformed_or_foreign_hashes_never_match_and_never_raise() -> None:
    good = hash_pin("246802", **FAST)
    argon2i = good.replace("$argon2id$", "$argon2i$", 1)
    for stored in [
        "",
        "garbage",
        "md5$1$00$00",
        "pbkdf2_sha256$310000$a02a2c339f33419236fdf340f19552f7$67e25cebe2f64595a510dc4682b984ba53c73402138fa000a00dcbf100375692",
        "$argon2id$",
        "$argon2id$v=19$m=x,t=1,p=1$AAAA$AAAA",
        good[:-5],
        good[:-10] + ("B" if good[-10] == "A" else "A") + good[-9:],  # another digest
        argon2i,
        None,
        42,
    ]:
        assert verify_pin("246802", stored) is False, stored  # type: ignore[arg-type]
        assert needs_rehash(stored) is True, stored  # type: ignore[arg-type]
    assert verify_pin(None, good) is False  # type: ignore[arg-type]


def test_needs_rehash_only_when_weaker() -> None:
    assert needs_rehash(hash_pin("246802", **FAST))
    assert needs_rehash(hash_pin("246802", memory_kib=MEMORY_KIB, time_cost=1))
    assert needs_rehash(hash_pin("246802", memory_kib=MEMORY_KIB // 2, time_cost=TIME_COST))
    assert not needs_rehash(hash_pin("246802", memory_kib=MEMORY_KIB, time_cost=TIME_COST + 1))
