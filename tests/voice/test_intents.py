"""The defects of issue 17, one test each: what a 75-year-old Mandarin speaker says, screen by
screen, through the intent layer (kiosk.voice.commands / intents / soundalike)."""

from __future__ import annotations

import pytest

from kiosk.flows.events import FlowEvent, HomeRequested, MoreTimeRequested, ServiceChosen
from kiosk.flows.views import (
    Action,
    HomeView,
    IdentifyView,
    IdleWarningView,
    KeypadView,
    ListItem,
    ListView,
    MessageView,
    QrPaymentView,
    Step,
    Text,
)
from kiosk.voice.commands import Command, Conversation, Kind, Reply, screen_commands
from kiosk.voice.intents import IntentTable
from kiosk.voice.soundalike import sound_alike

ZH = {
    "Confirm and pay": "确认并支付",
    "Pay %1": "支付 %1",
    "Search by pinyin": "拼音搜索",
    "Done": "完成",
    "Yes, that is me": "是我本人",
    "No": "不是",
    "Try again": "再试一次",
    "Cancel payment": "取消支付",
    "Tue %1": "周二 %1",
    "Wed %1": "周三 %1",
    "Thu %1": "周四 %1",
    "Today": "今天",
    "%1 · %2": "%1 · %2",
    "Leave out: %1": "不交这一项：%1",
    "Go back to the start": "回到首页",
    "Card number %1": "卡号 %1",
    "OK": "确定",
}


def zh(text: Text) -> str:
    result = ZH.get(text.source, text.source)
    for index, arg in enumerate(text.args, start=1):
        result = result.replace(f"%{index}", arg)
    return result


def en(text: Text) -> str:
    result = text.source
    for index, arg in enumerate(text.args, start=1):
        result = result.replace(f"%{index}", arg)
    return result


def event(table: IntentTable, said: str) -> object:
    command = table.match(said)
    return command.event if command is not None else None


HOME = HomeView(("registration", "checkin", "payment", "reports"))
DEPARTMENTS = ListView(
    Step("registration", 2, 7),
    Text("Choose a department"),
    (Action("search", Text("Search by pinyin")),),
    can_go_back=False,
    items=tuple(ListItem(f"d{i}", Text("%1", (n,))) for i, n in enumerate(("内科", "外科", "儿科", "眼科"))),
    tiles=True,
)
CONFIRM_ME = MessageView(
    Step("registration", 1, 7),
    Text("Please confirm"),
    (Action("yes", Text("Yes, that is me"), primary=True), Action("no", Text("No"))),
    can_go_back=False,
)
BOOKING = MessageView(
    Step("registration", 5, 7),
    Text("Please check your booking"),
    (Action("confirm", Text("Confirm and pay"), primary=True),),
)
BILLS = ListView(
    Step("payment", 2, 4),
    Text("Choose the bills to pay"),
    (Action("pay", Text("Pay %1", ("¥23.50",)), primary=True),),
    items=(
        ListItem("b1", Text("%1 · %2", ("2026-11-23", "内科")), selected=True),
        ListItem("b2", Text("%1 · %2", ("2026-11-25", "放射科")), selected=True),
    ),
    multi=True,
    can_go_back=False,
)
TIMES = ListView(
    Step("registration", 4, 7),
    Text("Choose a time"),
    items=(
        ListItem("t1", Text("Tue %1", ("2026-12-08 08:00–12:00",)), badge=Text("Today")),
        ListItem("t2", Text("Wed %1", ("2026-12-09 08:00–12:00",))),
        ListItem("t3", Text("Thu %1", ("2026-12-10 08:00–12:00",))),
        ListItem("t4", Text("Thu %1", ("2026-12-10 14:00–17:30",))),
    ),
)
QR = QrPaymentView(
    Step("payment", 3, 4), Text("Scan to pay"), (Action("cancel", Text("Cancel payment")),), can_go_back=False
)


def test_voice_works_on_the_home_screen_where_a_visit_starts() -> None:
    table = screen_commands(HOME, "zh_CN", zh)
    for said, service in {
        "我要挂号": "registration",
        "挂号": "registration",
        "帮我挂个号": "registration",
        "我想看病": "registration",
        "缴费": "payment",
        "交钱": "payment",
        "我来交钱的": "payment",
        "打印报告": "reports",
        "我拿报告": "reports",
        "签到": "checkin",
    }.items():
        assert event(table, said) == ServiceChosen(service), said
    english = screen_commands(HOME, "en", en)
    assert event(english, "I want to pay my bill") == ServiceChosen("payment")
    assert event(english, "I'd like to see a doctor please") == ServiceChosen("registration")


def test_carrier_phrases_and_words_outside_the_grammar_around_an_intent() -> None:
    table = screen_commands(DEPARTMENTS, "zh_CN", zh)
    for said in (
        "挂内科",
        "看内科",
        "我要挂内科",
        "我想看内科",
        "帮我挂个内科吧",
        "内科",
        "我 要 [unk] 挂 内科",
        "内科 [unk]",
    ):
        assert event(table, said) == FlowEvent("pick", "d0"), said
    confirm = screen_commands(CONFIRM_ME, "zh_CN", zh)
    for said in ("是我", "对，是我", "是我本人", "嗯对"):
        assert event(confirm, said) == FlowEvent("yes"), said
    for said in ("不是我", "不是"):
        assert event(confirm, said) == FlowEvent("no"), said
    booking = screen_commands(BOOKING, "zh_CN", zh)
    for said in ("不要了", "算了", "取消"):
        assert event(booking, said) == HomeRequested(), said
    bills = screen_commands(BILLS, "zh_CN", zh)
    for said in ("付钱", "交钱", "帮我付钱", "都交了"):
        command = bills.match(said)
        assert command is not None, said
        assert (command.event, command.confirm) == (FlowEvent("pay"), True), said
    for said in ("听不清", "再说一遍", "没听清"):
        repeat = table.match(said)
        assert repeat is not None, said
        assert repeat.kind is Kind.REPEAT, said
    retry = MessageView(Step("reports", 2, 3), Text("x"), (Action("retry", Text("Try again"), primary=True),))
    assert event(screen_commands(retry, "zh_CN", zh), "再试一次") == FlowEvent("retry")


def test_a_negation_or_a_department_not_on_screen_is_never_taken_as_the_choice() -> None:
    table = screen_commands(DEPARTMENTS, "zh_CN", zh)
    for said in ("我不看内科", "别挂内科", "神经内科", "第一个 不是", "二楼在哪里"):
        assert table.match(said) is None, said
    assert screen_commands(HOME, "zh_CN", zh).match("我不要挂号") is None


def test_a_preselected_bill_is_never_toggled_by_an_ordinal_without_read_back() -> None:
    table = screen_commands(BILLS, "zh_CN", zh)
    for said in ("第一个", "一", "第一", "内科"):
        command = table.match(said)
        assert command is not None, said
        assert command.event == FlowEvent("pick", "b1"), said
        assert command.confirm, said  # "the first one, yes" must not silently remove bill 1
        assert command.label == "不交这一项：2026-11-23 · 内科"
    conversation = Conversation()
    first = table.match("第一个")
    assert first is not None
    assert conversation.heard(first) == Reply(ask=first)
    assert conversation.answer(False) == Reply(kind=Kind.NO)


def test_days_and_parts_of_day_pick_their_row_and_titles_never_become_digit_phrases() -> None:
    table = screen_commands(TIMES, "zh_CN", zh)
    for said in ("周二", "星期二", "礼拜二", "今天", "我要今天的", "礼拜二上午"):
        assert event(table, said) == FlowEvent("pick", "t1"), said
    assert event(table, "二") == FlowEvent("pick", "t2")  # a bare number is the row's number
    for said in ("周四下午", "星期四下午", "下午"):
        assert event(table, said) == FlowEvent("pick", "t4"), said
    which = table.match("周四")  # two Thursday sessions: asked which one, nothing posted
    assert which is not None
    assert (which.kind, which.event) == (Kind.CLARIFY, None)
    assert "周四 2026-12-10 08:00–12:00" in which.label
    assert event(table, "周四上午") == FlowEvent("pick", "t3")
    for phrase in table.phrases:
        assert not any(ch.isdigit() for ch in phrase) or phrase.strip().isdigit(), phrase
    english = screen_commands(TIMES, "en", en)
    assert event(english, "tuesday") == FlowEvent("pick", "t1")
    assert event(english, "thursday afternoon please") == FlowEvent("pick", "t4")
    assert event(english, "today") == FlowEvent("pick", "t1")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("内科", "外科"),
        ("二号", "儿科"),
        ("侯平", "后退"),
        ("第二", "第三"),
        ("第三", "第四"),
        ("是", "四"),
        ("四", "十"),
    ],
)
def test_the_sound_alike_pairs_of_the_issue_sound_alike(a: str, b: str) -> None:
    assert sound_alike(a, b)


def test_distinct_words_are_not_sound_alikes() -> None:
    for a, b in (("内科", "儿科"), ("挂号", "缴费"), ("王建国", "李芳"), ("眼科", "骨科")):
        assert not sound_alike(a, b), (a, b)


def test_sound_alikes_on_one_screen_are_read_back() -> None:
    table = screen_commands(DEPARTMENTS, "zh_CN", zh)
    for said in ("内科", "外科", "儿科", "二号"):
        command = table.match(said)
        assert command is not None, said
        assert (command.confirm, command.why) == (True, "soundalike"), said
    eye = table.match("眼科")  # 眼科 sounds like no other choice here: at once
    assert eye is not None
    assert not eye.confirm
    doctors = ListView(
        Step("registration", 3, 7),
        Text("Choose a doctor"),
        items=(ListItem("h", Text("%1", ("侯平 主治医师",))), ListItem("w", Text("%1", ("王建国 主任医师",)))),
    )
    table = screen_commands(doctors, "zh_CN", zh)
    for said in ("侯平", "后退"):
        command = table.match(said)
        assert command is not None, said
        assert command.confirm, said
    pay = screen_commands(
        ListView(
            Step("payment", 2, 4),
            Text("Bills"),
            (Action("print", Text("Print"), primary=True),),
            items=tuple(ListItem(f"r{i}", Text("%1", (f"报告{i}",))) for i in range(4)),
        ),
        "zh_CN",
        zh,
    )
    yes, four = pay.match("是"), pay.match("四")  # 是 (print) and 四 (row 4) for southern speakers
    assert yes is not None
    assert yes.confirm
    assert four is not None
    assert four.confirm


def test_cancel_means_the_same_by_voice_and_on_screen() -> None:
    table = screen_commands(QR, "zh_CN", zh)
    for said in ("取消", "取消支付", "不付了"):
        assert event(table, said) == FlowEvent("cancel"), said  # as the screen's 取消支付 button
    assert event(table, "回首页") == HomeRequested()  # as the Home button


def test_back_works_wherever_there_is_a_way_back() -> None:
    table = screen_commands(DEPARTMENTS, "zh_CN", zh)  # no Back button: the way back is the start
    for said in ("回去", "返回", "上一步"):
        command = table.match(said)
        assert command is not None, said
        assert (command.event, command.confirm) == (HomeRequested(), True), said
    doctors = ListView(
        Step("registration", 3, 7), Text("Choose a doctor"), items=(ListItem("x", Text("%1", ("张伟",))),)
    )
    assert event(screen_commands(doctors, "zh_CN", zh), "回去") == FlowEvent("back")
    # "不要" where there is no No button: as back, not ignored
    assert event(screen_commands(doctors, "zh_CN", zh), "不要") == FlowEvent("back")


def test_more_time_on_the_idle_warning() -> None:
    table = screen_commands(IdleWarningView(deadline=0.0, extensions_left=3), "zh_CN", zh)
    for said in ("我还在", "等一下", "再等等", "还没好", "在", "是"):
        assert event(table, said) == MoreTimeRequested(), said
    assert event(table, "不用了") == HomeRequested()
    english = screen_commands(IdleWarningView(deadline=0.0, extensions_left=3), "en", en)
    assert event(english, "I'm still here") == MoreTimeRequested()
    assert screen_commands(IdleWarningView(deadline=0.0, extensions_left=0), "zh_CN", zh).match("等一下") is None


def test_the_identify_screen_and_the_keypad_by_voice() -> None:
    identify = IdentifyView(
        Step("registration", 1, 7), Text("Who are you?"), ways=("id_card", "keypad"), can_go_back=False
    )
    assert event(screen_commands(identify, "zh_CN", zh), "我自己输卡号") == FlowEvent("keypad")
    keypad = KeypadView(Step("registration", 1, 7), Text("Visit card number"), digits="99")
    table = screen_commands(keypad, "zh_CN", zh)
    command = table.match("二零二四零零零幺")
    assert command is not None
    assert (command.kind, command.confirm) == (Kind.DIGITS, True)  # read back first
    assert command.label == "卡号 2 0 2 4 0 0 0 1"
    posted = (command.event, *command.then)
    assert posted == (
        FlowEvent("delete"),
        FlowEvent("delete"),  # what was typed goes first
        *(FlowEvent("digit", d) for d in "20240001"),
        FlowEvent("submit"),
    )
    assert event(table, "删除") == FlowEvent("delete")
    english = screen_commands(keypad, "en", en).match("two zero two four oh oh oh one")
    assert english is not None
    assert english.label == "Card number 2 0 2 4 0 0 0 1"


def test_the_grammar_holds_only_the_screen_s_words() -> None:
    table = screen_commands(DEPARTMENTS, "zh_CN", zh)
    phrases = set(table.phrases)
    assert {"内科", "挂", "我要", "第一个", "回去"} <= phrases
    assert "缴费" not in phrases
    assert "心血管内科" not in phrases
    assert isinstance(table.match("内科"), Command)


def test_a_report_is_said_by_its_short_name() -> None:
    reports = ListView(
        Step("reports", 2, 3),
        Text("Reports"),
        (Action("print", Text("Print"), primary=True),),
        items=(ListItem("l1", Text("%1", ("血常规检验报告",))), ListItem("l2", Text("%1", ("肝功能检验报告",)))),
        multi=True,
    )
    table = screen_commands(reports, "zh_CN", zh)
    for said, row in (("血常规", "l1"), ("肝功能的", "l2"), ("肝功能检验报告", "l2")):
        assert event(table, said) == FlowEvent("pick", row), said


def test_asking_about_a_card_on_the_identify_screen_repeats_how_to_identify() -> None:
    identify = IdentifyView(Step("payment", 1, 4), Text("Who are you?"), ways=("id_card", "qr"), can_go_back=False)
    table = screen_commands(identify, "zh_CN", zh)
    for said in ("身份证放哪", "刷身份证", "医保卡怎么刷"):
        command = table.match(said)
        assert command is not None, said
        assert (command.kind, command.event) == (Kind.REPEAT, None), said  # the prompt says how; nothing posted
    assert table.match("我自己输卡号") is None  # no keypad on this kiosk
