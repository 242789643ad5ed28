"""Which spoken Chinese phrases a small recogniser, or an elder's accent, can take for each other.

A phrase becomes its syllables (pypinyin, tone numbers), each split into initial, final and tone.
Common accent merges are applied before comparing: zh→z, ch→c, sh→s and n→l (southern and
south-western speakers), an→ang, en→eng, in→ing (the nasal endings many speakers do not
separate). Two phrases sound alike when, after the merges:

- they are the same syllables ignoring tones (是 shi4 / 四 si4, 四 / 十);
- they have as many syllables and differ in one, which still shares its initial or its final
  (finals ai/ei, ao/ou, e/o count as shared: 内科 nei ke / 外科 wai ke, 第三 / 第四);
- the shorter has two syllables and both begin with the same syllable (二号 / 儿科, 侯平 / 后退,
  第二 / 第三): a short command is recognised mostly by how it starts. (A single syllable is
  only compared whole: "不" and "不要了" are not confused.)

``kiosk.voice.intents`` reads back every choice whose phrase sounds like another choice's on the
same screen. Non-Chinese phrases have no syllables here and never match. No Qt.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import cache
from itertools import combinations

_INITIALS = (
    "zh",
    "ch",
    "sh",
    "b",
    "p",
    "m",
    "f",
    "d",
    "t",
    "n",
    "l",
    "g",
    "k",
    "h",
    "j",
    "q",
    "x",
    "r",
    "z",
    "c",
    "s",
    "y",
    "w",
)
_INITIAL_MERGES = {"zh": "z", "ch": "c", "sh": "s", "n": "l"}
_NEAR_FINALS = ({"ai", "ei"}, {"ao", "ou"}, {"e", "o"})
_DIGITS = dict(zip("0123456789", "零一二三四五六七八九", strict=True))
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


class Syllable(tuple[str, str, int]):
    """(initial, final, tone) after the accent merges; tone 5 is the neutral tone."""

    __slots__ = ()

    @property
    def initial(self) -> str:
        return self[0]

    @property
    def final(self) -> str:
        return self[1]

    def sound(self) -> tuple[str, str]:
        return (self[0], self[1])


def _split(syllable: str) -> Syllable:
    tone = int(syllable[-1]) if syllable[-1:].isdigit() else 5
    base = syllable.rstrip("0123456789").replace("ü", "v")
    initial = next((i for i in _INITIALS if base.startswith(i) and len(base) > len(i)), "")
    final = base[len(initial) :]
    initial = _INITIAL_MERGES.get(initial, initial)
    if final.endswith("ng") and final not in ("ong", "iong"):
        final = final[:-1]  # ang→an, eng→en, ing→in, iang→ian, uang→uan
    return Syllable((initial, final, tone))


@cache
def syllables(phrase: str) -> tuple[Syllable, ...]:
    """The merged syllables of the Chinese characters (and digits) in ``phrase``; () without any."""
    text = "".join(_DIGITS.get(ch, ch) for ch in phrase)
    han = "".join(ch for ch in text if _HAN.match(ch))
    if not han:
        return ()
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")  # as kiosk.flows.department_search: small and fast
    from pypinyin import Style, lazy_pinyin  # noqa: PLC0415 - a heavy import, only once voice is used

    return tuple(_split(s) for s in lazy_pinyin(han, style=Style.TONE3, neutral_tone_with_five=True) if s)


def _near(a: Syllable, b: Syllable) -> bool:
    if a.initial == b.initial or a.final == b.final:
        return True
    return any(a.final in group and b.final in group for group in _NEAR_FINALS)


def sound_alike(a: str, b: str) -> bool:
    """Whether phrases ``a`` and ``b`` can be heard as each other (see the module's docstring)."""
    x, y = syllables(a), syllables(b)
    if not x or not y:
        return False
    if [s.sound() for s in x] == [s.sound() for s in y]:
        return True
    if len(x) == len(y):
        differ = [(s, t) for s, t in zip(x, y, strict=True) if s.sound() != t.sound()]
        if len(differ) == 1 and _near(*differ[0]):
            return True
    return min(len(x), len(y)) == 2 and x[0].sound() == y[0].sound()


def alike_pairs(phrases: Iterable[str]) -> list[tuple[str, str]]:
    """Every pair of ``phrases`` that sound alike, each pair once, in the order given."""
    unique = list(dict.fromkeys(phrases))
    return [(a, b) for a, b in combinations(unique, 2) if sound_alike(a, b)]
