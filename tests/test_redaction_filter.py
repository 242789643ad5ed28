"""The privacy filter, the last line of defence behind "never log patient data": the shapes it
masks, what it leaves alone, and the places in a record it reaches (message, exception, stack)."""

from __future__ import annotations

import io
import json
import logging
import os
import sys

import pytest

from kiosk.logs import JsonFormatter, PrivacyFilter, TextFormatter, _JournaldFormatter, is_journald_stream, scrub

ID = "11010519491231002X"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"id {ID} ok", "id 110105********002X ok"),
        (f"身份证{ID}号", "身份证110105********002X号"),
        (f"identifier=urn%3Aresident-id%7C{ID} HTTP", "identifier=urn%3Aresident-id%7C110105********002X HTTP"),
        ("call +86 138-1234-5678", "call 138****5678"),
        ("call 13812345678.", "call 138****5678."),
        ("card 4111111111111111 ok", "card ************1111 ok"),
        ("card 5555555555554444 ok", "card ************4444 ok"),  # doubled digits above 4
        ("card 4012888888881881 ok", "card ************1881 ok"),
        ("card 6011111111111117 ok", "card ************1117 ok"),
        ("amex 378282246310005 ok", "amex ***********0005 ok"),
        ('{"family": "张", "given": ["三"]}', '{"family": "***", "given": ***}'),
        ("{'phone': '13812345678', 'id_number': 'x'}", "{'phone': '***', 'id_number': '***'}"),
        ('"name": [{"text": "张三"}]', '"name": ***'),
        ("visit_card=20240001 done", "visit_card=*** done"),
    ],
)
def test_masks_identity_shapes(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "payment P20261121093015123456a3f9 settled",  # a payment reference: a technician needs it
        "order 2026112100012345678901",  # 22 digits: not an ID number
        "card 4111111111111112",  # fails the Luhn check: not a card number
        "card 5555555555554445",
        "card 4012888888881882",
        "order 378282246310006",
        "amount 12345 fen, 6 bills",
        "job name=lookup finished",  # "name" alone is too common to mask
        "HIS GET search Patient -> 200 in 4.6 ms (attempt 1)",
    ],
)
def test_leaves_technical_text_alone(text: str) -> None:
    assert scrub(text) == text


def _record(exc: bool = False) -> logging.LogRecord:
    try:
        raise KeyError(ID)
    except KeyError:
        info = sys.exc_info() if exc else None
    return logging.LogRecord(
        "kiosk.t", logging.ERROR, __file__, 1, "lookup of %s failed", (ID,), info, sinfo="Stack: 13812345678"
    )


def test_the_filter_reaches_message_exception_and_stack() -> None:
    """The filter alone must leave nothing behind, whatever handler formats the record after it
    (a plain ``logging.Formatter`` does not scrub again, unlike ours)."""
    record = _record(exc=True)
    assert PrivacyFilter().filter(record)
    assert record.getMessage() == "lookup of 110105********002X failed"
    assert record.exc_text is not None
    assert "KeyError" in record.exc_text
    assert "110105********002X" in record.exc_text
    assert record.stack_info == "Stack: 138****5678"
    text = logging.Formatter().format(record)
    assert ID not in text
    assert "13812345678" not in text


def test_the_filter_scrubs_an_exception_text_made_earlier() -> None:
    record = _record(exc=True)
    record.exc_text = f"KeyError: {ID}"  # formatted by an earlier handler, before the filter ran
    assert PrivacyFilter().filter(record)
    assert record.exc_text == "KeyError: 110105********002X"


def test_a_clean_message_keeps_its_arguments() -> None:
    record = logging.LogRecord("kiosk.t", logging.INFO, __file__, 1, "paid %s fen", (1234,), None)
    assert PrivacyFilter().filter(record)
    assert (record.msg, record.args) == ("paid %s fen", (1234,))
    assert record.exc_text is None


def test_both_formatters_scrub_again_behind_the_filter() -> None:
    # No filter: the formatters are the second line of defence. A fresh record for each, since
    # formatting caches the traceback text on the record.
    for formatter in (TextFormatter(), JsonFormatter("K1")):
        text = formatter.format(_record(exc=True))
        assert ID not in text
        assert "13812345678" not in text
        assert "KeyError" in text
    entry = json.loads(JsonFormatter("K1").format(_record(exc=True)))
    assert entry["msg"] == "lookup of 110105********002X failed"
    assert "110105********002X" in entry["exc"]
    assert entry["stack"] == "Stack: 138****5678"
    assert entry["kiosk_id"] == "K1"
    assert entry["level"] == "ERROR"
    assert set(entry) == {"ts", "level", "logger", "msg", "kiosk_id", "thread", "exc", "stack"}
    assert entry["ts"].endswith("+00:00")  # UTC, whatever the kiosk's zone


def test_json_lines_keep_chinese_readable() -> None:
    record = logging.LogRecord("kiosk.t", logging.WARNING, __file__, 1, "打印机缺纸", (), None)
    assert '"msg": "打印机缺纸"' in JsonFormatter("K1").format(record)


def test_journald_gets_the_priority_of_each_line(tmp_path) -> None:
    record = logging.LogRecord("kiosk.t", logging.WARNING, __file__, 1, "paper low", (), None)
    assert _JournaldFormatter(TextFormatter()).format(record).startswith("<4>")
    record.levelno = logging.DEBUG
    assert _JournaldFormatter(JsonFormatter("K1")).format(record).startswith("<7>{")
    with (tmp_path / "stream").open("w") as stream:
        info = os.fstat(stream.fileno())
        assert is_journald_stream(stream, {"JOURNAL_STREAM": f"{info.st_dev}:{info.st_ino}"})
        assert not is_journald_stream(stream, {"JOURNAL_STREAM": "1:2"})
        assert not is_journald_stream(stream, {})
    assert not is_journald_stream(io.StringIO(), {"JOURNAL_STREAM": "1:2"})
