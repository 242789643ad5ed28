"""kiosk/domain.py at its edges: where a mask starts and ends, which names are Chinese, and
money in fen (the exact cases tests/mutation found untested; see ./dev mutate)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kiosk.domain import (
    Identifier,
    IdentifierKind,
    MaskKind,
    Patient,
    fen_from_decimal,
    format_fen,
    mask,
    split_chinese_name,
)


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        ("1234567", MaskKind.PHONE, "*******"),  # seven characters: nothing shown at all
        ("12345678", MaskKind.PHONE, "123*5678"),
        ("1234", MaskKind.CARD_NUMBER, "****"),
        ("12345", MaskKind.CARD_NUMBER, "*2345"),
        ("6222021234567890123", MaskKind.CARD_NUMBER, "********0123"),  # at most 8 stars
        ("123456789012", MaskKind.TOKEN, "********9012"),
    ],
)
def test_mask_lengths_at_their_limits(value: str, kind: MaskKind, shown: str) -> None:
    assert mask(value, kind) == shown


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("李 明", "李**"),  # a Chinese name with a space still hides the given name
        ("ann lee", "a** l**"),  # lower-case Latin names are not Chinese
        ("Zhang Wei", "Z**** W**"),
        # The first and last characters of the CJK blocks (with a space, which a Latin-style mask
        # would keep and so show the given name).
        ("\u3400 明", "\u3400**"),
        ("\u9fff 明", "\u9fff**"),
        ("\uf900 明", "\uf900**"),
        ("\ufaff 明", "\ufaff**"),
        ("\ua000 x", "\ua000 x"),  # just outside: a Latin-style mask word by word
    ],
)
def test_which_names_are_masked_as_chinese(name: str, shown: str) -> None:
    assert mask(name, MaskKind.NAME) == shown


def test_a_three_character_name_can_have_a_two_character_surname() -> None:
    assert split_chinese_name("欧阳娜") == ("欧阳", "娜")
    assert split_chinese_name("欧阳") == ("欧", "阳")  # two characters: surname and given name


def test_identifiers_and_patients_mask_themselves_by_kind() -> None:
    assert Identifier(IdentifierKind.RESIDENT_ID, "11010519491231002X").masked() == "110***********002X"
    assert Identifier(IdentifierKind.VISIT_CARD, "20240001").masked() == "****0001"
    assert Identifier(IdentifierKind.HEALTH_CARD_QR, "QR-TOKEN-ABCDEF").masked() == "********CDEF"
    assert Patient("p1", "王小明").masked_name == "王**"


def test_money_in_fen() -> None:
    assert format_fen(0) == "0.00"
    assert format_fen(1) == "0.01"
    assert format_fen(-1) == "-0.01"
    assert fen_from_decimal(Decimal("231.05")) == 23105
    with pytest.raises(ValueError, match=r"^amount is not a whole number of fen$"):
        fen_from_decimal(Decimal("0.001"))
    with pytest.raises(ValueError, match=r"^amount is not a whole number of fen$"):
        fen_from_decimal(Decimal("Infinity"))
    with pytest.raises(ValueError, match=r"^amount is not a number$"):
        fen_from_decimal(Decimal("sNaN"))
