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

import re

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSizePolicy, QWidget

SEPARATOR = " · "
NBSP = "\u00a0"
# The width a row asks for: longer texts wrap rather than widen the list past the screen.
ROW_HINT_WIDTH = 900
_AMOUNT = re.compile(r"^[¥￥]\s*\d[\d,]*(?:\.\d+)?$")


WORD_JOINER = "\u2060"


def unbreakable(part: str) -> str:
    """``part`` held together (non-breaking spaces, word joiners between Chinese characters): a
    line may end before or after it, never inside it ("最早 12-08" never becomes "最" / "早 12-08")."""
    return WORD_JOINER.join(part.strip().replace(" ", NBSP))


def split_detail(detail: str) -> tuple[str, str]:
    """The detail as (wrapping text, amount column): "血常规、心电图 · ¥50.00" →
    ("血常规、心电图", "¥50.00"); a detail that does not end in an amount has no column."""
    parts = [p.strip() for p in detail.split("·")] if detail else []
    amount = ""
    if len(parts) > 1 and _AMOUNT.match(parts[-1]):
        amount = parts.pop()
    return SEPARATOR.join(unbreakable(p) for p in parts if p), amount


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
        self.heading = self._label("rowTitle", wrap=True)
        self.badge = self._label("rowBadge", wrap=False)
        self.detail = self._label("rowDetail", wrap=True)
        self.amount = self._label("rowAmount", wrap=False)
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.badge.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        grid = QGridLayout(self)
        grid.setContentsMargins(27, 6, 27, 6)  # the theme's row padding is inside the border already
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(0)
        grid.addWidget(self.heading, 0, 0)
        grid.addWidget(self.badge, 0, 1)
        grid.addWidget(self.detail, 1, 0)
        grid.addWidget(self.amount, 1, 1)
        grid.setColumnStretch(0, 1)
        self._grid = grid
        self._whole = ""
        self.toggled.connect(lambda _checked: self._restyle())

    def _label(self, role: str, *, wrap: bool) -> QLabel:
        child = QLabel(self)
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
        self.heading.setText(heading)
        self.badge.setText(unbreakable(badge))
        self.badge.setVisible(bool(badge))
        self.detail.setText(wrapping)
        self.detail.setVisible(bool(wrapping))
        self.amount.setText(amount)
        self.amount.setVisible(bool(amount))
        # The name takes the whole width unless a badge sits beside it; an amount with no detail
        # to its left sits beside the name instead of under it.
        self._grid.removeWidget(self.heading)
        self._grid.removeWidget(self.amount)
        beside = bool(amount) and not wrapping
        self._grid.addWidget(self.heading, 0, 0, 1, 1 if badge or beside else 2)
        self._grid.addWidget(self.amount, 0 if beside else 1, 1)
        first = heading + (f"  ·  {badge}" if badge else "")
        rest = SEPARATOR.join(p for p in (detail,) if p)
        self._whole = f"{first}\n{rest}" if rest else first
        self._restyle()
        self.updateGeometry()

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
        return max(self._grid.totalHeightForWidth(width), self._plain().height())

    def sizeHint(self) -> QSize:
        plain = self._plain()
        width = max(plain.width(), min(self._grid.totalSizeHint().width(), ROW_HINT_WIDTH))
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return self._plain()
