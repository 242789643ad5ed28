"""The voice evaluation set: what patients say on each screen and what it must do, run through
the intent layer (``kiosk.voice.commands``) as the recogniser's text would be.

A set is a YAML file (``tests/voice/eval/zh_CN.yaml``, ``en.yaml``)::

    labels: {"Confirm and pay": 确认并支付}        # the button texts as the screen shows them
    screens:
      departments: {kind: list, service: registration, tiles: true, back: false,
                    rows: [内科, 外科], actions: [search]}
    cases:
      departments:
        pick:d0: [我要挂内科, 看内科]               # expected → what patients say
        reject: [我不看内科]                       # must not do anything

Expected values: ``service:NAME``, ``pick:ROW``, ``page:1``, an action id (``pay``, ``yes``,
``back``, ``cancel``...), ``home``, ``more_time``, ``digits:NNN``, ``help``, ``repeat``,
``clarify`` (asks which one) and ``reject`` (nothing happens). An utterance is *understood* when
it gives the expected result, *not understood* when it gives nothing (or asks which one when an
action was expected), and a *wrong action* when it posts anything else. ``bench/voice.py --eval``
prints the figures; ``tests/voice/test_evaluation.py`` holds the goals. No Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kiosk.flows.events import FlowEvent, HomeRequested, MoreTimeRequested, ServiceChosen
from kiosk.flows.views import (
    Action,
    FlowView,
    HomeView,
    IdentifyView,
    IdleWarningView,
    KeypadView,
    ListItem,
    ListView,
    MessageView,
    QrPaymentView,
    Step,
    Text,
    View,
)
from kiosk.voice.commands import screen_commands
from kiosk.voice.intents import Command, Kind

EVAL_DIR = Path(__file__).resolve().parents[2] / "tests" / "voice" / "eval"


def outcome(command: Command | None) -> str:
    """What a parse does, in the evaluation set's words."""
    if command is None:
        return "reject"
    if command.kind is Kind.DIGITS:
        events = (command.event, *command.then)
        return "digits:" + "".join(str(e.value) for e in events if isinstance(e, FlowEvent) and e.name == "digit")
    event = command.event
    match event:
        case ServiceChosen(service=service):
            return f"service:{service}"
        case FlowEvent(name="pick", value=value):
            return f"pick:{value}"
        case FlowEvent(name="page", value=value):
            return f"page:{value}"
        case FlowEvent(name=name):
            return str(name)
        case HomeRequested():
            return "home"
        case MoreTimeRequested():
            return "more_time"
    return command.kind.value


@dataclass(frozen=True)
class Case:
    screen: str
    said: str
    expected: str


@dataclass
class Result:
    case: Case
    got: str
    read_back: bool

    @property
    def understood(self) -> bool:
        return self.got == self.case.expected

    @property
    def wrong(self) -> bool:
        """Something was done that should not have been (a read-back still shows it: counted)."""
        return not self.understood and self.got not in ("reject", "clarify", "help", "repeat")


@dataclass
class Report:
    locale: str
    results: list[Result] = field(default_factory=list)

    @property
    def commands(self) -> list[Result]:
        return [r for r in self.results if r.case.expected != "reject"]

    @property
    def rejections(self) -> list[Result]:
        return [r for r in self.results if r.case.expected == "reject"]

    @property
    def understood(self) -> float:
        commands = self.commands
        return sum(r.understood for r in commands) / len(commands) if commands else 0.0

    @property
    def wrong(self) -> list[Result]:
        return [r for r in self.results if r.wrong]

    def per_screen(self) -> dict[str, tuple[int, int, int]]:
        """screen → (commands, understood, wrong actions)."""
        out: dict[str, tuple[int, int, int]] = {}
        for r in self.results:
            n, ok, bad = out.get(r.case.screen, (0, 0, 0))
            command = r.case.expected != "reject"
            out[r.case.screen] = (n + command, ok + (command and r.understood), bad + r.wrong)
        return out


def _labels(data: Mapping[str, Any]) -> Callable[[Text], str]:
    labels = {str(k): str(v) for k, v in (data.get("labels") or {}).items()}

    def shown(text: Text) -> str:
        result = labels.get(text.source, text.source)
        for index, arg in enumerate(text.args, start=1):
            result = result.replace(f"%{index}", arg)
        return result

    return shown


def _row(index: int, row: Any) -> ListItem:
    if isinstance(row, str):
        return ListItem(f"r{index + 1}", Text("%1", (row,)))
    title = Text(str(row["source"]), tuple(str(a) for a in row.get("args", ())))
    badge = Text(str(row["badge"])) if row.get("badge") else None
    return ListItem(str(row.get("id", f"r{index + 1}")), title, badge=badge, selected=bool(row.get("selected", False)))


def _actions(spec: Mapping[str, Any]) -> tuple[Action, ...]:
    actions = []
    for entry in spec.get("actions", ()):
        if isinstance(entry, str):
            actions.append(Action(entry, Text(entry)))
        else:
            label = Text(str(entry["label"]), tuple(str(a) for a in entry.get("args", ())))
            actions.append(Action(str(entry["id"]), label, bool(entry.get("primary", False))))
    return tuple(actions)


def build_view(spec: Mapping[str, Any]) -> View:
    """A view from its description in the set."""
    kind = spec["kind"]
    if kind == "home":
        return HomeView(tuple(spec["services"]))
    if kind == "idle":
        return IdleWarningView(deadline=0.0, extensions_left=int(spec.get("extensions_left", 3)))
    step = Step(str(spec.get("service", "registration")), 1, 5)
    title = Text(str(spec.get("title", "")))
    actions = _actions(spec)
    back = bool(spec.get("back", True))
    view: FlowView
    match kind:
        case "identify":
            view = IdentifyView(step, title, actions, back, ways=tuple(spec.get("ways", ("id_card", "keypad"))))
        case "keypad":
            view = KeypadView(step, title, actions, back, digits=str(spec.get("digits", "")))
        case "message":
            view = MessageView(step, title, actions, back)
        case "qr":
            view = QrPaymentView(step, title, actions, back)
        case "list":
            rows = tuple(_row(i, r) for i, r in enumerate(spec.get("rows", ())))
            view = ListView(
                step,
                title,
                actions,
                back,
                items=rows,
                multi=bool(spec.get("multi", False)),
                pages=int(spec.get("pages", 1)),
                page=int(spec.get("page", 0)),
                tiles=bool(spec.get("tiles", False)),
            )
        case _:
            raise ValueError(f"unknown screen kind {kind!r}")
    return view


def load(locale: str, folder: Path = EVAL_DIR) -> tuple[dict[str, View], list[Case], Callable[[Text], str]]:
    data = yaml.safe_load((folder / f"{locale}.yaml").read_text(encoding="utf-8"))
    screens = {str(name): build_view(spec) for name, spec in data["screens"].items()}
    cases = [
        Case(str(screen), str(said), str(expected))
        for screen, by_expected in data["cases"].items()
        for expected, utterances in by_expected.items()
        for said in utterances
    ]
    return screens, cases, _labels(data)


def evaluate(locale: str, folder: Path = EVAL_DIR) -> Report:
    """Every case of the set through the intent table of its screen."""
    screens, cases, shown = load(locale, folder)
    # No date is given: as on the kiosk, "today" is the day of the row the flow marks "Today".
    tables = {name: screen_commands(view, locale, shown) for name, view in screens.items()}
    report = Report(locale)
    for case in cases:
        command = tables[case.screen].match(case.said)
        report.results.append(Result(case, outcome(command), bool(command is not None and command.confirm)))
    return report
