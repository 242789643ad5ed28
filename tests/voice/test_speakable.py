"""Numbers are spoken as people say them, in both languages: amounts in 元/角/分 and yuan, dates
and times with their words, codes digit by digit, queue numbers as 第十二号 / number twelve."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.voice.speakable import (
    amount_en,
    amount_zh,
    date_en,
    date_zh,
    digits_en,
    digits_zh,
    normalise,
    number_en,
    number_zh,
    ordinal_en,
    queue_en,
    queue_zh,
    time_en,
    time_zh,
)


@pytest.mark.parametrize(
    ("n", "zh", "en"),
    [
        (0, "零", "zero"),
        (10, "十", "ten"),
        (12, "十二", "twelve"),
        (105, "一百零五", "one hundred five"),
        (225, "二百二十五", "two hundred twenty-five"),
        (1005, "一千零五", "one thousand five"),
        (10_005, "一万零五", "ten thousand five"),
        (20_030, "二万零三十", "twenty thousand thirty"),
        (99_999, "九万九千九百九十九", "ninety-nine thousand nine hundred ninety-nine"),
        (110_000, "十一万", "one hundred ten thousand"),
        (100_200_000, "一亿零二十万", "one hundred million two hundred thousand"),
    ],
)
def test_numbers(n: int, zh: str, en: str) -> None:
    assert number_zh(n) == zh
    assert number_en(n) == en


@pytest.mark.parametrize(
    ("fen", "zh", "en"),
    [
        (23_100, "二百三十一元", "two hundred thirty-one yuan"),
        (3_000, "三十元", "thirty yuan"),
        (2_350, "二十三元五角", "twenty-three yuan fifty fen"),
        (505, "五元零五分", "five yuan five fen"),
        (80, "八角", "eighty fen"),
        (0, "零元", "zero yuan"),
        (
            9_999_999,
            "九万九千九百九十九元九角九分",
            "ninety-nine thousand nine hundred ninety-nine yuan ninety-nine fen",
        ),
    ],
)
def test_amounts(fen: int, zh: str, en: str) -> None:
    assert amount_zh(fen) == zh
    assert amount_en(fen) == en


@pytest.mark.parametrize(
    ("hour", "minute", "zh", "en"),
    [
        (8, 0, "上午八点", "eight a.m."),
        (14, 30, "下午两点半", "two thirty p.m."),
        (9, 5, "上午九点零五分", "nine oh five a.m."),
        (12, 0, "中午十二点", "twelve noon"),
        (19, 45, "晚上七点四十五分", "seven forty-five p.m."),
        (17, 0, "下午五点", "five p.m."),
    ],
)
def test_times(hour: int, minute: int, zh: str, en: str) -> None:
    assert time_zh(hour, minute) == zh
    assert time_en(hour, minute) == en


def test_dates_say_the_year_only_when_it_is_not_this_year() -> None:
    assert date_zh(date(2026, 12, 8)) == "十二月八日"
    assert date_en(date(2026, 12, 8)) == "December eighth"
    assert date_zh(date(2026, 12, 8), today=date(2026, 12, 1)) == "十二月八日"
    assert date_zh(date(2025, 1, 31), today=date(2026, 12, 1)) == "二零二五年一月三十一日"
    assert date_en(date(2025, 1, 31), today=date(2026, 12, 1)) == "January thirty-first, twenty twenty-five"
    assert [ordinal_en(n) for n in (1, 2, 3, 11, 12, 20, 22, 30)] == [
        "first",
        "second",
        "third",
        "eleventh",
        "twelfth",
        "twentieth",
        "twenty-second",
        "thirtieth",
    ]


def test_codes_digit_by_digit_and_queue_numbers() -> None:
    assert digits_zh("20261208000001") == "二零二六一二零八零零零零零一"
    assert digits_en("2026") == "two zero two six"
    assert queue_zh("12") == "第十二号"
    assert queue_zh("A012") == "第A零一二号"
    assert queue_en("12") == "number twelve"
    assert queue_en("A012") == "number A zero one two"


def test_a_whole_chinese_prompt() -> None:
    spoken = normalise("周二 2026-12-08 08:00–08:30，余225个号，挂号费¥30.00。票据号20261208000001，共30.00元", True)
    assert spoken == (
        "周二 十二月八日 上午八点到八点半，余二百二十五个号，挂号费三十元。票据号二零二六一二零八零零零零零一，共三十元"
    )
    assert not any(c.isdigit() for c in spoken)


def test_a_whole_english_prompt() -> None:
    spoken = normalise("Tue 2026-12-08 14:00–17:00 · 12 places left · fee ¥99,999.99. Receipt 20261208000001", False)
    assert spoken == (
        "Tue December eighth two p.m. to five p.m. · twelve places left · fee ninety-nine thousand nine hundred"
        " ninety-nine yuan ninety-nine fen. Receipt two zero two six one two zero eight zero zero zero zero zero one"
    )
    assert not any(c.isdigit() for c in spoken)


def test_leading_zero_and_lettered_codes_are_codes_not_counts() -> None:
    assert normalise("A012", False) == "A zero one two"
    assert normalise("07", True) == "零七"
    assert normalise("7", True) == "七"
    assert normalise("123456", False) == "one two three four five six"
