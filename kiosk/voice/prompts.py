"""The spoken prompt of each screen, in the language the screens show. GUI thread only.

A prompt is built from the same translated texts the screen shows (the flows' texts through
``translate``, the screens' own texts in their contexts), so it always speaks the current
language. Texts that exist only for speech are in context "speech". What a listener cannot use
is turned into words here, never in the flows (kiosk/voice/speakable.py): "¥23.50" becomes
"二十三元五角" / "twenty-three yuan fifty fen", "2026-12-08 08:00" "十二月八日上午八点" /
"December eighth eight a.m.", a receipt number is read digit by digit, a queue number as
"第十二号"; a masked name "张*" is read as its surname, a masked number is not read at all.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication

from kiosk.config import LocalizedText
from kiosk.flows.views import (
    BusyView,
    ErrorView,
    FlowView,
    GoodbyeView,
    HomeView,
    IdentifyView,
    IdleWarningView,
    KeypadView,
    ListItem,
    ListView,
    MessageView,
    QrPaymentView,
    SearchView,
    Text,
    View,
)
from kiosk.ui.i18n import current_locale
from kiosk.ui.screens.flow import translate
from kiosk.voice.speakable import digits_en, normalise, number_en, queue_zh

# Texts the screens show, looked up in the screens' own contexts (their translations are there).
# tests/test_prompts.py fails if one of them changes on its screen and not here.
_IDENTIFY_WAYS = {
    "id_card": "Place your ID card on the reader",
    "visit_card": "Swipe your visit or insurance card",
    "qr": "Show your health code to the scanner",
}
_SERVICE_NAMES = {
    "registration": "Registration",
    "checkin": "Check-in",
    "payment": "Pay bills",
    "reports": "Print reports",
}

_AMOUNT = re.compile(r"[¥￥]\s*(\d[\d,]*(?:\.\d+)?)")
_MASKED = re.compile(r"[^\s,，。.、:：;；!！?？()（）]*[*＊][^\s,，。.、:：;；!！?？()（）]*")
_END = tuple("。！？.!?:：;；")


def _tr(context: str, source: str, n: int = -1) -> str:
    return QCoreApplication.translate(context, source, None, n)


class Prompts:
    """Builds the spoken prompt of any view the window shows."""

    def __init__(self, kiosk_name: LocalizedText | None = None, now: Callable[[], float] = time.monotonic) -> None:
        self._kiosk_name = kiosk_name
        self._now = now  # the flow clock: how many seconds an idle warning has left

    def for_view(self, view: View) -> str:
        """The prompt in the current language ("" for a view with nothing to say)."""
        zh = current_locale() == "zh_CN"
        return speakable(join_sentences(self._parts(view, zh), zh), zh)

    def _parts(self, view: View, zh: bool) -> list[str]:
        match view:
            case HomeView(services=services):
                return self._home(services, zh)
            case GoodbyeView():
                return [
                    _tr("GoodbyeScreen", "Thank you!"),
                    _tr("GoodbyeScreen", "Please take your card, receipt and belongings."),
                ]
            case ErrorView(code=code, message=message):
                return [_tr("errors", message), _error_code("ErrorScreen", code)]
            case IdleWarningView(extensions_left=left, deadline=deadline):
                parts = [_tr("IdleWarningOverlay", "Are you still there?")]
                seconds = math.ceil(deadline - self._now())
                if seconds > 0:
                    # A warning comes at least 20 s ahead: "seconds" is always plural.
                    ends = QCoreApplication.translate("speech", "The session ends in %1 seconds.")
                    parts.append(ends.replace("%1", str(seconds)))
                if left > 0:
                    more = _tr("IdleWarningOverlay", "I need more time")
                    parts.append(
                        QCoreApplication.translate("speech", "Touch “%1” if you need more time.").replace("%1", more)
                    )
                return parts
            case FlowView():
                return [part for part in self._flow(view) if part]
        return []

    def _home(self, services: tuple[str, ...], zh: bool) -> list[str]:
        name = self._kiosk_name.get("zh_CN" if zh else "en") if self._kiosk_name is not None else ""
        if not services:
            notice = "Self-service is not available at this kiosk yet. Please go to the service counter."
            return [name, _tr("HomeScreen", notice)]
        names = ("、" if zh else ", ").join(_tr("ServiceNames", _SERVICE_NAMES.get(s, s)) for s in services)
        touch = _tr("HomeScreen", "Please touch the service you need")
        return [name, touch + ("：" if zh else ": ") + names]

    def _flow(self, view: FlowView) -> list[str]:
        title = translate(view.title)
        match view:
            case MessageView():
                return [title, _figure(view.figure), translate(view.body), _error_code("MessageScreen", view.code)]
            case BusyView():
                return [translate(view.body)]
            case IdentifyView():
                parts = [title]
                parts += [_tr("IdentifyScreen", _IDENTIFY_WAYS[w]) for w in view.ways if w in _IDENTIFY_WAYS]
                if "keypad" in view.ways:
                    keypad = _tr("IdentifyScreen", "Type my visit card number")
                    parts.append(QCoreApplication.translate("speech", "You can also touch “%1”.").replace("%1", keypad))
                return [*parts, translate(view.problem)]
            case KeypadView():
                return [title, translate(view.prompt)]
            case ListView():
                pages = ""
                if view.pages > 1:
                    pages = (
                        _tr("ListScreen", "Page %1 of %2")
                        .replace("%1", str(view.page + 1))
                        .replace("%2", str(view.pages))
                    )
                return [title, translate(view.prompt), _items(view.items), translate(view.summary), pages]
            case SearchView():
                return [title, translate(view.prompt), _items(view.items)]
            case QrPaymentView():
                prompt = translate(view.prompt)
                return [prompt if view.amount in prompt else f"{prompt} {view.amount}".strip()]
        return [title]


def _items(items: tuple[ListItem, ...]) -> str:
    """The choices on the page, by their titles (and a badge such as "Not ready yet")."""
    zh = current_locale() == "zh_CN"
    names = []
    for item in items:
        name = translate(item.title)
        if item.badge is not None:
            name += ("（" + translate(item.badge) + "）") if zh else f" ({translate(item.badge)})"
        names.append(name)
    return ("、" if zh else ", ").join(n for n in names if n)


def _figure(figure: Text | None) -> str:
    """A message's big figure: an amount as it is, anything else (a queue number) as "Your
    number is ..."."""
    if figure is None:
        return ""
    shown = translate(figure)
    if _AMOUNT.search(shown) or len(figure.args) != 1:
        return shown
    number = figure.args[0].strip()
    if current_locale() == "zh_CN":
        spoken = queue_zh(number)  # 第十二号
    else:
        spoken = number_en(int(number)) if number.isdigit() and not number.startswith("0") else digits_en(number)
    return QCoreApplication.translate("speech", "Your number is %1.").replace("%1", spoken)


def _error_code(context: str, code: int | None) -> str:
    if code is None:
        return ""
    return _tr(context, "Error code: %1").replace("%1", spell(str(code)))


def spell(value: str) -> str:
    """Reads a code character by character ("A012" → "A 0 1 2"), so no one hears "twelve";
    a plain number without a leading zero ("7", "35") is read as a number."""
    value = value.strip()
    if value.isdigit() and not value.startswith("0") and len(value) <= 3:
        return value
    return " ".join(value)


def join_sentences(parts: list[str], zh: bool) -> str:
    """One text of ``parts`` (and their lines), each ending as a sentence so the voice pauses."""
    sentences = []
    for part in parts:
        for line in part.splitlines():
            sentence = line.strip()
            if not sentence:
                continue
            if not sentence.endswith(_END):
                sentence += "。" if zh else "."
            sentences.append(sentence)
    return ("" if zh else " ").join(sentences)


def speakable(text: str, zh: bool) -> str:
    """What a voice can read: masked values without their asterisks, then every amount, date,
    time, code and count in words (kiosk/voice/speakable.py)."""
    text = _MASKED.sub(_unmask, text)
    text = normalise(text, zh)
    text = text.replace("…", "").replace(" · ", "，" if zh else ", ").replace("·", "，" if zh else ", ")
    return re.sub(r"[ \t]+", " ", text).strip()


def _unmask(match: re.Match[str]) -> str:
    """A masked name keeps its visible letters (the surname); a masked number is dropped."""
    token = match.group(0)
    if any(char.isdigit() for char in token):
        return ""
    return token.replace("*", "").replace("＊", "")
