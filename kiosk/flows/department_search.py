"""Finding a department by the letters of its pinyin, typed on the kiosk's letter pad.

A patient types the initials ("XXGNK" or just "NK" for 心血管内科), whole syllables ("xinxue"),
or a mix ("xinxg"); a match may start at any character, so "NK" finds every 内科. Polyphonic
characters match all their readings (重 is zhong and chong), which makes pypinyin's large phrase
dictionary unnecessary: without it the import costs about 12 MB and 0.1 s instead of 55 MB and
0.2 s. Readings are computed once per department list, on a worker thread; matching is pure
Python on the flow thread and takes microseconds for a hospital's few dozen departments.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.domain import Department

Readings = tuple[tuple[str, ...], ...]  # per character: its lowercase pinyin readings


@dataclass(frozen=True)
class Searchable:
    department: Department
    readings: Readings


def index(departments: Sequence[Department]) -> tuple[Searchable, ...]:
    """Each department with the pinyin readings of its name. Worker thread (imports pypinyin)."""
    return tuple(Searchable(d, readings_of(d.name)) for d in departments)


def readings_of(name: str) -> Readings:
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")  # read by pypinyin at import: see above
    from pypinyin import Style, pinyin  # noqa: PLC0415 - a heavy import, only when searching is possible

    result: list[tuple[str, ...]] = []
    for char in name:
        if char.isascii():
            result.append((char.lower(),) if char.isalnum() else ())
            continue
        found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
        options = tuple(dict.fromkeys(r.lower() for r in (found[0] if found else []) if r.isalpha()))
        result.append(options)
    return tuple(result)


def search(query: str, entries: Sequence[Searchable]) -> list[Department]:
    """Departments whose name matches ``query``: those matching from the first character first,
    then (for two letters or more: one letter would find every 科) those matching further in,
    each group in the HIS's order. An empty query matches nothing."""
    wanted = "".join(c for c in query.lower() if c.isalnum())
    if not wanted:
        return []
    first, later = [], []
    for entry in entries:
        starts = [i for i in range(len(entry.readings)) if _matches_from(entry.readings, i, wanted)]
        if starts and starts[0] == 0:
            first.append(entry.department)
        elif starts and len(wanted) > 1:
            later.append(entry.department)
    return first + later


def _matches_from(readings: Readings, start: int, query: str) -> bool:
    @functools.cache
    def match(char: int, used: int) -> bool:
        if used == len(query):
            return True
        if char == len(readings):
            return False
        # Each character takes a non-empty prefix of one of its readings: an initial, a whole
        # syllable, or anything between ("zh" of zhong).
        for reading in readings[char]:
            for size in range(1, len(reading) + 1):
                if query.startswith(reading[:size], used) and match(char + 1, used + size):
                    return True
        return False

    return bool(readings[start]) and match(start, 0)
