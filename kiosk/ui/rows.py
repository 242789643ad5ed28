"""A choice in a list: a big button whose text can never hide a number.

A plain QPushButton draws its text on one line per ``\\n`` and cuts what does not fit: a long
doctor's or drug name pushed the amount, the places left or the time out of the row ("¥50.0(",
"余 22" for 225). Here the row's name and its details are word-wrapped labels inside the button,
the row is as tall as they need (height for width), and the detail wraps only between its parts
(the flows join them with " · "): inside a part every space is a non-breaking one, so "余 225 个号"
or "¥30.00" stays on one line. An amount that ends the detail (a bill's total) gets a column of
its own at the right, never wrapped. GUI thread only.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSizePolicy, QWidget

NBSP = "\u00a0"
SEPARATOR = NBSP + "· "  # a line may end after the dot, never begin with it
# The width a row asks for: longer texts wrap rather than widen the list past the screen.
ROW_HINT_WIDTH = 900
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_AMOUNT = re.compile(r"^[¥￥]\s*\d[\d,]*(?:\.\d+)?$")


WORD_JOINER = "\u2060"


# A part longer than this is words (a list of bill items, a long name): it wraps as text does.
LONGEST_UNBROKEN = 24


def unbreakable(part: str) -> str:
    """``part`` held together when it is a figure with its words (non-breaking spaces, word joiners
    at Chinese characters): a line may end before or after it, never inside it ("最早 12-08"
    never becomes "最" / "早 12-08", nor "余 225 个号" "余 22" / "5 个号").
    A range ("¥30.00–¥50.00", "08:00–12:00") may break after its dash; a long part wraps between
    words (Unicode line breaking never splits a number)."""
    part = part.strip()
    if not _is_held(part):
        return part  # words (a list of items, a name) wrap as text does
    held = part[:1]
    for before, char in itertools.pairwise(part):
        # Letters and digits hold together by themselves (Unicode line breaking); a line may break
        # before or after any Chinese character, so those are joined. After a range's dash: free.
        if before != "–" and (_CJK.match(before) or _CJK.match(char)):
            held += WORD_JOINER
        held += char
    return held.replace(" ", NBSP)


def _is_held(part: str) -> bool:
    """Whether :func:`unbreakable` holds ``part`` together (a figure with its words)."""
    bare = plain(part).strip()
    return len(bare) <= LONGEST_UNBROKEN and any(char.isdigit() for char in bare)


def plain(text: str) -> str:
    """``text`` without the joiners and non-breaking spaces that hold its parts together."""
    return text.replace(WORD_JOINER, "").replace(NBSP, " ")


def split_detail(detail: str) -> tuple[str, str]:
    """The detail as (wrapping text, amount column): "血常规、心电图 · ¥50.00" →
    ("血常规、心电图", "¥50.00"); a detail that does not end in an amount has no column."""
    parts = [p.strip() for p in detail.split("·")] if detail else []
    amount = ""
    if len(parts) > 1 and _AMOUNT.match(parts[-1]):
        amount = parts.pop()
    return SEPARATOR.join(unbreakable(p) for p in parts if p), amount


class ElidingLabel(QLabel):
    """A word-wrapped label of words (a list of bill items) that shows at most ``max_lines`` lines
    (0: all), shortened at the end of a name with "…" when the rows need the room. Never used for a
    figure: amounts and counts are in labels that are never shortened."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self._full = ""
        self.max_lines = 0

    def set_full_text(self, text: str) -> None:
        self._full = text
        self._fit()

    def full_text(self) -> str:
        return self._full

    def set_max_lines(self, lines: int) -> None:
        if lines != self.max_lines:
            self.max_lines = lines
            self._fit()
            self.updateGeometry()

    def _needed(self, text: str, width: int) -> int:
        flags = int(Qt.TextFlag.TextWordWrap)
        return self.fontMetrics().boundingRect(0, 0, max(1, width), 100_000, flags, text).height()

    def _limit(self) -> int:
        # The height of that many lines as the text is measured (not lines x spacing: the last
        # line has its full height, not its leading).
        return self._needed("\n".join("国" * self.max_lines), 100_000) if self.max_lines else 0

    def heightForWidth(self, width: int) -> int:
        margins = self.contentsMargins()
        inner = width - margins.left() - margins.right()
        needed = self._needed(self._full, inner)
        limit = self._limit()
        return (min(needed, limit) if limit else needed) + margins.top() + margins.bottom()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        self.setText(shortened(self._full, self.contentsRect().width(), self._limit(), self._needed))


def shortened(text: str, width: int, limit: int, needed: Callable[[str, int], int]) -> str:
    """``text``, or its longest beginning that ends at a name ("、" or a space) and with "…" needs
    no more than ``limit`` pixels of height at ``width`` (limit 0: no limit)."""
    if not limit or width <= 0 or needed(text, width) <= limit:
        return text
    names = [i for i, char in enumerate(text) if char in "、，, "]
    # Inside a name only where no number is cut in two.
    inside = [i for i in range(1, len(text)) if not (text[i - 1].isdigit() and text[i].isdigit())]
    at_name, in_name = (_longest(text, cuts, width, limit, needed) for cuts in (names, inside))
    # A whole name is better than part of one, unless it leaves much less of the text.
    return at_name if len(at_name) >= 0.6 * len(in_name) else in_name or "…"


_NAME_ENDS = "、，,·  "  # a list's separators: not left before the "…"


def _longest(text: str, cuts: list[int], width: int, limit: int, needed: Callable[[str, int], int]) -> str:
    low, high, best = 0, len(cuts) - 1, ""
    while low <= high:
        middle = (low + high) // 2
        candidate = text[: cuts[middle]].rstrip(_NAME_ENDS) + "…"
        if needed(candidate, width) <= limit:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best


class RowButton(QPushButton):
    """A list row: the name (and a badge such as "Today") over the detail, the amount at the right.

    ``text()`` is the row's whole text (name, badge, detail, amount), as a plain button's would be:
    tests, the tour and the voice guide read it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "row")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.heading = ElidingLabel(self)
        self._label("rowTitle", wrap=True, label=self.heading)
        self.badge = self._label("rowBadge", wrap=False)
        self.detail = ElidingLabel(self)
        self._label("rowDetail", wrap=True, label=self.detail)
        self.amount = self._label("rowAmount", wrap=False)
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.badge.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        grid = QGridLayout(self)
        grid.setContentsMargins(27, 4, 27, 4)  # the theme's row padding is inside the border already
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(0)
        grid.addWidget(self.heading, 0, 0)
        grid.addWidget(self.badge, 0, 1)
        grid.addWidget(self.detail, 1, 0)
        grid.addWidget(self.amount, 1, 1)
        grid.setColumnStretch(0, 1)
        self._grid = grid
        self._whole = ""
        self.shortenable = False  # the detail is words (bill items) that may end in "…"
        self.heading_shortenable = False
        self.toggled.connect(lambda _checked: self._restyle())

    def _label(self, role: str, *, wrap: bool, label: QLabel | None = None) -> QLabel:
        child = label if label is not None else QLabel(self)
        child.setProperty("role", role)
        child.setWordWrap(wrap)
        child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        child.setTextFormat(Qt.TextFormat.PlainText)
        if wrap:
            policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            policy.setHeightForWidth(True)
            child.setSizePolicy(policy)
        else:
            child.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        return child

    def set_tile(self, tile: bool) -> None:
        """A department tile: the name centred, no detail column."""
        self.setProperty("tile", tile)
        centre = Qt.AlignmentFlag.AlignHCenter if tile else Qt.AlignmentFlag.AlignLeft
        self.heading.setAlignment(centre | Qt.AlignmentFlag.AlignVCenter)
        self.detail.setAlignment(centre | Qt.AlignmentFlag.AlignVCenter)

    def set_row(self, heading: str, detail: str = "", badge: str = "") -> None:
        wrapping, amount = split_detail(detail)
        self.heading.set_full_text(heading)
        # A name at the end of the heading (a department, a doctor) may end in "…"; a date may not.
        self.heading_shortenable = not any(char.isdigit() for char in heading.rsplit("·", maxsplit=1)[-1])
        self.badge.setText(unbreakable(badge))
        self.badge.setVisible(bool(badge))
        self.detail.set_full_text(wrapping)
        # Only words may be shortened: a detail of figures (fee, date, places) always shows whole.
        self.shortenable = bool(wrapping) and all(len(p) > LONGEST_UNBROKEN for p in wrapping.split(SEPARATOR))
        self.detail.setVisible(bool(wrapping))
        self.amount.setText(amount)
        self.amount.setVisible(bool(amount))
        # The name takes the whole width unless a badge sits beside it; an amount with no detail
        # to its left sits beside the name instead of under it.
        for child in (self.heading, self.detail, self.amount):
            self._grid.removeWidget(child)
        beside = bool(amount) and not wrapping
        self._grid.addWidget(self.heading, 0, 0, 1, 1 if badge or beside else 2)
        self._grid.addWidget(self.detail, 1, 0, 1, 1 if amount and not beside else 2)
        self._grid.addWidget(self.amount, 0 if beside else 1, 1)
        first = heading + (f"  ·  {badge}" if badge else "")
        rest = detail
        self._whole = f"{first}\n{rest}" if rest else first
        self._restyle()
        self.updateGeometry()

    def narrowest(self) -> int:
        """The least width at which no part held together (a figure with its words) is cut."""
        widest = 0
        for child in (self.detail, self.badge, self.amount):
            if child.isHidden():
                continue
            text = child.full_text() if isinstance(child, ElidingLabel) else child.text()
            metrics = child.fontMetrics()
            held = [part for part in text.split(SEPARATOR) if child is not self.detail or _is_held(part)]
            widest = max(widest, 0, *(metrics.horizontalAdvance(part) for part in held))
        margins = self._grid.contentsMargins()
        amount = 0 if self.amount.isHidden() else self.amount.sizeHint().width() + self._grid.horizontalSpacing()
        return widest + amount + margins.left() + margins.right() + 8

    def set_max_lines(self, lines: int) -> None:
        """At most ``lines`` lines of the detail when it is words (0: all of it)."""
        self.detail.set_max_lines(lines if self.shortenable else 0)
        self.heading.set_max_lines(lines if self.heading_shortenable and lines == 1 else 0)
        self._grid.invalidate()  # the layout caches heights for widths

    def text(self) -> str:  # the labels' text: the button's own is empty
        return self._whole

    def clear(self) -> None:
        self._whole = ""
        for child in (self.heading, self.badge, self.detail, self.amount):
            child.clear()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.EnabledChange:  # the labels' colour follows
            self._restyle()

    def _restyle(self) -> None:
        """The labels take the row's state (chosen, unavailable) for their colour in the theme."""
        state = "checked" if self.isChecked() else "disabled" if not self.isEnabled() else ""
        for child in (self.heading, self.badge, self.detail, self.amount):
            if child.property("state") != state:
                child.setProperty("state", state)
                child.style().unpolish(child)
                child.style().polish(child)

    # The button is as tall as its labels need at its width (a plain button only knows its own text).
    def _plain(self) -> QSize:
        """The button's own size with no text: the theme's least height, padding and border.
        (QPushButton.minimumSizeHint would call back into sizeHint.)"""
        return QPushButton.sizeHint(self)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        # The theme's least height (min-height, padding, border: the touch target) or the labels'.
        return max(self._grid.totalHeightForWidth(width), self.minimumHeight())

    def sizeHint(self) -> QSize:
        plain = self._plain()
        width = max(plain.width(), min(self._grid.totalSizeHint().width(), ROW_HINT_WIDTH))
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return self._plain()


MAX_COLUMNS = 3
UNFIT = 1 << 30  # the height of rows that cannot be placed at all in so many columns


class RowsArea(QWidget):
    # True when the rows cannot all have their height here: the screen may give up a line for them.
    overflow_changed = Signal(bool)

    """The rows of a list in the screen's free space, in as few columns as let every row have the
    height its text needs (one full-width column reads best; long texts in elderly mode need two
    on 1080 lines). Rows keep their natural height; what is left stays below them.

    ``min_columns`` is the least number of columns (department tiles: two on a landscape screen).
    """

    # True when the rows cannot all have their height here: the screen may give up a line for them.
    overflow_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(10)
        self.rows: list[QPushButton] = []
        self.columns = 0
        self.min_columns = 1
        self.max_columns = MAX_COLUMNS
        self.overflowing = False
        # The search's matches: the area asks for its rows' height (at its width) rather than
        # taking what is left; a list takes what is left and fits its rows into it.
        self.claims_height = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_rows(self, rows: list[QPushButton]) -> None:
        self.rows = rows
        self.columns = 0  # placed afresh
        self.arrange()
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        # A list asks for nothing: the screen's buttons keep their height, the rows get what is left.
        return QSize(400, self._claim())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self._claim())  # a list never pushes the screen's other lines off it

    def _claim(self) -> int:
        if not self.claims_height or not self.rows:
            return 0
        return self.needed_height(1, max(self.width(), 1))

    def hasHeightForWidth(self) -> bool:
        # Its rows' heights for a width are not a demand on the screen (the screen would squeeze
        # every button to its minimum to meet it): the area takes what is left and fits the rows.
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.arrange()

    def needed_height(self, columns: int, width: int | None = None) -> int:
        """The height the rows need in ``columns`` columns across ``width`` (this area's)."""
        if not self.rows:
            return 0
        spacing = self.grid.spacing()
        total = self.width() if width is None else width
        column_width = max(1, (total - spacing * (columns - 1)) // columns)
        if any(isinstance(row, RowButton) and row.narrowest() > column_width for row in self.rows):
            return UNFIT  # a figure would be cut at the side: these columns are too narrow
        heights = [row.heightForWidth(column_width) for row in self.rows]
        lines = [max(heights[i : i + columns]) for i in range(0, len(heights), columns)]
        return sum(lines) + spacing * (len(lines) - 1)

    def fitting_columns(self) -> int:
        """The fewest columns (from ``min_columns``) in which every row has its height, else the
        count that overflows least."""
        candidates = range(max(1, self.min_columns), max(self.max_columns, self.min_columns) + 1)
        needs = {c: self.needed_height(c) for c in candidates}
        fitting = [c for c, need in needs.items() if need <= self.height()]
        return fitting[0] if fitting else min(needs, key=lambda c: needs[c])

    def _set_max_lines(self, lines: int) -> None:
        for row in self.rows:
            if isinstance(row, RowButton):
                row.set_max_lines(lines)

    def fit(self) -> tuple[int, int]:
        """(columns, detail lines): the fewest columns in which every row has its height, with
        bill items whole or shortened to three, two or one line (and then a name in the heading
        to one line); else one line in the columns that overflow least (a clipped row that the
        tour and the tests report)."""
        candidates = range(max(1, self.min_columns), max(self.max_columns, self.min_columns) + 1)
        for columns in candidates:
            for lines in (0, 3, 2, 1):
                self._set_max_lines(lines)
                if self.needed_height(columns) <= self.height():
                    return columns, lines
        self._set_max_lines(1)
        return self.fitting_columns(), 1

    def arrange(self) -> None:
        if self.rows and self.width() > 0:
            columns, lines = self.fit()
            self._set_max_lines(lines)
            overflowing = self.needed_height(columns) > self.height()
        else:
            columns, overflowing = max(1, self.min_columns), False
        if overflowing or overflowing != self.overflowing:  # each time: the screen gives a line at a time
            self.overflowing = overflowing
            self.overflow_changed.emit(overflowing)
        if columns == self.columns:
            return
        self.columns = columns
        for row in self.rows:
            self.grid.removeWidget(row)
        for index, row in enumerate(self.rows):
            self.grid.addWidget(row, index // columns, index % columns, Qt.AlignmentFlag.AlignTop)
        for column in range(MAX_COLUMNS):
            self.grid.setColumnStretch(column, 1 if column < columns else 0)
        lines = (len(self.rows) + columns - 1) // columns
        for line in range(lines + 1):
            self.grid.setRowStretch(line, 1 if line == lines else 0)  # the space left: below the rows
