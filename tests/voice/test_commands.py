"""Voice commands in Chinese and English: the phrase tables built from what is on screen, the
question before a booking or a payment, and a patient who registers and pays by voice alone
after identification, through the real kiosk (screens, HIS simulator, payment sandbox) with the
voice button and a recogniser that hears the phrases the test says (no Chinese or English vosk
model can be installed here; tests/voice/test_asr.py runs the real recogniser on Korean)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from kiosk.app import Kiosk, build_kiosk
from kiosk.config import Config
from kiosk.flows.events import FlowEvent, HomeRequested, LocaleChosen
from kiosk.flows.views import (
    Action,
    GoodbyeView,
    HomeView,
    IdentifyView,
    ListItem,
    ListView,
    MessageView,
    QrPaymentView,
    SearchView,
    Step,
    Text,
)
from kiosk.services import Services
from kiosk.ui.screenshot import SCREENS, SIZES, find_clipped, present
from kiosk.voice.commands import (
    Command,
    CommandTable,
    Conversation,
    Kind,
    Reply,
    canonical,
    confirmation_commands,
    screen_commands,
)
from tests.voice.conftest import FakeRecognizer, Voice


def plain(text: Text) -> str:
    result = text.source
    for index, arg in enumerate(text.args, start=1):
        result = result.replace(f"%{index}", arg)
    return result


ZH = {"Confirm and pay": "确认并支付", "Pay %1": "支付 %1", "Search by pinyin": "拼音搜索", "Done": "完成"}


def chinese(text: Text) -> str:
    return plain(Text(ZH.get(text.source, text.source), text.args))


DEPARTMENTS = ListView(
    Step("registration", 2, 7),
    Text("Choose a department"),
    (Action("search", Text("Search by pinyin")),),
    can_go_back=False,
    items=tuple(ListItem(f"d{i}", Text("%1", (n,))) for i, n in enumerate(("内科", "心血管内科", "儿科"))),
    pages=2,
    tiles=True,
)
DOCTORS = ListView(
    Step("registration", 3, 7),
    Text("Choose a doctor · %1", ("内科",)),
    items=(
        ListItem("dr1", Text("%1", ("王建国 主任医师",))),
        ListItem("dr2", Text("%1", ("李芳 主治医师",))),
        ListItem("-", Text("General clinic")),
    ),
    page=1,
    pages=2,
)
CONFIRM = MessageView(
    Step("registration", 5, 7),
    Text("Please check your booking"),
    (Action("confirm", Text("Confirm and pay"), primary=True),),
)
BILLS = ListView(
    Step("payment", 2, 4),
    Text("Choose the bills to pay"),
    (Action("pay", Text("Pay %1", ("¥23.50",)), primary=True),),
    items=(ListItem("b1", Text("%1", ("2026-11-23 内科",)), selected=True),),
    multi=True,
    can_go_back=False,
)


def event(table: CommandTable, said: str) -> object:
    command = table.match(said)
    return command.event if command is not None else None


# -- the phrase tables -----------------------------------------------------------------------------


def test_chinese_rows_by_name_and_number_and_the_general_words() -> None:
    table = screen_commands(DEPARTMENTS, "zh_CN", chinese)
    assert event(table, "内科") == FlowEvent("pick", "d0")
    assert event(table, "心血管 内科") == FlowEvent("pick", "d1")  # vosk puts spaces between words
    for said in ("第二个", "第二", "二号", "二", "2"):
        assert event(table, said) == FlowEvent("pick", "d1"), said
    assert event(table, "第四个") is None  # three rows on this page
    assert event(table, "拼音搜索") == FlowEvent("search")
    assert event(table, "下一页") == FlowEvent("page", 1)
    assert event(table, "上一页") is None  # the first page
    back = table.match("返回")  # no Back on the department tiles: the way back is the start, read back first
    assert back is not None
    assert (back.event, back.confirm) == (HomeRequested(), True)
    assert event(table, "取消") == HomeRequested()
    assert event(table, "是") is None  # no primary action to say yes to
    help_ = table.match("帮助")
    assert help_ is not None
    assert (help_.kind, help_.event) == (Kind.HELP, None)
    assert table.match("再说一遍") == Command(Kind.REPEAT, "repeat")
    assert "内科" in table.phrases
    assert "第一个" in table.phrases


def test_english_doctors_by_name_number_and_page() -> None:
    table = screen_commands(DOCTORS, "en", plain)
    assert event(table, "王建国") == FlowEvent("pick", "dr1")  # the name without the title
    assert event(table, "王建国 主任医师") == FlowEvent("pick", "dr1")
    assert event(table, "General clinic") == FlowEvent("pick", "-")
    assert event(table, "second") == FlowEvent("pick", "dr2")
    assert event(table, "number three") == FlowEvent("pick", "-")
    assert event(table, "previous page") == FlowEvent("page", -1)
    assert event(table, "next page") is None  # the last page
    assert event(table, "back") == FlowEvent("back")
    assert event(table, "Go back!") == FlowEvent("back")
    assert event(table, "home") == HomeRequested()


def test_a_booking_and_a_payment_are_read_back_first() -> None:
    confirm = screen_commands(CONFIRM, "zh_CN", chinese)
    for said in ("确认并支付", "是的", "好"):
        command = confirm.match(said)
        assert command is not None
        assert (command.event, command.confirm, command.label) == (FlowEvent("confirm"), True, "确认并支付")
    pay = screen_commands(BILLS, "en", plain)
    command = pay.match("pay")  # the label without its amount
    assert command is not None
    assert (command.event, command.confirm, command.label) == (FlowEvent("pay"), True, "Pay ¥23.50")
    assert event(pay, "first") == FlowEvent("pick", "b1")
    checkin = MessageView(Step("checkin", 3, 4), Text("No ticket"), (Action("no_ticket", Text("Check in anyway")),))
    anyway = screen_commands(checkin, "en", plain).match("check in anyway")
    assert anyway is not None
    assert not anyway.confirm  # checking in spends nothing


def test_the_question_takes_yes_or_no_by_voice_or_tap() -> None:
    conversation = Conversation()
    command = screen_commands(CONFIRM, "en", plain).match("confirm and pay")
    assert command is not None
    assert conversation.heard(command) == Reply(ask=command)
    question = conversation.commands(CONFIRM, "en", plain)
    assert set(question.phrases) >= {"yes", "no", "cancel", "back"}
    assert "confirm and pay" not in question.phrases  # only yes / no while asking
    yes = question.match("yes please")
    assert yes is not None
    assert conversation.heard(yes) == Reply(post=FlowEvent("confirm"))
    assert conversation.pending is None
    conversation.heard(command)
    no = conversation.commands(CONFIRM, "en", plain).match("cancel")
    assert no is not None
    assert conversation.heard(no) == Reply(kind=Kind.NO)
    conversation.heard(command)
    assert conversation.answer(True) == Reply(post=FlowEvent("confirm"))
    conversation.heard(command)
    assert conversation.answer(False) == Reply(kind=Kind.NO)
    assert conversation.answer(True) == Reply()  # no question stands
    assert confirmation_commands("zh_CN", command).match("是") is not None


def test_two_rows_with_the_same_name_are_said_by_number() -> None:
    view = ListView(
        Step("registration", 4, 7),
        Text("Choose a time"),
        items=(ListItem("s1", Text("General clinic")), ListItem("s2", Text("General clinic"))),
    )
    table = screen_commands(view, "en", plain)
    which = table.match("general clinic")  # two rows fit: asked which one, nothing posted
    assert which is not None
    assert (which.kind, which.event) == (Kind.CLARIFY, None)
    assert event(table, "second") == FlowEvent("pick", "s2")


def test_phrases_compare_without_case_punctuation_or_spaces_between_chinese() -> None:
    assert canonical("心血管 内科") == "心血管内科"
    assert canonical("Yes, that is me!") == "yes that is me"
    assert canonical("Pay %1") == "pay"
    assert canonical("Ｆｉｒｓｔ") == "first"
    assert canonical("内科（普通门诊）") == "内科"
    assert canonical("이 번") == "이 번"


def test_search_matches_and_disabled_rows() -> None:
    search = SearchView(
        Step("registration", 2, 7),
        Text("Search"),
        items=(ListItem("d1", Text("%1", ("内科",))), ListItem("d2", Text("%1", ("神经内科",)), enabled=False)),
    )
    table = screen_commands(search, "zh_CN", chinese)
    assert event(table, "内科") == FlowEvent("pick", "d1")
    assert event(table, "神经内科") is None  # a row that cannot be tapped cannot be said
    assert event(table, "第二个") is None
    assert event(table, "返回") == FlowEvent("back")


# -- through the real kiosk --------------------------------------------------------------------------


def _texts(kiosk: Kiosk) -> list[str]:
    window = kiosk.window
    return [w.text() for w in window.findChildren(QLabel)] + [w.text() for w in window.findChildren(QAbstractButton)]


SAID = {
    # locale: yes, the confirm button's label, done, pay's label without the amount, "first"
    "zh_CN": {"yes": "是", "confirm": "确认并支付", "done": "完成", "pay": "支付", "first": "第一个", "ok": "好的"},
    "en": {"yes": "yes", "confirm": "confirm and pay", "done": "done", "pay": "pay", "first": "first", "ok": "okay"},
}


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_register_and_pay_by_voice_alone_after_identification(
    lobby: tuple[Kiosk, Voice, Services], locale: str
) -> None:
    kiosk, voice, services = lobby
    hands, said = voice.hands, SAID[locale]
    sandbox = services.payments.sandbox if services.payments is not None else None
    assert sandbox is not None
    kiosk.runner.post(LocaleChosen(locale))
    hands.wait_until(lambda: kiosk.translations.locale == locale, 5, "the language")
    assert voice.control.button.isVisible()  # voice from the home screen on

    # Registration (挂号): identified by ID card, everything after it by voice.
    hands.choose("registration")
    hands.wait_for(IdentifyView)
    assert voice.control.button.isVisible()  # the keypad can be asked for by voice
    hands.panel.insert_id_card(1)
    hands.wait_for(MessageView, where=lambda v: v.title.source == "Please confirm")
    taps = len(hands.taps)
    voice.say(said["yes"])  # "Is this you?" — yes
    tiles = hands.wait_for(ListView, where=lambda v: v.tiles)
    department = tiles.items[0].title.args[0]
    voice.say(department if locale == "zh_CN" else said["first"])  # a Chinese name; English: its number
    voice.confirm_if_asked(said["yes"])  # a sound-alike on the page (内科 / 外科) is read back
    assert voice.note() in (f"您说：{department}", f"You said: {department}")
    hands.wait_for(ListView, where=lambda v: v.step.index == 3)
    voice.say(said["first"])
    voice.confirm_if_asked(said["yes"])  # 第一 / 第二 sound alike
    times = hands.wait_for(ListView, where=lambda v: v.step.index == 4)
    voice.say(said["first"])
    voice.confirm_if_asked(said["yes"])
    hands.wait_for(MessageView, where=lambda v: v.title.source == "Please check your booking")
    voice.say(said["confirm"])
    assert voice.control.question.isVisible()  # "You said: 确认并支付. Do you want to do this?"
    assert hands.view is not None
    assert isinstance(hands.view, MessageView)
    assert hands.view.title.source == "Please check your booking"  # nothing booked yet
    voice.say(said["yes"])  # it listened for the answer by itself
    assert not voice.control.question.isVisible()
    qr = hands.wait_for(QrPaymentView, timeout=15)
    sandbox.orders.decide(qr.payload.rsplit("/", 1)[-1], approve=True)  # the phone approves
    hands.wait_for(MessageView, timeout=20, where=lambda v: v.title.source == "You are registered")
    voice.say(said["done"])
    hands.wait_for(GoodbyeView)
    chosen = times.items[0].id
    assert chosen

    # Payment (缴费): the same patient, by voice after the card.
    kiosk.runner.post(HomeRequested())
    hands.wait_for(HomeView)
    hands.panel.remove_id_card()
    hands.pump(800)  # the reader polls every 0.3 s: the card is gone before the next patient
    kiosk.runner.post(LocaleChosen(locale))
    hands.choose("payment")
    hands.wait_for(IdentifyView)
    hands.panel.insert_id_card(1)
    hands.wait_for(MessageView, where=lambda v: v.title.source == "Please confirm")
    voice.say(said["yes"])
    bills = hands.wait_for(ListView, where=lambda v: v.step.service == "payment")
    assert bills.items
    voice.say(said["pay"])
    assert voice.control.question.isVisible()
    voice.say(said["ok"])
    qr = hands.wait_for(QrPaymentView, timeout=15)
    sandbox.orders.decide(qr.payload.rsplit("/", 1)[-1], approve=True)
    hands.wait_for(MessageView, timeout=20, where=lambda v: v.title.source == "Payment complete")
    voice.say(said["done"])
    hands.wait_for(GoodbyeView)

    assert [t.target for t in hands.taps[taps:]] == ["voice"] * len(hands.taps[taps:])  # no other touch
    kiosk.runner.post(HomeRequested())
    hands.wait_for(HomeView)
    hands.qapp.processEvents()
    assert not voice.note()
    assert [t for t in _texts(kiosk) if "李" in t or department in t] == []


def test_no_for_the_question_unknown_words_and_silence_post_nothing(lobby: tuple[Kiosk, Voice, Services]) -> None:
    kiosk, voice, _ = lobby
    hands = voice.hands
    kiosk.runner.post(LocaleChosen("en"))
    hands.choose("payment")
    hands.wait_for(IdentifyView)
    hands.panel.insert_id_card(1)
    hands.wait_for(MessageView, where=lambda v: v.title.source == "Please confirm")
    voice.say("yes")
    bills = hands.wait_for(ListView, where=lambda v: v.step.service == "payment")
    voice.say("pay")
    assert voice.control.question.isVisible()
    assert voice.control.question.said.text() == f"You said: Pay {bills.actions[0].label.args[0]}"  # the amount
    voice.say("no")
    assert not voice.control.question.isVisible()
    assert voice.note() == "Not done."
    voice.say("pay")
    hands.click(voice.control.question.no_button, "No")  # or a tap
    assert not voice.control.question.isVisible()
    voice.say("pay")
    voice.say("open sesame")  # not yes or no: the question listens once more by itself
    assert voice.control.question.isVisible()
    voice.say(None)
    assert voice.note() == "Please tap Yes or No."
    assert voice.recognizer.waiting is None
    hands.click(voice.control.question.no_button, "No")
    voice.say("open sesame")
    assert voice.note().startswith("Sorry, I did not understand")
    voice.say(None)
    assert voice.note().startswith("I heard nothing")
    voice.say("help")
    assert "Say the name or the number of a choice" in voice.note()
    assert hands.view == bills  # nothing was posted
    # The screen changes while listening: the late answer is dropped.
    hands.click(voice.control.button, "voice")
    assert voice.recognizer.waiting is not None
    kiosk.runner.post(HomeRequested())
    hands.wait_for(HomeView)
    assert voice.recognizer.waiting is None  # cancelled with the screen


def test_the_button_shows_only_with_a_model_a_microphone_and_choices(qapp: QApplication, demo_config: Config) -> None:
    kiosk = build_kiosk(demo_config, qapp)
    kiosk.start(fullscreen=False, hide_cursor=False)
    try:
        control = kiosk.voice
        assert control is not None
        present(kiosk, "departments", "zh_CN", False, SIZES["1920x1080"])
        assert not control.available  # no model configured in the demo
        assert not control.button.isVisible()
        assert not control.strip.isVisible()
        assert not control.note.isVisible()
        control.set_recognizers({"zh_CN": FakeRecognizer("zh_CN")}, lambda: None)  # type: ignore[dict-item, arg-type, return-value]
        assert control.button.isVisible()
        assert control.button.text() == "Tap to speak" or control.button.text() == "点击说话"
        for screen in ("busy", "goodbye"):
            present(kiosk, screen, "zh_CN", False, SIZES["1920x1080"])
            assert not control.button.isVisible(), screen
        for screen in ("identify", "keypad"):  # where a visit starts: voice too (home: the lobby tests)
            present(kiosk, screen, "zh_CN", False, SIZES["1920x1080"])
            assert control.button.isVisible(), screen
        present(kiosk, "departments", "en", False, SIZES["1920x1080"])
        assert not control.button.isVisible()  # no English model: no button, nothing said
        assert not control.note.isVisible()
    finally:
        kiosk.stop()


# The sample screens with choices (the others never show the button; the test checks that too).
CHOICE_SCREENS = [s for s in SCREENS if s not in ("idle_warning", "goodbye", "error", "busy")]


@pytest.mark.parametrize("size", list(SIZES))
def test_the_voice_button_covers_nothing_and_clips_no_text(qapp: QApplication, demo_config: Config, size: str) -> None:
    """On every flow screen with choices, both languages and modes: the button adds no clipped
    text that the screen without it does not have, overlaps no other button or text, and stays a
    finger's size."""
    kiosk = build_kiosk(demo_config, qapp)
    kiosk.start(fullscreen=False, hide_cursor=False)
    try:
        control = kiosk.voice
        assert control is not None
        for locale in ("zh_CN", "en"):
            for elderly in (False, True):
                for screen in CHOICE_SCREENS:
                    control.set_recognizers({}, lambda: None)  # type: ignore[arg-type, return-value]
                    present(kiosk, screen, locale, elderly, SIZES[size])
                    without = {c.text for c in find_clipped(kiosk.window)}
                    control.set_recognizers(
                        {"zh_CN": FakeRecognizer("zh_CN"), "en": FakeRecognizer("en")}, lambda: None
                    )  # type: ignore[arg-type, return-value, dict-item]
                    present(kiosk, screen, locale, elderly, SIZES[size])
                    where = f"{screen} {locale} elderly={elderly} {size}"
                    assert kiosk.window.size().toTuple() == SIZES[size], where
                    added = {c.text for c in find_clipped(kiosk.window)} - without
                    assert added == set(), where
                    button = control.button
                    if not button.isVisible():
                        continue
                    assert button.height() >= 81, where
                    assert find_clipped(button) == [] or button.sizeHint().width() <= button.width(), where
                    box = button.rect().translated(button.mapTo(kiosk.window, button.rect().topLeft()))
                    for other in kiosk.window.findChildren(QAbstractButton) + kiosk.window.findChildren(QLabel):
                        if other is button or not other.isVisibleTo(kiosk.window) or not other.text():
                            continue
                        if other is control.note or other.window() is not kiosk.window:
                            continue
                        rect = other.rect().translated(other.mapTo(kiosk.window, other.rect().topLeft()))
                        assert not box.intersects(rect), f"{where}: covers {other.text()!r}"
    finally:
        kiosk.stop()
