"""Understanding what a patient says on one screen: intents with slots, not a list of exact phrases.

A screen offers *targets* (commands: pick this row, press this button, go back, more time...).
Each target is reached by *keys*: slot values and synonyms ("内科", "王医生", "周二", "礼拜二",
"上午", "第二个", "交钱", "是我"). Around them a patient says carrier words ("我要", "帮我",
"挂", "看", "一下", "吧", "please", "I'd like") and words the recogniser did not know
(``[unk]``); these are tolerated, a few at a time. An utterance is read left to right, the
longest key first (so "周二" is a day, never row 2), and the targets of its keys are
intersected: "周四 上午" is the Thursday-morning row; "周四" alone, with two Thursday rows,
asks which one (CLARIFY); "好的 挂内科" is the department (a yes beside a choice adds nothing);
keys of two different targets ("第一个 不是") are not understood. A negation left over ("我不看
内科") is never taken as the choice. A bare number or a one-character word ("二", "是") counts
only when it is the whole utterance.

:class:`IntentTable` is the recogniser's vocabulary: ``phrases`` are the grammar lines (the keys
and carrier phrases of this screen only, so recognition stays constrained) and ``match`` parses.
The phrase data of each language is below; ``kiosk.voice.commands`` builds the tables per screen.
Runs on any thread; no Qt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from kiosk.flows.events import Event
from kiosk.voice.soundalike import sound_alike


class Kind(StrEnum):
    PICK = "pick"
    ACTION = "action"
    YES = "yes"
    NO = "no"
    BACK = "back"
    HOME = "home"
    PAGE = "page"
    HELP = "help"
    REPEAT = "repeat"
    SERVICE = "service"  # the home screen's tiles
    MORE_TIME = "more_time"  # the idle warning
    DIGITS = "digits"  # a number spoken on the keypad
    CLARIFY = "clarify"  # several choices fit what was said: the UI asks which one


@dataclass(frozen=True)
class Command:
    """What an utterance does. ``event`` is posted like a tap, then ``then`` (a keypad number is
    its digits, then OK); None: the voice UI handles it (help, repeat, a declined question, a
    question which one). ``label`` is what the patient is told they chose. ``confirm``: read back
    and confirmed before anything is posted (money, a booking, a sound-alike, a toggle)."""

    kind: Kind
    label: str
    event: Event | None = None
    confirm: bool = False
    then: tuple[Event, ...] = ()
    why: str = ""  # why it is read back: "money", "soundalike", "toggle", "leaves", "digits"


UNK = "[unk]"
MAX_LEFTOVER = 4  # words (a Chinese character is one) outside the keys an utterance may have
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff]"
_PLACEHOLDER = re.compile(r"%\d+")
_BRACKETS = re.compile(r"[(（【\[][^)）】\]]*[)）】\]]")
_SPACE_IN_HAN = re.compile(rf"(?<={_HAN}) (?={_HAN})")
_UNIT = re.compile(rf"{_HAN}|[^\s\u3400-\u4dbf\u4e00-\u9fff]+")


def canonical(text: str) -> str:
    """A phrase as it is compared: lower case, no punctuation, placeholders or bracketed notes,
    one space between words and none between Chinese characters (vosk puts one between the
    words it heard)."""
    import unicodedata  # noqa: PLC0415 - tiny, keeps the import list about the intent model

    text = _BRACKETS.sub(" ", _PLACEHOLDER.sub(" ", unicodedata.normalize("NFKC", text)))
    text = "".join(ch if ch.isalnum() or ch == "'" else " " for ch in text.lower())
    return _SPACE_IN_HAN.sub("", " ".join(text.split()))


def units(text: str) -> tuple[str, ...]:
    """A canonical text as the units keys are made of: each Chinese character, each other word."""
    return tuple(_UNIT.findall(text))


@dataclass
class _Key:
    targets: set[Command]
    tier: int
    exact: bool  # counts only as the whole utterance
    alike: bool = False  # sounds like another choice's key on this screen: read back


@dataclass(frozen=True)
class Parse:
    """What an utterance gave: ``command`` (None: not understood) and the keys it used."""

    command: Command | None
    keys: tuple[str, ...] = ()
    leftover: int = 0
    unknown: int = 0


@dataclass
class IntentTable:
    """The intents of one screen: keys → targets, fillers, the grammar lines. Build with
    :meth:`add` (lower tiers win a key; two targets of one tier share it, which asks which one),
    then :meth:`seal` (sound-alikes are marked for read-back)."""

    locale: str
    fillers: frozenset[tuple[str, ...]] = frozenset()
    negations: frozenset[str] = frozenset()
    keys: dict[tuple[str, ...], _Key] = field(default_factory=dict)
    extra_lines: list[str] = field(default_factory=list)
    digits: Mapping[str, str] | None = None  # the keypad: spoken digit → digit
    digit_command: Callable[[str], Command] | None = None  # the command of a spoken number

    # -- building --------------------------------------------------------------------------------

    def add(self, phrase: str, command: Command, tier: int = 0, *, exact: bool | None = None) -> None:
        key = units(canonical(phrase))
        if not key:
            return
        if exact is None:
            exact = len(key) == 1 and (len(key[0]) == 1 or key[0].isdigit() or key[0] in _BARE_WORDS)
        held = self.keys.get(key)
        if held is None or tier < held.tier:
            self.keys[key] = _Key({command}, tier, exact)
        elif tier == held.tier:
            held.targets.add(command)
            held.exact = held.exact and exact

    def seal(self, soundalike: bool = True) -> IntentTable:
        """Marks every key that sounds like a key of another choice for read-back (both of them)."""
        if not soundalike or self.locale != "zh_CN":
            return self
        single = [(k, v) for k, v in self.keys.items() if len(v.targets) == 1]
        for i, (a, ka) in enumerate(single):
            ca = next(iter(ka.targets))
            for b, kb in single[i + 1 :]:
                cb = next(iter(kb.targets))
                if ca.event is None or cb.event is None or _same_effect(ca, cb):
                    continue
                if sound_alike("".join(a), "".join(b)):
                    ka.alike = kb.alike = True
        return self

    def alike_pairs(self) -> list[tuple[str, str]]:
        """The pairs of keys of different choices that sound alike (the test lists them)."""
        single = [(_joined(k), next(iter(v.targets))) for k, v in self.keys.items() if len(v.targets) == 1]
        pairs = []
        for i, (a, ca) in enumerate(single):
            for b, cb in single[i + 1 :]:
                if ca.event is None or cb.event is None or _same_effect(ca, cb):
                    continue
                if self.locale == "zh_CN" and sound_alike(a, b):
                    pairs.append((a, b))
        return pairs

    # -- the Vocabulary the recogniser uses -----------------------------------------------------

    @property
    def phrases(self) -> tuple[str, ...]:
        """Grammar lines: every key, the carrier phrases, the digits (vosk joins lines' words as a
        bigram model, so "我 要 挂 内科" and "[unk] 内科" are possible and nothing else is)."""
        lines = [_joined(k) for k in self.keys]
        lines += [_joined(f) for f in self.fillers]
        lines += self.extra_lines
        if self.digits:
            lines += list(self.digits)
        return tuple(dict.fromkeys(line for line in lines if line))

    @property
    def commands(self) -> Mapping[str, Command]:
        """Each key with one target, and that target (for tests and the sound-alike listing)."""
        return {
            _joined(k): read_back(next(iter(v.targets)), "soundalike") if v.alike else next(iter(v.targets))
            for k, v in self.keys.items()
            if len(v.targets) == 1
        }

    def match(self, text: str) -> Command | None:
        return self.parse(text).command

    def __len__(self) -> int:
        return len(self.keys)

    # -- parsing ---------------------------------------------------------------------------------

    def parse(self, text: str) -> Parse:
        unknown = text.count(UNK)
        said = units(canonical(text.replace(UNK, " 0unk0 ")))  # kept in place: see "glued" below
        if self.digits is not None and self.digit_command is not None:
            spoken = self._number(said)
            if spoken is not None:
                return Parse(self.digit_command(spoken), ("digits",), 0, unknown)
        longest = max((len(k) for k in self.keys), default=0)
        longest = max(longest, max((len(f) for f in self.fillers), default=0))
        found: list[tuple[tuple[str, ...], _Key]] = []
        leftover: list[str] = []
        glued = False  # a name with an unknown word right before it: "神经内科" is not "内科"
        previous_left = False
        i = 0
        while i < len(said):
            for size in range(min(longest, len(said) - i), 0, -1):
                piece = said[i : i + size]
                key = self.keys.get(piece)
                if key is not None:
                    found.append((piece, key))
                    if previous_left and all(c.kind is Kind.PICK for c in key.targets) and re.fullmatch(_HAN, piece[0]):
                        glued = True
                    previous_left = False
                    break
                if piece in self.fillers:
                    previous_left = False
                    break
            else:
                if said[i] != "0unk0":
                    leftover.append(said[i])
                previous_left = True
                size = 1
            i += size
        names = tuple(_joined(k) for k, _ in found)
        spare = len(leftover) + unknown
        if glued:
            return Parse(None, names, spare, unknown)
        if not found or spare > MAX_LEFTOVER:
            return Parse(None, names, spare, unknown)
        content = [(k, key) for k, key in found if not all(c.kind is Kind.YES for c in key.targets)]
        used = content or found  # a yes beside a choice adds nothing: "好的，挂内科"
        exact = [key for _, key in used if key.exact]
        if exact and (
            spare  # "二楼在哪": a bare number inside a sentence is not a choice
            or len({frozenset(k.targets) for _, k in used}) > 1
            or (len(used) > 1 and len(exact) == len(used))  # "이 이": a noise heard as a number twice
        ):
            return Parse(None, names, spare, unknown)
        chosen = set.intersection(*(key.targets for _, key in used))
        if not chosen:
            return Parse(None, names, spare, unknown)
        if any(word in self.negations for word in leftover) and not all(c.kind is Kind.NO for c in chosen):
            return Parse(None, names, spare, unknown)  # "我不看内科": never the choice
        if len(chosen) > 1:
            labels = sorted({c.label for c in chosen})
            return Parse(Command(Kind.CLARIFY, " / ".join(labels)), names, spare, unknown)
        command = next(iter(chosen))
        if any(key.alike for _, key in used) and command.event is not None:
            command = read_back(command, "soundalike")
        return Parse(command, names, spare, unknown)

    def _number(self, said: Sequence[str]) -> str | None:
        """A number spoken digit by digit, with only carrier words around it; else None."""
        digits = self.digits or {}
        out: list[str] = []
        rest: list[str] = []
        for unit in said:
            if unit.isdigit():
                out.extend(unit)
            elif unit in digits:
                out.append(digits[unit])
            else:
                rest.append(unit)
        if len(out) < 2:
            return None
        leftover = "".join(rest)
        for filler in sorted(("".join(f) for f in self.fillers), key=len, reverse=True):
            leftover = leftover.replace(filler, "")
        return "".join(out) if len(leftover) <= 1 else None


_BARE_WORDS = frozenset(
    {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "yes", "no", "ok"}
)


def _joined(key: Sequence[str]) -> str:
    """Units back to a grammar line: Chinese characters joined, other words spaced."""
    out = ""
    for unit in key:
        if out and not (re.fullmatch(_HAN, unit) and re.fullmatch(_HAN, out[-1])):
            out += " "
        out += unit
    return out


def _same_effect(a: Command, b: Command) -> bool:
    return a.event == b.event and a.then == b.then


def _read_back(command: Command, why: str) -> Command:
    return Command(command.kind, command.label, command.event, True, command.then, why)


def read_back(command: Command, why: str) -> Command:
    """``command``, read back before it is posted."""
    return command if command.confirm else _read_back(command, why)


def fillers(phrases: Iterable[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(u for u in (units(canonical(p)) for p in phrases) if u)
