"""The evaluation set (tests/voice/eval/*.yaml) through the intent layer: what patients say on
each screen, as the recogniser's text would be. Goals: at least 95 % understood, no wrong
action, every utterance that must be rejected rejected. ``bench/voice.py --eval`` prints the
same figures per screen."""

from __future__ import annotations

import pytest

from kiosk.voice.evaluation import evaluate, load

SIZES = {"zh_CN": 300, "en": 150}


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_evaluation_set_is_understood_without_a_wrong_action(locale: str) -> None:
    report = evaluate(locale)
    assert len(report.results) >= SIZES[locale]
    assert len(report.rejections) >= 15  # utterances that must do nothing are part of the set
    wrong = [(r.case.screen, r.case.said, r.case.expected, r.got) for r in report.wrong]
    assert wrong == []
    assert report.understood >= 0.95, [(r.case.screen, r.case.said) for r in report.commands if not r.understood]
    assert all(not r.wrong for r in report.rejections)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_screen_of_the_set_has_cases_and_every_case_a_screen(locale: str) -> None:
    screens, cases, _ = load(locale)
    assert {c.screen for c in cases} == set(screens)
    for name in ("home", "identify", "keypad", "idle", "bills", "times", "qr"):
        assert name in screens, name  # where a visit starts, the idle warning, money and time


def test_a_choice_that_spends_money_or_toggles_a_bill_is_read_back_in_the_set() -> None:
    report = evaluate("zh_CN")
    for result in report.results:
        if (
            result.case.screen == "bills"
            and result.understood
            and (result.got == "pay" or result.got.startswith("pick"))
        ):
            assert result.read_back, result.case.said  # pay or a toggle: never at once
        if result.case.screen == "booking" and result.got == "confirm":
            assert result.read_back, result.case.said
