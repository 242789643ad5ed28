"""Receipt amounts and their checks at the edges (the cases ./dev mutate found untested)."""

from __future__ import annotations

import pytest

from kiosk.devices.receipt import (
    FULLWIDTH_YEN,
    Align,
    Line,
    Receipt,
    ReceiptItem,
    ReceiptTotal,
    format_fen,
    layout,
    two_columns,
)


def test_zero_and_one_fen_have_no_minus_sign() -> None:
    assert format_fen(0) == f"{FULLWIDTH_YEN}0.00"
    assert format_fen(1) == f"{FULLWIDTH_YEN}0.01"
    assert format_fen(-1) == f"-{FULLWIDTH_YEN}0.01"


def test_an_amount_stays_on_the_name_line_while_two_cells_and_a_space_fit_beside_it() -> None:
    amount = format_fen(100)  # "￥1.00": six cells (the yen sign is full width)
    assert two_columns("ab", amount, 9) == [f"ab {amount}"]
    assert two_columns("药品", amount, 9) == [f"药 {amount}", "品"]
    # No room: the amount goes whole onto its own line (this once raised "width must be at least 2").
    assert two_columns("ab", amount, 8) == ["ab", amount]


@pytest.mark.parametrize("bad", [1.5, "100", None, True])
def test_amounts_must_be_integer_fen(bad: object) -> None:
    kind = type(bad).__name__
    with pytest.raises(TypeError, match=rf"^amount_fen must be integer fen, not {kind}$"):
        ReceiptItem("药", bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=rf"^amount_fen must be integer fen, not {kind}$"):
        ReceiptTotal("合计", bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("quantity", [0, -1, 2.5, True])
def test_quantities_are_positive_whole_numbers(quantity: object) -> None:
    with pytest.raises(ValueError, match=r"^quantity must be a positive integer$"):
        ReceiptItem("药", 100, quantity)  # type: ignore[arg-type]


def test_the_reprint_note_heads_the_receipt_and_only_when_asked_for() -> None:
    receipt = Receipt(title="门诊缴费凭条", patient_masked="王**")
    assert layout(receipt, 48)[0] == Line("门诊缴费凭条", Align.CENTER, big=True)
    assert layout(receipt, 48, reprint_note="重打")[0] == Line("重打", Align.CENTER, bold=True)


def test_the_big_title_wraps_at_half_the_columns() -> None:
    lines = layout(Receipt(title="abcd", patient_masked="W**"), 5)  # double width: 2 cells a line
    assert lines[:2] == [Line("ab", Align.CENTER, big=True), Line("cd", Align.CENTER, big=True)]
