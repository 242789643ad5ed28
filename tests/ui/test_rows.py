"""A list row never cuts a number: its detail wraps only between parts, an amount has a column of
its own, words are shortened at a name with "…", and the rows take as many columns as they need."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QFont, QFontMetrics, QTextLayout, QTextOption
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from kiosk.ui.rows import RowButton, RowsArea, plain, shortened, split_detail, unbreakable
from kiosk.ui.screenshot import find_clipped

# The figures of the screenshots: each must stay on one line, whole.
# (A range such as "¥30.00–¥99,999.99" may break after its dash: each end is a figure.)
FIGURES = re.compile(r"¥[\d,]+\.\d\d|\d{1,2}-\d{2}|\d+(?:\s个号|\splaces)|\d{2}:\d{2}")


def lines_of(text: str, font: QFont, width: int) -> list[str]:
    """How Qt breaks ``text`` into lines of ``width`` pixels (as a word-wrapped label does)."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.beginLayout()
    lines = []
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        lines.append(text[line.textStart() : line.textStart() + line.textLength()])
    layout.endLayout()
    return lines


def font(size: int = 56) -> QFont:
    result = QFont()
    result.setFamilies(["Noto Sans CJK SC"])
    result.setPixelSize(size)
    result.setBold(True)
    return result


DETAILS = [
    "挂号费 ¥50.00 · 最早 12-08 · 余 12345 个号",
    "Fee ¥30.00–¥99,999.99 · first free 12-08 · 99999 places",
    "余 225 个号 · 挂号费 ¥30.00",
    "12345 places left · fee ¥99,999.99",
]


@pytest.mark.parametrize("detail", DETAILS)
def test_no_width_breaks_a_figure(qapp: QApplication, detail: str) -> None:
    """At every width from a narrow column to a full portrait row, every figure of the detail is
    on one line (the issue's "余 22" for 225 and "¥50.0(")."""
    wrapped, amount = split_detail(detail)
    assert amount == ""
    figures = FIGURES.findall(detail)
    assert figures
    for width in range(420, 1000, 20):
        lines = [plain(line).strip() for line in lines_of(wrapped, font(), width)]
        for figure in figures:
            assert any(figure in line for line in lines), f"{figure!r} split at {width}px: {lines}"


def test_an_amount_that_ends_the_detail_has_its_own_column() -> None:
    text, amount = split_detail("常规心电图检查、血常规(五分类) · ¥50.00")
    assert (plain(text), amount) == ("常规心电图检查、血常规(五分类)", "¥50.00")
    assert split_detail("血常规 · ¥99,999.99")[1] == "¥99,999.99"
    assert split_detail("Fee ¥30.00 · 20 places")[1] == ""  # not an amount alone: stays in the text
    assert plain(unbreakable("余 225 个号")) == "余 225 个号"


def test_words_are_shortened_at_a_name_never_inside_a_number(qapp: QApplication) -> None:
    metrics = QFontMetrics(font())

    def needed(text: str, width: int) -> int:
        return metrics.boundingRect(0, 0, width, 100_000, 0x1000, text).height()  # Qt.TextWordWrap

    items = "注射用哌拉西林钠他唑巴坦钠、盐酸左氧氟沙星氯化钠注射液、阿莫西林克拉维酸钾分散片 0.2285g*12片"
    one_line = needed("国", 600)
    short = shortened(items, 600, one_line, needed)
    assert short.endswith("…")
    assert needed(short, 600) <= one_line
    assert items.startswith(short[:-1])
    long_number = "阿莫西林 1234567890123"
    cut = shortened(long_number, 300, one_line, needed)
    digits = cut.rstrip("…").split(" ")[-1]
    assert not digits.isdigit() or long_number.endswith(digits)  # never a part of the number
    assert shortened(items, 600, 0, needed) == items  # no limit: whole


def test_a_row_is_as_tall_as_its_text_and_reads_as_one_text(qapp: QApplication) -> None:
    row = RowButton()
    row.setFont(font())
    row.set_row("2026-12-07 · 儿科", "中药饮片(每剂)、血常规(五分类)、普通门诊诊查费 · ¥181.00", "")
    assert row.text() == "2026-12-07 · 儿科\n中药饮片(每剂)、血常规(五分类)、普通门诊诊查费 · ¥181.00"
    assert row.amount.text() == "¥181.00"
    assert row.amount.wordWrap() is False  # the amount column is never wrapped nor shortened
    assert row.heightForWidth(500) > row.heightForWidth(1500)  # narrower: more lines, taller


def test_rows_take_more_columns_only_when_one_does_not_fit(qapp: QApplication) -> None:
    area = RowsArea()
    rows = []
    for index in range(4):
        row = RowButton()
        row.set_row(f"医生 {index}", "挂号费 ¥50.00 · 最早 12-08 · 余 12345 个号")
        rows.append(row)
    area.resize(1800, 2000)
    area.set_rows(rows)  # type: ignore[arg-type]
    assert area.columns == 1
    area.resize(1800, area.needed_height(1) - 50)
    area.arrange()
    assert area.columns == 2
    assert area.needed_height(2) <= area.height()


def test_a_padded_label_that_fits_is_not_reported_as_clipped(qapp: QApplication) -> None:
    root = QWidget()
    text = "Receipt printer has paper and is ready. Receipts waiting to be reprinted: 0."
    padded = QLabel(text, root)
    padded.setWordWrap(True)
    padded.setStyleSheet("padding: 8px 12px; border: 3px solid black;")
    padded.setFixedWidth(600)
    root.show()
    padded.ensurePolished()  # the application's theme, if a test before set one
    padded.setFixedHeight(padded.heightForWidth(600))
    assert find_clipped(root) == []
    padded.setFixedHeight(padded.heightForWidth(600) - 30)
    assert [c.text for c in find_clipped(root)] == [text]
    root.close()
