"""Renders any kiosk screen offscreen to a PNG, and finds text that does not fit its widget.

Used by ``kiosk screenshot``, by ``kiosk demo`` on a machine without a display, and by the
tests that check every screen in both languages, both modes and both screen orientations.
GUI thread only; the caller owns the QApplication (offscreen platform).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from kiosk.app import Kiosk
from kiosk.errors import ServiceUnavailableError
from kiosk.flows.service import Preferences
from kiosk.flows.session import time_limit
from kiosk.flows.views import (
    Action,
    BusyView,
    ErrorView,
    GoodbyeView,
    HomeView,
    IdentifyView,
    IdleWarningView,
    KeypadView,
    ListItem,
    ListView,
    MessageView,
    QrPaymentView,
    SearchView,
    Step,
    Text,
    View,
)

SCREENS = (
    "home",
    "idle_warning",
    "goodbye",
    "error",
    "identify",
    "keypad",
    "busy",
    "message",
    "list",
    "bills",
    "doctors",
    "times",
    "confirm",
    "departments",
    "search",
    "pay_qr",
)
SIZES = {"1920x1080": (1920, 1080), "1080x1920": (1080, 1920)}


# What the identify step and a report list look like, with fictitious masked data.
_STEP = Step("reports", 1, 3)
SAMPLE_FLOW_VIEWS: dict[str, View] = {
    "identify": IdentifyView(
        _STEP, Text("Who are you?"), ways=("id_card", "visit_card", "qr", "keypad"), can_go_back=False
    ),
    "keypad": KeypadView(
        _STEP,
        Text("Visit card number"),
        (Action("submit", Text("OK"), primary=True),),
        prompt=Text("Type your visit card number"),
        digits="20240001",
    ),
    "busy": BusyView(_STEP, Text("One moment"), can_go_back=False, body=Text("Looking up your record…")),
    "message": MessageView(
        _STEP,
        Text("Please confirm"),
        (Action("yes", Text("Yes, that is me"), primary=True), Action("no", Text("No"))),
        can_go_back=False,
        body=Text("Hello, %1. Is this you?", ("张*",)),
    ),
    "list": ListView(
        Step("reports", 2, 3),
        Text("Choose the reports to print"),
        (Action("print", Text("Print (%1)", ("2",)), primary=True),),
        items=(
            ListItem("r1", Text("%1", ("血常规",)), Text("Ready since %1", ("08:00",)), selected=True),
            ListItem("r2", Text("%1", ("胸部正位X线摄影",)), Text("Ready since %1", ("09:30",)), selected=True),
            ListItem(
                "r3",
                Text("%1", ("肝功能八项",)),
                Text("Expected at %1", ("13:00",)),
                Text("Not ready yet"),
                enabled=False,
            ),
            ListItem("r4", Text("%1", ("甲状腺功能五项",)), Text("You may print one copy"), Text("Printed")),
            ListItem("r5", Text("%1", ("尿常规",)), Text("Ready since %1", ("10:15",)), selected=True),
            ListItem("r6", Text("%1", ("腹部超声",)), Text("Ready since %1", ("10:40",)), selected=True),
        ),
        multi=True,
        pages=2,
    ),
    # The fullest list: a prompt, six two-line rows, the total and the Pay button.
    "bills": ListView(
        Step("payment", 2, 4),
        Text("Your unpaid bills"),
        (Action("pay", Text("Pay %1", ("¥100,265.49",)), primary=True),),
        can_go_back=False,
        prompt=Text("All bills are selected. Tap a bill to leave it out or add it."),
        items=tuple(
            ListItem(f"b{i}", Text("%1 · %2", (day, where)), Text("%1 · %2", (what, amount)), selected=True)
            for i, (day, where, what, amount) in enumerate(
                (
                    # As long as a real HIS's: the longest drug names, several items, five-digit amounts.
                    (
                        "2024-05-06",
                        "呼吸与危重症医学科",
                        "注射用哌拉西林钠他唑巴坦钠(特治星) 4.5g*1瓶、盐酸左氧氟沙星氯化钠注射液 0.5g:100ml +3",
                        "¥99,999.99",
                    ),
                    ("2024-05-06", "检验科", "血常规", "¥23.50"),
                    ("2024-05-05", "心血管内科", "心电图、动态血压", "¥86.00"),
                    ("2024-05-05", "药房", "阿司匹林肠溶片", "¥32.00"),
                    ("2024-05-04", "消化内科", "胃镜、病理检查", "¥98.00"),
                    ("2024-05-04", "药房", "奥美拉唑肠溶胶囊", "¥26.00"),
                )
            )
        ),
        multi=True,
        pages=2,
        summary=Text("Total %1 (%2 of %3 bills)", ("¥100,265.49", "8", "8")),
    ),
    # The registration's longest rows: a long department and doctor, five-digit places, a fee range.
    "doctors": ListView(
        Step("registration", 3, 7),
        Text("Choose a doctor · %1", ("呼吸与危重症医学科",)),
        prompt=Text("Doctors with free places in the next %1 days.", ("7",)),
        items=tuple(
            ListItem(
                f"doc{i}",
                Text("%1", (name,)),
                Text("Fee %1 · first free %2 · %3 places", (fee, "12-08", places)),
            )
            for i, (name, fee, places) in enumerate(
                (
                    ("欧阳建国 副主任医师", "¥50.00", "12345"),
                    ("司马晓燕 副主任医师", "¥30.00–¥99,999.99", "99999"),
                    ("王芳 主治医师", "¥20.00", "225"),
                    ("李四 住院医师", "¥10.00", "8"),
                    ("张三 住院医师", "¥10.00", "389"),
                    ("赵六 住院医师", "¥10.00", "1"),
                )
            )
        ),
        pages=3,
    ),
    "times": ListView(
        Step("registration", 4, 7),
        Text("Choose a time · %1", ("欧阳建国 副主任医师",)),
        prompt=Text("Tap the day and time you want to come."),
        items=tuple(
            ListItem(
                f"s{i}",
                Text(day, (when,)),
                Text("%1 places left · fee %2", (places, "¥99,999.99")),
                badge=Text("Today") if i == 0 else None,
            )
            for i, (day, when, places) in enumerate(
                (
                    ("Tue %1", "2026-12-08 08:00–12:00", "12345"),
                    ("Wed %1", "2026-12-09 13:30–17:00", "99999"),
                    ("Thu %1", "2026-12-10 13:30–17:00", "15"),
                    ("Fri %1", "2026-12-11 08:00–12:00", "1"),
                    ("Sat %1", "2026-12-12 08:00–12:00", "20"),
                    ("Sun %1", "2026-12-13 08:00–12:00", "3"),
                )
            )
        ),
        pages=2,
    ),
    "confirm": MessageView(
        Step("registration", 5, 7),
        Text("Please check your booking"),
        (Action("confirm", Text("Confirm and pay"), primary=True),),
        body=Text(
            "Department: %1\nDoctor: %2\nTime: %3\nWhere: %4\nFee: %5",
            (
                "呼吸与危重症医学科",
                "欧阳建国 主任医师",
                "2026-12-08 08:00–12:00",
                "门诊医技综合楼三层 B区 呼吸与危重症医学科诊区",
                "¥99,999.99",
            ),
        ),
        figure=Text("%1", ("¥99,999.99",)),
    ),
    "departments": ListView(
        Step("registration", 2, 7),
        Text("Choose a department"),
        (Action("search", Text("Search by pinyin")),),
        can_go_back=False,
        prompt=Text("Tap the department you want to see, or search for it."),
        items=tuple(
            ListItem(str(i), Text("%1", (name,)), Text("%1", (about,)))
            for i, (name, about) in enumerate(
                (
                    ("心血管内科", "高血压、冠心病、心律失常"),
                    ("消化内科", "胃炎、胃溃疡、肝病"),
                    ("神经内科", "头痛、眩晕、脑血管病"),
                    ("耳鼻喉科", "耳、鼻、咽喉疾病"),
                    ("口腔科", "牙体牙髓、口腔修复"),
                    ("皮肤科", "湿疹、皮炎、过敏"),
                )
            )
        ),
        pages=2,
        tiles=True,
    ),
    "search": SearchView(
        Step("registration", 2, 7),
        Text("Search for a department"),
        prompt=Text("Tap your department."),
        query="NK",
        items=(
            ListItem("1", Text("%1", ("内科",))),
            ListItem("2", Text("%1", ("心血管内科",))),
            ListItem("3", Text("%1", ("神经内科",))),
        ),
        more=2,
    ),
    "pay_qr": QrPaymentView(
        Step("payment", 3, 4),
        Text("Scan to pay"),
        (Action("cancel", Text("Cancel payment")),),
        can_go_back=False,
        prompt=Text("Scan the code with your wallet app and confirm the payment of %1.", ("¥23.50",)),
        amount="¥23.50",
        payload="http://127.0.0.1:8765/pay/DEMO-OPD-01-0001",
        deadline=0.0,  # set to "a minute from now" when shown
    ),
}


def sample_view(screen: str, elderly: bool) -> View:
    """A sample flow screen as the flows would show it in this mode: a list's first page holds
    as many items as a flow's page does (Preferences.page_size: four in elderly mode)."""
    view = SAMPLE_FLOW_VIEWS[screen]
    size = Preferences(elderly=elderly).page_size
    if isinstance(view, ListView | SearchView) and len(view.items) > size:
        view = replace(view, items=view.items[:size])
    return view


@dataclass(frozen=True)
class Clipped:
    widget: str
    text: str
    needed: int
    available: int

    def __str__(self) -> str:
        return f"{self.widget} {self.text!r}: needs {self.needed}px, has {self.available}px"


def present(kiosk: Kiosk, screen: str, locale: str, elderly: bool, size: tuple[int, int]) -> None:
    """Puts ``kiosk``'s window into the state of ``screen`` without running a session."""
    if screen not in SCREENS:
        raise ValueError(f"unknown screen {screen!r}; choose from {', '.join(SCREENS)}")
    window = kiosk.window
    now = kiosk.runner.chart.clock.now()
    window.resize(*size)
    window.apply_preferences(locale, elderly)
    window.show_overlay(None)
    home = HomeView(kiosk.runner.chart.available)
    timeouts = kiosk.config.timeouts
    if screen == "home":
        window.show_view(home)
    elif screen == "idle_warning":
        window.show_view(home)
        warning = time_limit(timeouts.idle_warning_s, elderly)
        window.show_overlay(IdleWarningView(deadline=now + warning, extensions_left=10))
    elif screen == "goodbye":
        window.show_view(GoodbyeView(deadline=now + time_limit(timeouts.goodbye_s, elderly)))
    elif screen == "error":
        error = ServiceUnavailableError
        deadline = now + time_limit(timeouts.error_screen_s, elderly)
        window.show_view(ErrorView(error.code, error.patient_message, deadline))
    else:
        view = sample_view(screen, elderly)
        if isinstance(view, QrPaymentView):
            view = replace(view, deadline=now + 60)
        window.show_view(view)
    window.show()
    for _ in range(3):  # layout needs a few passes after a style or language change
        QApplication.processEvents()


def walk(kiosk: Kiosk, locale: str, elderly: bool, size: tuple[int, int]) -> Iterator[str]:
    """Shows every screen of SCREENS in turn and yields its name while it is up (the tests that
    check clipping, target and text sizes and contrast share this walk)."""
    for screen in SCREENS:
        present(kiosk, screen, locale, elderly, size)
        yield screen


def save_png(kiosk: Kiosk, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    pixmap = kiosk.window.grab()
    if pixmap.isNull() or not pixmap.save(str(out), "PNG"):
        raise OSError(f"could not write {out}")


def _visible_texts(root: QWidget) -> Iterator[QLabel | QAbstractButton]:
    for widget in root.findChildren(QWidget):
        if isinstance(widget, QLabel | QAbstractButton) and widget.isVisibleTo(root) and widget.text():
            yield widget


def find_clipped(root: QWidget) -> list[Clipped]:
    """Every visible label or button whose text needs more room than it was given."""
    found = []
    for widget in _visible_texts(root):
        rect = widget.contentsRect()
        metrics = widget.fontMetrics()
        name = widget.objectName() or type(widget).__name__
        if isinstance(widget, QLabel) and widget.wordWrap():
            # The whole label (its padding and border included, as heightForWidth counts them).
            needed = widget.heightForWidth(widget.width())
            if needed > widget.height() + 1:
                found.append(Clipped(name, widget.text(), needed, widget.height()))
                continue
            # A word (or a part held together) wider than the label is cut at its side.
            flags = int(Qt.TextFlag.TextWordWrap)
            wide = metrics.boundingRect(0, 0, max(rect.width(), 1), 100_000, flags, widget.text()).width()
            if wide > rect.width() + 1:
                found.append(Clipped(name, widget.text(), wide, rect.width()))
            continue
        if isinstance(widget, QAbstractButton) and widget.layout() is not None:
            # A button drawn by labels inside it (a list row): the labels are checked themselves;
            # the button must be as tall as they need at its width.
            needed = widget.heightForWidth(widget.width()) if widget.hasHeightForWidth() else 0
            if needed > widget.height() + 1:
                found.append(Clipped(name, widget.text(), needed, widget.height()))
            continue
        if isinstance(widget, QAbstractButton):  # the styled size hint includes padding and border
            hint = widget.sizeHint()
            if hint.height() > widget.height() + 1:  # a row squeezed by a full screen: lines cut off
                found.append(Clipped(name, widget.text(), hint.height(), widget.height()))
                continue
            needed, available = hint.width(), widget.width()
        else:
            needed = max(metrics.horizontalAdvance(line) for line in widget.text().split("\n"))
            available = rect.width()
        if needed > available + 1:
            found.append(Clipped(name, widget.text(), needed, available))
    return found
