"""The screens of the service flows: one class per generic view model, all in one frame.

The frame shows the service and "step n of m", the title, the content, and a bottom bar with
Back, Home and the help line. Texts come from the flows as untranslated source strings
(context "flows") and are translated here. GUI thread only.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize, Qt, QTimerEvent, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.config import LocalizedText
from kiosk.flows.events import FlowEvent, HomeRequested
from kiosk.flows.views import (
    Action,
    BusyView,
    FlowView,
    IdentifyView,
    KeypadView,
    ListItem,
    ListView,
    MessageView,
    QrPaymentView,
    SearchView,
    Text,
    View,
)
from kiosk.ui.i18n import current_locale
from kiosk.ui.rows import RowButton, RowsArea
from kiosk.ui.screens.base import Post, Screen
from kiosk.ui.widgets import Countdown, button, label

PAGE_SIZE = 6  # at most about six choices a screen; more go on further pages


def translate(text: Text | None) -> str:
    """A flow's text in the current language, with its %1, %2... filled in."""
    if text is None or not text.source:
        return ""
    result = QCoreApplication.translate("flows", text.source)
    for index, arg in enumerate(text.args, start=1):
        result = result.replace(f"%{index}", arg)
    return result


class ServiceNames(QObject):
    """The services' names, shared by the home tiles and the flow headers."""

    def name(self, service: str) -> str:
        names = {
            "registration": self.tr("Registration"),
            "checkin": self.tr("Check-in"),
            "payment": self.tr("Pay bills"),
            "reports": self.tr("Print reports"),
        }
        return names.get(service, service)


class FlowScreen(Screen):
    """The frame every flow screen shares; subclasses fill ``self.body``."""

    # The patient asked to hear the screen's prompt again (the voice guide answers).
    replay_requested = Signal()

    def __init__(self, post: Post, help_line: LocalizedText | None, parent: QWidget | None = None) -> None:
        super().__init__(post, parent)
        self._help_line = help_line
        self._names = ServiceNames(self)
        self.view: FlowView | None = None

        self.service = label("clock", wrap=False)
        self.progress = label("clock", wrap=False)
        self.progress.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.header = header = QHBoxLayout()
        header.setSpacing(24)
        header.addWidget(self.service, 1)
        header.addWidget(self.progress)
        self.title = label("title")

        self.body = QVBoxLayout()
        self.body.setSpacing(10)
        self.actions_row = QHBoxLayout()
        self.actions_row.setSpacing(24)
        self.action_buttons: list[QPushButton] = []

        self.back_button = button()
        self.back_button.clicked.connect(lambda: self._post(FlowEvent("back")))
        self.home_button = button()
        self.home_button.clicked.connect(lambda: self._post(HomeRequested()))
        self.help = label("code")
        self.replay_button = button()
        self.replay_button.setObjectName("replay")
        self.replay_button.clicked.connect(self.replay_requested.emit)
        self.footer_buttons = QHBoxLayout()
        self.footer_buttons.setSpacing(16)
        self.footer_buttons.addWidget(self.back_button)
        self.footer_buttons.addWidget(self.help, 1)
        self.footer_buttons.addWidget(self.replay_button)
        self.footer_buttons.addWidget(self.home_button)
        footer = QVBoxLayout()
        footer.setSpacing(10)
        footer.addLayout(self.footer_buttons)
        self._footer = footer
        self._help_own_row = False

        self.frame = layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(10)  # every line counts: four multi-line choices in elderly mode
        layout.addLayout(header)
        layout.addWidget(self.title)
        layout.addLayout(self.body, 1)
        layout.addLayout(self.actions_row)
        layout.addLayout(footer)
        self._title_in_header = False

    def set_view(self, view: View) -> None:
        if isinstance(view, FlowView):
            self.view = view
            self._rebuild_actions(view.actions)
        super().set_view(view)

    def set_replay_available(self, available: bool) -> None:
        """Repeat is shown only while the kiosk can speak (voice on, an audio device)."""
        self.replay_button.setVisible(available)

    def _place_help(self, own_row: bool) -> None:
        """Landscape: the help line between Back and Repeat/Home. Portrait: three large buttons
        leave it no width (elderly mode), so it gets its own row above them."""
        if own_row == self._help_own_row:
            return
        self._help_own_row = own_row
        if own_row:
            self.footer_buttons.removeWidget(self.help)
            self.footer_buttons.insertStretch(1, 1)
            self._footer.insertWidget(0, self.help)
        else:
            self._footer.removeWidget(self.help)
            self.footer_buttons.takeAt(1)  # the stretch that stood in for it
            self.footer_buttons.insertWidget(1, self.help, 1)

    def _place_title(self, in_header: bool) -> None:
        """Landscape: the title shares the row of the service and step (1080 lines have no row to
        spare in elderly mode). Portrait: the title has the width of its own row below them."""
        if in_header == self._title_in_header:
            return
        self._title_in_header = in_header
        self.frame.removeWidget(self.title)
        self.header.removeWidget(self.title)
        if in_header:
            self.header.insertWidget(0, self.title, 1)
            self.header.setStretchFactor(self.service, 0)
        else:
            self.frame.insertWidget(self.frame.indexOf(self.header) + 1, self.title)
            self.header.setStretchFactor(self.service, 1)

    def _fit_header(self, width: int) -> None:
        """Landscape: a title that would wrap beside the service's name takes its place (the title
        says where the patient is; two title lines cost the list a row in elderly mode)."""
        if not self._title_in_header:
            self.service.setVisible(True)
            return
        margins = self.frame.contentsMargins()
        free = width - margins.left() - margins.right() - 2 * self.header.spacing()
        needed = (
            self.title.fontMetrics().horizontalAdvance(self.title.text())
            + self.service.fontMetrics().horizontalAdvance(self.service.text())
            + self.progress.fontMetrics().horizontalAdvance(self.progress.text())
        )
        self.service.setVisible(needed <= free)

    def resizeEvent(self, event: QResizeEvent) -> None:
        # The help line on its own row in both orientations: beside the buttons it wrapped to two
        # lines in elderly mode, a row the list needed.
        self._place_help(own_row=True)
        self._place_title(in_header=event.size().width() > event.size().height())
        self._fit_header(event.size().width())
        super().resizeEvent(event)

    def leave(self) -> None:
        # No screen keeps a patient's data after it is left: the view, and every text drawn
        # from it (each is set again from the next view in retranslate).
        self.view = None
        self._rebuild_actions(())
        for text in self.findChildren(QLabel):
            text.clear()

    def _rebuild_actions(self, actions: tuple[Action, ...]) -> None:
        for old in self.action_buttons:
            self.actions_row.removeWidget(old)
            old.hide()  # deleteLater waits for the event loop; the old text must go now
            old.setText("")
            old.deleteLater()
        self.action_buttons = []
        for action in actions:
            widget = button("primary" if action.primary else None)
            widget.setObjectName(f"action_{action.id}")
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            widget.clicked.connect(lambda _=False, a=action.id: self._post(FlowEvent(a)))
            self.actions_row.addWidget(widget)
            self.action_buttons.append(widget)

    def retranslate(self) -> None:
        view = self.view
        # An explicit context: PySide's self.tr would look in the subclass's context.
        self.back_button.setText(QCoreApplication.translate("FlowScreen", "Back"))
        self.home_button.setText(QCoreApplication.translate("FlowScreen", "Home"))
        self.replay_button.setText(QCoreApplication.translate("FlowScreen", "Repeat"))
        self.help.setText(self._help_line.get(current_locale()) if self._help_line is not None else "")
        if view is None:
            return
        self.back_button.setVisible(view.can_go_back)
        self.service.setText(self._names.name(view.step.service))
        self.progress.setText(
            QCoreApplication.translate("FlowScreen", "Step %1 of %2")
            .replace("%1", str(view.step.index))
            .replace("%2", str(view.step.count))
        )
        self.title.setText(translate(view.title))
        for widget, action in zip(self.action_buttons, view.actions, strict=True):
            widget.setText(translate(action.label))
        self.title.ensurePolished()  # the theme's font, to measure the title with
        self._fit_header(self.width())


FIGURE_SCALE = 2.5  # a message's figure (a queue number) is this many times the title's size


class MessageScreen(FlowScreen):
    def __init__(self, post: Post, help_line: LocalizedText | None, parent: QWidget | None = None) -> None:
        super().__init__(post, help_line, parent)
        # No role in the theme: its size follows the title's (elderly mode included), scaled up.
        self.figure = label("figure", wrap=False)
        self.figure.setObjectName("figure")
        self.figure.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.figure.setVisible(False)
        self.title.installEventFilter(self)
        self.message = label("prompt")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code = label("code")
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Landscape: the figure (a fee, a queue number) beside the message, so a five-line booking
        # summary keeps every line on 1080 lines in elderly mode. Portrait: the figure above it.
        self.content = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.content.setSpacing(32)
        self.content.addWidget(self.figure)
        self.content.addWidget(self.message, 1)
        self.body.addStretch(1)
        self.body.addLayout(self.content)
        self.body.addWidget(self.code)
        self.body.addStretch(1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        landscape = event.size().width() > event.size().height()
        self.content.setDirection(QBoxLayout.Direction.LeftToRight if landscape else QBoxLayout.Direction.TopToBottom)
        super().resizeEvent(event)
        self._size_figure()

    def retranslate(self) -> None:
        super().retranslate()
        view = self.view
        if isinstance(view, MessageView):
            self.message.setText(translate(view.body))
            self.code.setVisible(view.code is not None)
            self.code.setText(self.tr("Error code: %1").replace("%1", str(view.code)))
            self.figure.setText(translate(view.figure))
            self.figure.setVisible(view.figure is not None)
            self._size_figure()

    def _size_figure(self) -> None:
        self.title.ensurePolished()  # the theme's title size, elderly mode included
        size = round(max(self.title.font().pixelSize(), 1) * FIGURE_SCALE)
        # As large as that, but no wider than its share of the screen (beside the message on a
        # landscape screen, a third; above it, the whole width): "¥99,999.99" must show whole.
        margins = self.frame.contentsMargins()
        width = self.width() - margins.left() - margins.right()
        share = width // 3 if self.width() > self.height() else width
        text = self.figure.text()
        if text and share > 0:
            font = QFont(self.figure.font())
            font.setPixelSize(size)
            advance = QFontMetrics(font).horizontalAdvance(text)
            if advance > share:
                size = max(self.title.font().pixelSize(), size * share // advance)
        # Its own style sheet: a font set in code would be reset when the theme re-polishes.
        sheet = f"font-size: {size}px; font-weight: bold;"
        if self.figure.styleSheet() != sheet:
            self.figure.setStyleSheet(sheet)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.title and event.type() == QEvent.Type.FontChange:
            self._size_figure()  # the theme (elderly mode) changed while this screen was up
        return super().eventFilter(watched, event)


class BusyScreen(FlowScreen):
    """A spinner (a dot sequence, painted cheaply) and what is happening."""

    def __init__(self, post: Post, help_line: LocalizedText | None, parent: QWidget | None = None) -> None:
        super().__init__(post, help_line, parent)
        self.message = label("prompt")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.spinner = label("countdown", wrap=False)
        self.spinner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._dots = 0
        self._timer = self.startTimer(400)
        self.body.addStretch(1)
        self.body.addWidget(self.spinner)
        self.body.addWidget(self.message)
        self.body.addStretch(1)

    def timerEvent(self, event: QTimerEvent) -> None:
        self._dots = (self._dots + 1) % 4
        self.spinner.setText("●" * (self._dots + 1) + "○" * (3 - self._dots))

    def retranslate(self) -> None:
        super().retranslate()
        view = self.view
        if isinstance(view, BusyView):
            text = translate(view.body)
            if view.progress is not None:
                done, total = view.progress
                text += "  " + self.tr("%1 of %2").replace("%1", str(done)).replace("%2", str(total))
            self.message.setText(text)


class IdentifyScreen(FlowScreen):
    """Shows the ways to identify that this kiosk has, and the keypad button.

    The card, health-code and scanner ways are things the patient does at the kiosk's devices,
    not taps: they are hints (text with a marker line, no box) in a column; the keypad is the one
    button, of a button's size, beside them on a landscape screen and under them on a portrait one.
    """

    def __init__(self, post: Post, help_line: LocalizedText | None, parent: QWidget | None = None) -> None:
        super().__init__(post, help_line, parent)
        self.ways: dict[str, QLabel] = {}
        hints = QVBoxLayout()
        hints.setSpacing(32)
        hints.addStretch(1)
        for way in ("id_card", "visit_card", "qr"):
            hint = label("hint")
            hint.setObjectName(f"hint_{way}")
            hint.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            self.ways[way] = hint
            hints.addWidget(hint)
        hints.addStretch(1)
        self.keypad_button = button("primary")
        self.keypad_button.setObjectName("keypad")
        self.keypad_button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.keypad_button.clicked.connect(lambda: self._post(FlowEvent("keypad")))
        keypad = QVBoxLayout()
        keypad.addStretch(1)
        keypad.addWidget(self.keypad_button)
        keypad.addStretch(1)
        self.split = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.split.setSpacing(48)
        self.split.addLayout(hints, 1)
        self.split.addLayout(keypad)  # its text's width; the hints wrap in the rest
        self.problem = label("countdown")
        self.problem.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.addLayout(self.split, 1)
        self.body.addWidget(self.problem)

    def resizeEvent(self, event: QResizeEvent) -> None:
        landscape = event.size().width() > event.size().height()
        self.split.setDirection(QBoxLayout.Direction.LeftToRight if landscape else QBoxLayout.Direction.TopToBottom)
        super().resizeEvent(event)

    def retranslate(self) -> None:
        super().retranslate()
        view = self.view
        texts = {
            "id_card": self.tr("Place your ID card on the reader"),
            "visit_card": self.tr("Swipe your visit or insurance card"),
            "qr": self.tr("Show your health code to the scanner"),
        }
        for way, widget in self.ways.items():
            widget.setText(texts[way])
            widget.setVisible(isinstance(view, IdentifyView) and way in view.ways)
        self.keypad_button.setText(self.tr("Type my visit card number"))
        self.keypad_button.setVisible(isinstance(view, IdentifyView) and "keypad" in view.ways)
        problem = translate(view.problem) if isinstance(view, IdentifyView) else ""
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))


class KeypadScreen(FlowScreen):
    """Digits in a phone-style grid; Delete and OK sit beside 0 so the whole pad fits any screen."""

    def __init__(self, post: Post, help_line: LocalizedText | None, parent: QWidget | None = None) -> None:
        super().__init__(post, help_line, parent)
        self.display = label("title", wrap=False)
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        grid = QGridLayout()
        grid.setSpacing(16)
        self.keys: list[QPushButton] = []
        for index, digit in enumerate("123456789"):
            self.keys.append(self._key(digit, grid, index // 3, index % 3))
        self.delete_button = button()
        self.delete_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.delete_button.clicked.connect(lambda: self._post(FlowEvent("delete")))
        grid.addWidget(self.delete_button, 3, 0)
        self.keys.append(self._key("0", grid, 3, 1))
        self.ok_button = button("primary")
        self.ok_button.setObjectName("ok")
        self.ok_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.ok_button.clicked.connect(lambda: self._post(FlowEvent("submit")))
        grid.addWidget(self.ok_button, 3, 2)
        self.body.addWidget(self.display)
        self.body.addLayout(grid, 1)

    def _key(self, digit: str, grid: QGridLayout, row: int, column: int) -> QPushButton:
        key = button()
        key.setText(digit)
        key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        key.clicked.connect(lambda _=False: self._post(FlowEvent("digit", digit)))
        grid.addWidget(key, row, column)
        return key

    def _rebuild_actions(self, actions: tuple[Action, ...]) -> None:
        super()._rebuild_actions(tuple(a for a in actions if a.id != "submit"))
        self.ok_button.setEnabled(any(a.id == "submit" for a in actions))

    def retranslate(self) -> None:
        view = self.view
        if isinstance(view, KeypadView):  # the pad's own OK stands for the submit action
            self.view = replace(view, actions=tuple(a for a in view.actions if a.id != "submit"))
        super().retranslate()
        self.view = view
        self.delete_button.setText(self.tr("Delete"))
        self.ok_button.setText(self.tr("OK"))
        if isinstance(view, KeypadView):
            self.display.setText(view.digits or translate(view.prompt))


class ListScreen(FlowScreen):
    """Up to six items a page as big rows; tapping sends FlowEvent("pick", id)."""

    def __init__(self, post: Post, help_line: LocalizedText | None, parent: QWidget | None = None) -> None:
        super().__init__(post, help_line, parent)
        self.prompt = label("prompt")
        self.rows: list[QPushButton] = []
        self.view_to_come: View | None = None  # set before the rows are built from it
        # As few columns as let every row show all its text (kiosk/ui/rows.py).
        self.rows_area = RowsArea()
        self.rows_area.overflow_changed.connect(self._on_overflow)
        self._tiles = False
        self.summary = label("prompt")
        self.previous_page = button()
        self.previous_page.clicked.connect(lambda: self._post(FlowEvent("page", -1)))
        self.next_page = button()
        self.next_page.clicked.connect(lambda: self._post(FlowEvent("page", 1)))
        self.page_label = label("code", wrap=False)
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.paging = QHBoxLayout()
        self._paging_in_footer = False
        self.prompt_row = QHBoxLayout()
        self.prompt_row.setSpacing(24)
        self.prompt_row.addWidget(self.prompt, 1)
        self.body.addLayout(self.prompt_row)
        self.body.addWidget(self.rows_area, 1)  # the rows get the screen's free space
        self.body.addWidget(self.summary)
        self.body.addLayout(self.paging)
        self._place_paging(in_footer=True)

    def set_view(self, view: View) -> None:
        self.view_to_come = view
        if isinstance(view, ListView):
            self._rebuild_rows(view.items)
        super().set_view(view)

    def leave(self) -> None:
        self._rebuild_rows(())
        self.view_to_come = None
        super().leave()

    def _place_paging(self, in_footer: bool) -> None:
        """On a landscape screen Previous and More share the footer's row ([Back] [Previous] [More]
        ... [Repeat] [Home]) and "page n of m" the prompt's: one row of touch targets fewer leaves
        the list room for four multi-line rows in elderly mode on 1080 lines. A portrait screen
        has the height, but not the width, so paging gets its own row."""
        self._paging_in_footer = in_footer
        for widget in (self.previous_page, self.page_label, self.next_page):
            self.footer_buttons.removeWidget(widget)
            self.paging.removeWidget(widget)
            self.prompt_row.removeWidget(widget)
        if in_footer:
            at = self.footer_buttons.indexOf(self.back_button) + 1
            self.footer_buttons.insertWidget(at, self.previous_page)
            self.footer_buttons.insertWidget(at + 1, self.next_page)
            self.prompt_row.addWidget(self.page_label)  # "Page 1 of 3" beside the prompt
            self.body.removeWidget(self.summary)
            self.actions_row.insertWidget(0, self.summary, 1)  # "Total ¥..." beside Pay
        else:
            self.paging.addWidget(self.previous_page)
            self.paging.addWidget(self.page_label, 1)
            self.paging.addWidget(self.next_page)
            self.actions_row.removeWidget(self.summary)
            self.body.insertWidget(self.body.indexOf(self.rows_area) + 1, self.summary)

    def _rebuild_rows(self, items: tuple[ListItem, ...]) -> None:
        tiles = isinstance(self.view_to_come, ListView) and self.view_to_come.tiles
        self.rows = rebuild_rows(self.rows_area.grid, self.rows, items[:PAGE_SIZE], self._post, tiles=tiles)
        self._tiles = tiles
        self._set_min_columns(self.width() > self.height())
        self.rows_area.set_rows(self.rows)

    def _on_overflow(self, overflowing: bool) -> None:
        """Rows that cannot all show whole take the prompt's line (the prompt is also spoken, and
        the title says what to do), then the help line's; both come back with the next screen."""
        if not overflowing:
            return
        if self.prompt.isVisible():
            self.prompt.hide()
        elif self.help.isVisible():
            self.help.hide()

    def _set_min_columns(self, landscape: bool) -> None:
        """Department tiles: two columns on a landscape screen (short names, a grid of tiles)."""
        self.rows_area.min_columns = 2 if landscape and self._tiles else 1

    def resizeEvent(self, event: QResizeEvent) -> None:
        landscape = event.size().width() > event.size().height()
        self._set_min_columns(landscape)
        if landscape != self._paging_in_footer:
            self._place_paging(in_footer=landscape)
        super().resizeEvent(event)

    def retranslate(self) -> None:
        super().retranslate()
        view = self.view
        if not isinstance(view, ListView):
            return
        self.prompt.setText(translate(view.prompt))
        self.prompt.setVisible(bool(view.prompt.source))
        self.help.setVisible(True)
        label_rows(self.rows, view.items)
        self.rows_area.set_rows(self.rows)  # new texts, new heights: fit the columns again
        self._on_overflow(self.rows_area.overflowing)
        self.summary.setText(translate(view.summary))
        self.summary.setVisible(view.summary is not None)
        paged = view.pages > 1
        for widget in (self.previous_page, self.next_page, self.page_label):
            widget.setVisible(paged)
        self.previous_page.setText(self.tr("Previous"))
        self.next_page.setText(self.tr("More"))
        self.previous_page.setEnabled(view.page > 0)
        self.next_page.setEnabled(view.page < view.pages - 1)
        self.page_label.setText(
            self.tr("Page %1 of %2").replace("%1", str(view.page + 1)).replace("%2", str(view.pages))
        )


def rebuild_rows(
    box: QGridLayout, old_rows: list[QPushButton], items: tuple[ListItem, ...], post: Post, *, tiles: bool = False
) -> list[QPushButton]:
    """Big row buttons for ``items`` (not yet placed in ``box``); tapping one posts ("pick", id)."""
    for old in old_rows:
        box.removeWidget(old)
        old.hide()  # as with the actions: the old text must go now, not at deleteLater
        old.setText("")
        old.deleteLater()
    rows: list[QPushButton] = []
    for item in items:
        row = RowButton()
        row.set_tile(tiles)
        row.setCheckable(True)
        row.setChecked(item.selected)
        row.setEnabled(item.enabled)
        row.clicked.connect(lambda _=False, i=item.id: post(FlowEvent("pick", i)))
        rows.append(row)
    return rows


def label_rows(rows: list[QPushButton], items: tuple[ListItem, ...]) -> None:
    for row, item in zip(rows, items, strict=False):
        badge = translate(item.badge) if item.badge is not None else ""
        if isinstance(row, RowButton):
            row.set_row(translate(item.title), translate(item.detail), badge)


LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# 26 letters in three rows on a portrait screen, two on a landscape one: the pad leaves room for
# the matches, and its keys stay tall enough to hit in elderly mode.
PAD_COLUMNS_PORTRAIT = 9
PAD_COLUMNS_LANDSCAPE = 13


class SearchScreen(FlowScreen):
    """A letter pad (A–Z in order: easier to find than QWERTY for people who rarely type), the
    letters typed so far, and the matches. Side by side on a landscape screen, stacked on a
    portrait one."""

    def __init__(self, post: Post, help_line: LocalizedText | None, parent: QWidget | None = None) -> None:
        super().__init__(post, help_line, parent)
        self.prompt = label("prompt")
        self.query = label("query", wrap=False)
        self.keys: list[QPushButton] = []
        self.pad = QGridLayout()
        self.pad.setSpacing(12)
        for letter in LETTERS:
            key = button("key")
            key.setText(letter)
            key.setObjectName(f"key_{letter}")
            key.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
            key.clicked.connect(lambda _=False, c=letter: self._post(FlowEvent("letter", c)))
            self.keys.append(key)
        self._pad_columns = 0
        self._place_keys(PAD_COLUMNS_PORTRAIT)
        self.delete_button = button()  # a word, not a letter: the buttons' usual size
        self.delete_button.setObjectName("delete")
        self.delete_button.clicked.connect(lambda: self._post(FlowEvent("delete")))
        self.more = label("code")
        typed = QHBoxLayout()  # Delete beside what it deletes, like a backspace
        typed.setSpacing(12)
        typed.addWidget(self.query, 1)
        typed.addWidget(self.delete_button)
        left = QVBoxLayout()
        left.addLayout(typed)
        left.addLayout(self.pad, 1)
        left.addWidget(self.more)
        self.results = RowsArea()  # one column: the matches beside (or under) the pad
        self.results.max_columns = 1
        self.results.claims_height = True
        right = QVBoxLayout()
        right.addWidget(self.results, 1)
        self.split = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.split.setSpacing(32)
        self.split.addLayout(left, 2)
        self.split.addLayout(right, 1)
        self.body.addWidget(self.prompt)  # across the whole width: the matches keep their height
        self.body.addLayout(self.split, 1)
        self.rows: list[QPushButton] = []

    def _place_keys(self, columns: int) -> None:
        """A–Z in rows of ``columns`` keys, all the same width."""
        if columns == self._pad_columns:
            return
        self._pad_columns = columns
        for key in self.keys:
            self.pad.removeWidget(key)
        for column in range(max(PAD_COLUMNS_PORTRAIT, PAD_COLUMNS_LANDSCAPE)):
            self.pad.setColumnStretch(column, 1 if column < columns else 0)
        for index, key in enumerate(self.keys):
            self.pad.addWidget(key, index // columns, index % columns)

    def set_view(self, view: View) -> None:
        if isinstance(view, SearchView):
            self.rows = rebuild_rows(self.results.grid, self.rows, view.items, self._post)
            self.results.set_rows(self.rows)
        super().set_view(view)

    def leave(self) -> None:
        self.rows = rebuild_rows(self.results.grid, self.rows, (), self._post)
        self.results.set_rows(self.rows)
        super().leave()

    def resizeEvent(self, event: QResizeEvent) -> None:
        landscape = event.size().width() > event.size().height()
        self.split.setDirection(QBoxLayout.Direction.LeftToRight if landscape else QBoxLayout.Direction.TopToBottom)
        # Side by side the pad takes 2/3 of the width in two rows of keys (the height is short);
        # stacked, three rows, and the matches keep their height.
        self.split.setStretch(0, 2 if landscape else 1)
        self.split.setStretch(1, 1 if landscape else 0)
        self._place_keys(PAD_COLUMNS_LANDSCAPE if landscape else PAD_COLUMNS_PORTRAIT)
        super().resizeEvent(event)

    def retranslate(self) -> None:
        super().retranslate()
        view = self.view
        self.delete_button.setText(self.tr("Delete"))
        if not isinstance(view, SearchView):
            return
        self.query.setText(view.query or "…")
        self.prompt.setText(translate(view.prompt))
        label_rows(self.rows, view.items)
        self.results.set_rows(self.rows)
        self.more.setText(self.tr("%n more: type another letter", "", view.more) if view.more else "")
        self.more.setVisible(view.more > 0)
        for key in self.keys:
            key.setEnabled(len(view.query) < view.max_length)


QR_SIZE = 480  # px the QR code asks for: scannable by a phone held at arm's length
QR_MIN_SIZE = 320  # px it may shrink to (elderly mode on a landscape screen)


def qr_modules(payload: str) -> QPixmap:
    """The payload as a QR code with its quiet zone, one pixel a module (scale by whole multiples)."""
    import qrcode  # noqa: PLC0415 - only a payment screen needs it

    code = qrcode.QRCode(box_size=1, border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap


class QrCode(QLabel):
    """A QR code as large as its space allows, scaled by a whole number of pixels a module so the
    modules stay crisp for the phone's camera. Its size hint is fixed, so rescaling never moves
    the layout."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(QR_MIN_SIZE, QR_MIN_SIZE)
        self._modules = QPixmap()

    def sizeHint(self) -> QSize:
        return QSize(QR_SIZE, QR_SIZE)

    def minimumSizeHint(self) -> QSize:
        return QSize(QR_MIN_SIZE, QR_MIN_SIZE)

    def set_payload(self, payload: str) -> None:
        self._modules = qr_modules(payload) if payload else QPixmap()
        self._fit()

    def clear(self) -> None:
        self._modules = QPixmap()
        super().clear()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._fit()
        super().resizeEvent(event)

    def _fit(self) -> None:
        if self._modules.isNull():
            super().clear()
            return
        side = min(self.width(), self.height(), QR_SIZE * 2)
        scale = max(1, side // self._modules.width())
        size = self._modules.width() * scale
        self.setPixmap(
            self._modules.scaled(
                size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
            )
        )


class QrPaymentScreen(FlowScreen):
    """Scan-to-pay: the QR code large and centred, the amount, what to do, and the time left.

    ``now`` is the flow clock (monotonic seconds, as the kiosk's QtClock); the countdown is
    display only: the payment service closes the order at its deadline.
    """

    def __init__(
        self,
        post: Post,
        help_line: LocalizedText | None,
        parent: QWidget | None = None,
        *,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(post, help_line, parent)
        self.qr = QrCode()
        self.qr.setObjectName("qr")
        self.amount = label("title", wrap=False)
        self.amount.setObjectName("amount")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prompt = label("prompt")
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.countdown = Countdown(now, self._countdown_text)
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.info = QWidget()
        column = QVBoxLayout(self.info)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        column.addStretch(1)
        column.addWidget(self.amount)
        column.addWidget(self.prompt)
        column.addWidget(self.countdown)
        column.addStretch(1)
        self._payload = ""
        self.content = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.content.setSpacing(32)
        self.content.addWidget(self.qr)
        self.content.addWidget(self.info, 1)
        self.body.addLayout(self.content, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        # Landscape: the code beside the amount and prompt (1080 lines have no room for them
        # under it in elderly mode). Portrait: the code above them.
        landscape = event.size().width() > event.size().height()
        self.content.setDirection(QBoxLayout.Direction.LeftToRight if landscape else QBoxLayout.Direction.TopToBottom)
        # The text takes the width left beside the code; below it, the code takes the height.
        self.content.setStretch(0, 0 if landscape else 1)
        self.content.setStretch(1, 1 if landscape else 0)
        super().resizeEvent(event)

    def set_view(self, view: View) -> None:
        if isinstance(view, QrPaymentView):
            if view.payload != self._payload:
                self._payload = view.payload
                self.qr.set_payload(view.payload)
            self.countdown.start(view.deadline)
        super().set_view(view)

    def leave(self) -> None:
        self.countdown.stop()
        self._payload = ""
        self.qr.clear()
        super().leave()

    def _countdown_text(self, seconds: int) -> str:
        return self.tr("Time left: %1:%2").replace("%1", str(seconds // 60)).replace("%2", f"{seconds % 60:02d}")

    def retranslate(self) -> None:
        super().retranslate()
        view = self.view
        if isinstance(view, QrPaymentView):
            self.amount.setText(view.amount)
            self.prompt.setText(translate(view.prompt))
            self.countdown.refresh()


FLOW_SCREENS: dict[type[View], type[FlowScreen]] = {
    MessageView: MessageScreen,
    BusyView: BusyScreen,
    IdentifyView: IdentifyScreen,
    KeypadView: KeypadScreen,
    ListView: ListScreen,
    SearchView: SearchScreen,
    QrPaymentView: QrPaymentScreen,
}
