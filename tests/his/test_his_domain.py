"""Domain helpers: masking, GB 11643 check characters, money in fen."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain import (
    Gender,
    Identifier,
    IdentifierKind,
    MaskKind,
    NewPatient,
    Patient,
    decimal_from_fen,
    fen_from_decimal,
    format_fen,
    is_valid_resident_id,
    mask,
    resident_id_check_char,
)


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        ("11010519491231002X", MaskKind.ID_NUMBER, "110***********002X"),
        ("13800138000", MaskKind.PHONE, "138****8000"),
        ("张三", MaskKind.NAME, "张*"),
        ("王小明", MaskKind.NAME, "王**"),
        ("欧阳娜娜", MaskKind.NAME, "欧阳**"),
        ("欧阳", MaskKind.NAME, "欧*"),
        ("John Smith", MaskKind.NAME, "J*** S****"),
        ("8800000001", MaskKind.CARD_NUMBER, "******0001"),
        ("1234", MaskKind.CARD_NUMBER, "****"),
        ("123456", MaskKind.ID_NUMBER, "******"),
        ("", MaskKind.NAME, ""),
    ],
)
def test_mask(value: str, kind: MaskKind, shown: str) -> None:
    assert mask(value, kind) == shown


@given(st.text(min_size=8, max_size=30).filter(lambda s: s.strip() == s))
def test_masked_id_numbers_hide_the_middle(value: str) -> None:
    masked = mask(value, MaskKind.ID_NUMBER)
    assert len(masked) == len(value)
    assert masked[:3] == value[:3]
    assert masked[-4:] == value[-4:]
    assert set(masked[3:-4]) == {"*"}


def test_gb11643_check_character() -> None:
    # The standard's own example: 11010519491231002X.
    assert resident_id_check_char("11010519491231002") == "X"
    assert is_valid_resident_id("11010519491231002X")
    assert is_valid_resident_id("11010519491231002x")
    assert not is_valid_resident_id("110105194912310021")
    assert not is_valid_resident_id("11010519491331002X")  # month 13
    assert not is_valid_resident_id("1101051949123100")
    with pytest.raises(ValueError, match="17"):
        resident_id_check_char("12345")


def test_identity_values_stay_out_of_repr() -> None:
    patient = Patient(
        "p1", "王小明", identifiers=(Identifier(IdentifierKind.RESIDENT_ID, "11010519491231002X"),), phone="13800138000"
    )
    card = NewPatient("王小明", Gender.MALE, date(1949, 12, 31), "11010519491231002X", phone="13800138000")
    for text in (repr(patient), repr(card)):
        assert "王小明" not in text
        assert "11010519491231002X" not in text
        assert "13800138000" not in text
    assert patient.identifier(IdentifierKind.RESIDENT_ID) is not None
    assert patient.identifier(IdentifierKind.VISIT_CARD) is None


def test_money_is_exact_fen() -> None:
    assert fen_from_decimal(Decimal("12.34")) == 1234
    assert fen_from_decimal(Decimal("12.3")) == 1230
    assert fen_from_decimal(Decimal(5)) == 500
    with pytest.raises(ValueError, match="fen"):
        fen_from_decimal(Decimal("0.005"))
    with pytest.raises(ValueError, match="fen"):
        fen_from_decimal(Decimal("NaN"))
    assert decimal_from_fen(1234) == Decimal("12.34")
    assert format_fen(1234) == "12.34"
    assert format_fen(5) == "0.05"
    assert format_fen(-150) == "-1.50"


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_fen_round_trip(fen: int) -> None:
    assert fen_from_decimal(decimal_from_fen(fen)) == fen
    assert fen_from_decimal(Decimal(format_fen(fen))) == fen
