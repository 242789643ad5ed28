"""Voice from the first screen with natural phrasing, through the real kiosk (screens, HIS
simulator, payment sandbox, printer simulator) with the voice button.

No Chinese or English vosk model can be installed here, so recognition is replaced by the
intent layer on text: the FakeRecognizer of test_commands.py hands the sentence the test says to
the very table the voice button built for the screen (its grammar and parser). The real audio →
vosk path runs in tests/voice/test_asr.py with the Korean model."""

from __future__ import annotations

import re

from prometheus_client import generate_latest
from PySide6.QtWidgets import QApplication

from kiosk.app import Kiosk, build_kiosk
from kiosk.config import Config
from kiosk.devices.simulators.demo import PRINTER
from kiosk.devices.simulators.printer import PrinterSimulator
from kiosk.flows.events import FlowEvent, HomeRequested, LocaleChosen
from kiosk.flows.views import (
    GoodbyeView,
    HomeView,
    IdentifyView,
    KeypadView,
    ListItem,
    ListView,
    MessageView,
    QrPaymentView,
    Step,
    Text,
)
from kiosk.services import Services
from kiosk.ui.screenshot import SIZES, find_clipped, present
from kiosk.voice.commands import WEEKDAY_SOURCES
from tests.voice.conftest import FakeRecognizer, Voice

ZH_DAYS = "一二三四五六日"


def printed_text(kiosk: Kiosk, voice: Voice) -> str:
    printer = voice.hands.panel.hub.get(PRINTER, PrinterSimulator)
    return "\n".join("\n".join(page.text) for page in printer.cut_pages())


def test_home_to_a_printed_ticket_and_a_paid_bill_by_natural_speech_text_through_the_intent_layer(
    lobby: tuple[Kiosk, Voice, Services],
) -> None:
    """A 75-year-old's sentences, from the home screen: nothing but the ID card is touched."""
    kiosk, voice, services = lobby
    hands = voice.hands
    sandbox = services.payments.sandbox if services.payments is not None else None
    assert sandbox is not None
    kiosk.runner.post(LocaleChosen("zh_CN"))
    hands.wait_until(lambda: kiosk.translations.locale == "zh_CN", 5, "the language")
    hands.wait_for(HomeView)
    taps = len(hands.taps)

    voice.say("嗯，我要挂个号")  # the home screen: no tile is tapped
    hands.wait_for(IdentifyView)
    assert voice.control.button.isVisible()  # voice on the identify screen too
    hands.panel.insert_id_card(1)
    hands.wait_for(MessageView, where=lambda v: v.title.source == "Please confirm")
    voice.say("对，是我")
    tiles = hands.wait_for(ListView, where=lambda v: v.tiles)
    department = tiles.items[0].title.args[0]
    voice.say(f"我想挂{department}吧")
    voice.confirm_if_asked("对的")
    hands.wait_for(ListView, where=lambda v: v.step.index == 3)
    voice.say("第一个")  # 第一/第二/第三 sound alike: read back
    assert voice.confirm_if_asked("是的")
    times = hands.wait_for(ListView, where=lambda v: v.step.index == 4)
    first = times.items[0]
    day = ZH_DAYS[WEEKDAY_SOURCES.index(first.title.source)]
    hour = int(re.search(r" (\d\d):", first.title.args[0]).group(1))  # type: ignore[union-attr]
    part = "上午" if hour < 12 else "下午" if hour < 18 else "晚上"
    voice.say(f"礼拜{day}{part}那个")
    if voice.note().startswith("哪一个"):  # two sessions that day and part: the number then
        voice.say("第一个")
    voice.confirm_if_asked("对")
    hands.wait_for(MessageView, where=lambda v: v.title.source == "Please check your booking")
    voice.say("好，就挂这个")
    assert voice.control.question.isVisible()  # a booking that costs money: read back
    assert isinstance(hands.view, MessageView)
    assert hands.view.title.source == "Please check your booking"  # nothing booked yet
    voice.say("对对")
    qr = hands.wait_for(QrPaymentView, timeout=15)
    sandbox.orders.decide(qr.payload.rsplit("/", 1)[-1], approve=True)
    hands.wait_for(MessageView, timeout=20, where=lambda v: v.title.source == "You are registered")
    hands.wait_until(lambda: printed_text(kiosk, voice) != "", 10, "the ticket")  # printed
    voice.say("好了，谢谢")
    hands.wait_for(GoodbyeView)

    # Paying a bill: the same patient comes back.
    kiosk.runner.post(HomeRequested())
    hands.wait_for(HomeView)
    hands.panel.remove_id_card()
    hands.pump(800)
    voice.say("我来交钱")
    hands.wait_for(IdentifyView)
    hands.panel.insert_id_card(1)
    hands.wait_for(MessageView, where=lambda v: v.title.source == "Please confirm")
    voice.say("是我")
    bills = hands.wait_for(ListView, where=lambda v: v.step.service == "payment")
    assert all(item.selected for item in bills.items)
    voice.say("第一个")  # "the first one, yes": never removes bill 1 silently
    assert voice.control.question.isVisible()
    assert voice.control.question.said.text().startswith("您说：不交这一项")
    voice.say("再说一遍")  # the question stays and listens again
    assert voice.control.question.isVisible()
    voice.say("不是")
    assert not voice.control.question.isVisible()
    assert hands.view == bills  # still all selected
    voice.say("帮我付钱")
    assert voice.control.question.isVisible()
    voice.say("可以")
    qr = hands.wait_for(QrPaymentView, timeout=15)
    sandbox.orders.decide(qr.payload.rsplit("/", 1)[-1], approve=True)
    hands.wait_for(MessageView, timeout=20, where=lambda v: v.title.source == "Payment complete")
    voice.say("完成")
    hands.wait_for(GoodbyeView)
    assert [t.target for t in hands.taps[taps:]] == ["voice"] * len(hands.taps[taps:])  # no other touch


def test_english_from_home_with_carrier_words(lobby: tuple[Kiosk, Voice, Services]) -> None:
    kiosk, voice, _ = lobby
    hands = voice.hands
    kiosk.runner.post(LocaleChosen("en"))
    hands.wait_until(lambda: kiosk.translations.locale == "en", 5, "the language")
    hands.wait_for(HomeView)
    voice.say("um I'd like to pay my bill please")
    hands.wait_for(IdentifyView)
    hands.panel.insert_id_card(1)
    hands.wait_for(MessageView, where=lambda v: v.title.source == "Please confirm")
    voice.say("yes that's me")
    hands.wait_for(ListView, where=lambda v: v.step.service == "payment")
    voice.say("the first one")
    assert voice.control.question.isVisible()  # a toggle of a preselected bill is read back
    voice.say("no")
    voice.say("go back")  # no Back on the bills: the way back is the start, read back first
    assert voice.control.question.isVisible()
    voice.say("yes")
    hands.wait_for(HomeView)


def test_the_keypad_takes_a_number_said_digit_by_digit_after_a_read_back(
    lobby: tuple[Kiosk, Voice, Services],
) -> None:
    kiosk, voice, _ = lobby
    hands = voice.hands
    kiosk.runner.post(LocaleChosen("zh_CN"))
    hands.wait_for(HomeView)
    voice.say("签到")
    hands.wait_for(IdentifyView)
    voice.say("我自己输卡号")
    hands.wait_for(KeypadView)
    assert voice.control.button.isVisible()
    voice.say("二零二四 零零零幺")  # "幺" for 1, as numbers are read out in China
    assert voice.control.question.isVisible()
    assert voice.control.question.said.text() == "您说：卡号 2 0 2 4 0 0 0 1"
    voice.say("对")
    hands.wait_until(lambda: not isinstance(hands.view, KeypadView), 10, "the number submitted")
    assert hands.view is not None
    assert not isinstance(hands.view, IdentifyView)


def test_more_time_by_voice_on_the_idle_warning(lobby: tuple[Kiosk, Voice, Services]) -> None:
    kiosk, voice, _ = lobby
    hands = voice.hands
    kiosk.runner.post(LocaleChosen("zh_CN"))
    hands.wait_for(HomeView)
    voice.say("我要交费")
    hands.wait_for(IdentifyView)
    from kiosk.flows.views import IdleWarningView

    warning = IdleWarningView(deadline=kiosk.runner.chart.clock.now() + 20, extensions_left=3)
    kiosk.window.show_overlay(warning)
    hands.qapp.processEvents()
    assert voice.control.button.isVisible()
    assert voice.control.button.window() is kiosk.window
    card = kiosk.window.overlay.more_button.parentWidget()
    assert card is not None
    assert card.isAncestorOf(voice.control.button)
    posted: list[object] = []
    voice.control._post = posted.append  # type: ignore[method-assign]  # what voice posts, not the chart
    voice.say("等一下，我还在")
    from kiosk.flows.events import MoreTimeRequested

    assert MoreTimeRequested() in posted
    kiosk.window.show_overlay(None)
    hands.qapp.processEvents()
    assert not card.isAncestorOf(voice.control.button)  # back on the screen below
    assert voice.control.button.isVisible()


def test_voice_metrics_count_outcomes_per_screen_and_never_what_was_said(lobby: tuple[Kiosk, Voice, Services]) -> None:
    kiosk, voice, _ = lobby
    hands = voice.hands
    assert kiosk.ops is not None
    metrics = kiosk.ops.metrics
    kiosk.runner.post(LocaleChosen("zh_CN"))
    hands.wait_for(HomeView)

    def count(screen: str, outcome: str) -> float:
        value = metrics.registry.get_sample_value(
            "kiosk_voice_utterances_total", {"screen": screen, "outcome": outcome}
        )
        return value or 0.0

    voice.say("今天天气怎么样")  # not understood
    voice.say(None)  # nothing heard
    voice.say("我要交钱")  # understood
    hands.wait_for(IdentifyView)
    assert count("HomeView", "not_understood") == 1
    assert count("HomeView", "nothing_heard") == 1
    assert count("HomeView", "understood") == 1
    hands.panel.insert_id_card(1)
    hands.wait_for(MessageView, where=lambda v: v.title.source == "Please confirm")
    voice.say("是我")
    hands.wait_for(ListView, where=lambda v: v.step.service == "payment")
    voice.say("付钱")
    voice.say("不要")  # the read-back refused
    assert count("payment.ListView", "readback_refused") == 1
    exposition = generate_latest(metrics.registry).decode()
    for said in ("天气", "交钱", "付钱", "是我"):
        assert said not in exposition  # never what was said


def test_the_voice_button_on_the_home_screen_and_the_idle_warning_clips_no_text(
    qapp: QApplication, demo_config: Config
) -> None:
    """The home screen has no footer: the button gets a strip below it in landscape, a place
    beside the switches in portrait; on the idle warning it is on the card. In both orientations,
    languages and modes nothing's text is clipped by it."""
    kiosk = build_kiosk(demo_config, qapp)
    kiosk.start(fullscreen=False, hide_cursor=False)
    try:
        control = kiosk.voice
        assert control is not None
        home = HomeView(("registration", "checkin", "payment", "reports"))
        for screen in ("home", "idle_warning"):
            for size in SIZES.values():
                for locale in ("zh_CN", "en"):
                    for elderly in (False, True):
                        where = f"{screen} {size} {locale} elderly={elderly}"
                        control.set_recognizers({}, lambda: None)  # type: ignore[arg-type, return-value]
                        present(kiosk, screen, locale, elderly, size)
                        kiosk.window.show_view(home)
                        qapp.processEvents()
                        without = {c.text for c in find_clipped(kiosk.window)}
                        control.set_recognizers(
                            {"zh_CN": FakeRecognizer("zh_CN"), "en": FakeRecognizer("en")},  # type: ignore[dict-item]
                            lambda: None,  # type: ignore[arg-type, return-value]
                        )
                        for _ in range(3):
                            qapp.processEvents()
                        assert control.button.isVisible(), where
                        assert control.button.height() >= 81, where
                        added = {c.text for c in find_clipped(kiosk.window)} - without
                        assert added == set(), where
    finally:
        kiosk.stop()


def test_two_rows_that_fit_are_asked_about_and_nothing_is_posted(lobby: tuple[Kiosk, Voice, Services]) -> None:
    kiosk, voice, _ = lobby
    hands = voice.hands
    kiosk.runner.post(LocaleChosen("zh_CN"))
    hands.wait_until(lambda: kiosk.translations.locale == "zh_CN", 5, "the language")
    times = ListView(
        Step("registration", 4, 7),
        Text("Choose a time"),
        items=(
            ListItem("t1", Text("Thu %1", ("2026-12-10 08:00–12:00",))),
            ListItem("t2", Text("Thu %1", ("2026-12-10 14:00–17:30",))),
        ),
    )
    kiosk.window.show_view(times)
    hands.qapp.processEvents()
    posted: list[object] = []
    voice.control._post = posted.append  # type: ignore[method-assign]  # what voice posts, not the chart
    voice.say("礼拜四")
    assert voice.note().startswith("哪一个？")
    assert [p for p in posted if isinstance(p, FlowEvent)] == []
    voice.say("礼拜四下午")
    assert FlowEvent("pick", "t2") in posted
