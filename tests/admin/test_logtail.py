"""The in-memory log tail: bounded, thread-safe, and it never keeps an unredacted line."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator

import pytest

from kiosk.admin.logtail import LogTail
from kiosk.config import LoggingSection
from kiosk.logs import setup_logging

CANARY_ID = "11010519491231002X"
CANARY_PHONE = "13812345678"


@pytest.fixture
def clean_root() -> Iterator[logging.Logger]:
    """setup_logging replaces the root's handlers and crash hooks: put them back afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    hooks = sys.excepthook, threading.excepthook, sys.unraisablehook
    try:
        yield root
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
            handler.close()
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        sys.excepthook, threading.excepthook, sys.unraisablehook = hooks


def test_setup_logging_attaches_the_tail_behind_the_privacy_filter(clean_root: logging.Logger, tmp_path) -> None:
    tail = LogTail(capacity=50)
    setup_logging(LoggingSection(level="INFO", file=tmp_path / "kiosk.log"), "OPD-7", tail=tail)
    assert tail in clean_root.handlers
    log = logging.getLogger("kiosk.test.tail")
    log.info("patient %s phone %s", CANARY_ID, CANARY_PHONE)
    log.info('reply {"family": "张", "given": ["三"]}')
    try:
        raise ValueError(f"bad card {CANARY_ID}")
    except ValueError:
        log.exception("lookup failed")
    text = "\n".join(tail.lines())
    assert CANARY_ID not in text
    assert CANARY_PHONE not in text
    assert "张" not in text
    assert "110105********002X" in text
    assert "138****5678" in text
    assert "ValueError" in text  # the traceback is kept, scrubbed
    assert "INFO kiosk.test.tail" in tail.lines()[0]


def test_the_tail_redacts_on_its_own() -> None:
    tail = LogTail(capacity=10)
    log = logging.getLogger("kiosk.test.tail.alone")
    log.addHandler(tail)
    log.setLevel(logging.INFO)
    try:
        log.warning("id=%s", CANARY_ID)
    finally:
        log.removeHandler(tail)
    assert CANARY_ID not in tail.lines()[0]
    with pytest.raises(TypeError):
        tail.setFormatter(logging.Formatter("%(message)s"))


def test_capacity_and_limit() -> None:
    tail = LogTail(capacity=5)
    log = logging.getLogger("kiosk.test.tail.capacity")
    log.addHandler(tail)
    log.setLevel(logging.INFO)
    try:
        for n in range(12):
            log.info("line %d", n)
    finally:
        log.removeHandler(tail)
    lines = tail.lines()
    assert len(lines) == 5
    assert lines[0].endswith("line 7")
    assert lines[-1].endswith("line 11")
    assert [line[-7:] for line in tail.lines(2)] == ["line 10", "line 11"]
    assert tail.lines(0) == []
    tail.clear()
    assert tail.lines() == []
    with pytest.raises(ValueError, match="capacity"):
        LogTail(capacity=0)


def test_many_threads_log_while_the_screen_reads() -> None:
    tail = LogTail(capacity=100)
    log = logging.getLogger("kiosk.test.tail.threads")
    log.addHandler(tail)
    log.setLevel(logging.INFO)
    stop = threading.Event()
    reads: list[int] = []

    def reader() -> None:
        while not stop.is_set():
            reads.append(len(tail.lines()))

    def writer(n: int) -> None:
        for i in range(300):
            log.info("writer %d line %d", n, i)

    watcher = threading.Thread(target=reader)
    watcher.start()
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    try:
        for thread in writers:
            thread.start()
        for thread in writers:
            thread.join()
    finally:
        stop.set()
        watcher.join()
        log.removeHandler(tail)
    assert len(tail.lines()) == 100
    assert reads
    assert all(count <= 100 for count in reads)
