"""Numbers as people say them: the words a voice reads for the amounts, dates, times, codes and
queue numbers a screen shows, in Chinese and in English.

A text-to-speech voice reads "¥231.00" as "two hundred thirty-one point zero zero", "30.00元" as
"三十点零零元" and a receipt number 20261208000001 as "twenty trillion...". Here each kind of
number is turned into words the way a clerk would say it: 二百三十一元 / two hundred thirty-one
yuan, 十二月八日上午八点 / December eighth, 8 a.m. (in words), digit by digit for codes, 第十二号 /
number twelve for a queue number. :func:`normalise` finds them in a whole prompt. Pure
functions, no Qt: any thread.
"""

from __future__ import annotations

import re
from datetime import date

_ZH_DIGITS = "零一二三四五六七八九"
_ZH_UNITS = ("", "十", "百", "千")
_ZH_GROUPS = ("", "万", "亿", "万亿")

_EN_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_EN_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_GROUPS = ("", " thousand", " million", " billion", " trillion")
_EN_ORDINAL_WORDS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
_EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

# Codes longer than this are read digit by digit: nobody says a receipt number as a quantity.
LONGEST_QUANTITY = 5


def number_zh(n: int) -> str:
    """An integer in Chinese numerals: 12 → 十二, 105 → 一百零五, 20_030 → 二万零三十."""
    if n < 0:
        return "负" + number_zh(-n)
    if n == 0:
        return "零"
    groups = []
    while n:
        groups.append(n % 10_000)
        n //= 10_000
    if len(groups) > len(_ZH_GROUPS):
        return digits_zh(str(n))
    words = ""
    zero_pending = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero_pending = bool(words)
            continue
        if words and (zero_pending or group < 1000):
            words += "零"
        words += _group_zh(group) + _ZH_GROUPS[index]
        zero_pending = False
    if words.startswith("一十"):
        words = words[1:]  # 十二, not 一十二
    return words


def _group_zh(group: int) -> str:
    """0 < group < 10000, with 零 for an inner gap (一千零五)."""
    words = ""
    zero = False
    for position in range(3, -1, -1):
        digit = group // 10**position % 10
        if digit == 0:
            zero = bool(words)
            continue
        if zero:
            words += "零"
            zero = False
        words += _ZH_DIGITS[digit] + _ZH_UNITS[position]
    return words


def number_en(n: int) -> str:
    """An integer in English words: 231 → two hundred thirty-one."""
    if n < 0:
        return "minus " + number_en(-n)
    if n < 20:
        return _EN_ONES[n]
    groups = []
    while n:
        groups.append(n % 1000)
        n //= 1000
    if len(groups) > len(_EN_GROUPS):
        return digits_en(str(n))
    words = [_group_en(g) + _EN_GROUPS[i] for i, g in reversed(list(enumerate(groups))) if g]
    return " ".join(words)


def _group_en(group: int) -> str:
    hundreds, rest = divmod(group, 100)
    words = [f"{_EN_ONES[hundreds]} hundred"] if hundreds else []
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(_EN_TENS[tens] + (f"-{_EN_ONES[ones]}" if ones else ""))
    elif rest:
        words.append(_EN_ONES[rest])
    return " ".join(words)


def ordinal_en(n: int) -> str:
    """1 → first, 8 → eighth, 22 → twenty-second, 30 → thirtieth."""
    words = number_en(n)
    head, sep, last = words.rpartition("-") if "-" in words.split(" ")[-1] else words.rpartition(" ")
    if last in _EN_ORDINAL_WORDS:
        last = _EN_ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return head + sep + last


def amount_zh(fen: int) -> str:
    """¥231.00 → 二百三十一元, ¥23.50 → 二十三元五角, ¥5.05 → 五元零五分, ¥0.80 → 八角."""
    yuan, rest = divmod(abs(fen), 100)
    jiao, fen_ = divmod(rest, 10)
    words = number_zh(yuan) + "元" if yuan or not rest else ""
    if jiao:
        words += _ZH_DIGITS[jiao] + "角"
    if fen_:
        words += ("零" if yuan and not jiao else "") + _ZH_DIGITS[fen_] + "分"
    return ("负" if fen < 0 else "") + words


def amount_en(fen: int) -> str:
    """¥231.00 → two hundred thirty-one yuan, ¥23.50 → twenty-three yuan fifty fen."""
    yuan, rest = divmod(abs(fen), 100)
    parts = []
    if yuan or not rest:
        parts.append(f"{number_en(yuan)} yuan")
    if rest:
        parts.append(f"{number_en(rest)} fen")
    return ("minus " if fen < 0 else "") + " ".join(parts)


def time_zh(hour: int, minute: int) -> str:
    """08:00 → 上午八点, 14:30 → 下午两点半, 12:05 → 中午十二点零五分, 19:45 → 晚上七点四十五分."""
    if hour < 6:
        period = "凌晨"
    elif hour < 12:
        period = "上午"
    elif hour < 13:
        period = "中午"
    elif hour < 18:
        period = "下午"
    else:
        period = "晚上"
    twelve = hour % 12 or 12 if hour != 0 else 0
    spoken_hour = "两" if twelve == 2 else number_zh(twelve)
    if minute == 0:
        tail = ""
    elif minute == 30:
        tail = "半"
    elif minute < 10:
        tail = "零" + number_zh(minute) + "分"
    else:
        tail = number_zh(minute) + "分"
    return f"{period}{spoken_hour}点{tail}"


def time_en(hour: int, minute: int) -> str:
    """08:00 → eight a.m., 14:30 → two thirty p.m., 09:05 → nine oh five a.m., 12:00 → twelve noon."""
    if (hour, minute) == (12, 0):
        return "twelve noon"
    if (hour, minute) == (0, 0):
        return "midnight"
    twelve = hour % 12 or 12
    if minute == 0:
        clock = number_en(twelve)
    elif minute < 10:
        clock = f"{number_en(twelve)} oh {number_en(minute)}"
    else:
        clock = f"{number_en(twelve)} {number_en(minute)}"
    return f"{clock} {'a.m.' if hour < 12 else 'p.m.'}"


def date_zh(day: date, today: date | None = None) -> str:
    """2026-12-08 → 十二月八日 (the year only when it is not this year's)."""
    words = f"{number_zh(day.month)}月{number_zh(day.day)}日"
    if today is not None and day.year != today.year:
        words = digits_zh(str(day.year)) + "年" + words
    return words


def date_en(day: date, today: date | None = None) -> str:
    """2026-12-08 → December eighth (the year only when it is not this year's)."""
    words = f"{_EN_MONTHS[day.month - 1]} {ordinal_en(day.day)}"
    if today is not None and day.year != today.year:
        words += f", {_year_en(day.year)}"
    return words


def _year_en(year: int) -> str:
    if 2000 <= year < 2010:
        return number_en(year)
    high, low = divmod(year, 100)
    return f"{number_en(high)} {number_en(low) if low >= 10 else 'oh ' + number_en(low) if low else 'hundred'}"


def digits_zh(code: str) -> str:
    """A code digit by digit: 20261208 → 二零二六一二零八 (letters as they are)."""
    return "".join(_ZH_DIGITS[int(c)] if c.isdigit() else c for c in code)


def digits_en(code: str) -> str:
    """A code digit by digit: 2026 → two zero two six (letters as they are)."""
    return " ".join(_EN_ONES[int(c)] if c.isdigit() else c for c in code)


def queue_zh(number: str) -> str:
    """A queue number: 12 → 第十二号, A012 → 第A零一二号 (a code keeps its digits one by one)."""
    if number.isdigit() and not number.startswith("0"):
        return f"第{number_zh(int(number))}号"
    return f"第{digits_zh(number)}号"


def queue_en(number: str) -> str:
    """A queue number: 12 → number twelve, A012 → number A zero one two."""
    if number.isdigit() and not number.startswith("0"):
        return f"number {number_en(int(number))}"
    return f"number {digits_en(number)}"


# -- whole prompts --------------------------------------------------------------------------------

_AMOUNT = re.compile(r"[¥￥]\s*(\d[\d,]*)(?:\.(\d{1,2}))?|(\d[\d,]*)(?:\.(\d{1,2}))?\s*元")
_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_TIME_RANGE = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})\s*[–—-]\s*(\d{1,2}):(\d{2})(?!\d)")
_TIME = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?![\d:])")
# ASCII boundaries: a number right after a Chinese character (余225) is still a number.
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])(\d[\d,]*\d|\d)(?![A-Za-z0-9_]|\.\d)")
_CODE = re.compile(r"(?<![A-Za-z0-9_])(?=[A-Za-z]*\d)[A-Za-z]{0,3}\d+(?![A-Za-z0-9_])")


def normalise(text: str, zh: bool, today: date | None = None) -> str:
    """Every amount, date, time, code and count in ``text`` as words in its language.

    Amounts (¥23.50, 23.50元) become 元/角/分 or yuan and fen; ISO dates (2026-12-08) a month and
    day; times (08:00, 08:00–08:30) a spoken hour; numbers of more than
    :data:`LONGEST_QUANTITY` digits, and numbers with a leading zero or letters (codes), are read
    digit by digit; other numbers (counts) as a quantity.
    """
    text = _AMOUNT.sub(lambda m: _amount(m, zh), text)
    text = _DATE.sub(lambda m: _date(m, zh, today), text)
    text = _TIME_RANGE.sub(lambda m: _time_range(m, zh), text)
    text = _TIME.sub(lambda m: _clock(int(m.group(1)), int(m.group(2)), zh), text)
    text = _CODE.sub(lambda m: _code_or_count(m.group(0), zh), text)
    text = _NUMBER.sub(lambda m: _code_or_count(m.group(0), zh), text)
    return text


def _amount(match: re.Match[str], zh: bool) -> str:
    whole = match.group(1) if match.group(1) is not None else match.group(3)
    cents = match.group(2) if match.group(1) is not None else match.group(4)
    fen = int(whole.replace(",", "")) * 100 + (int((cents or "0").ljust(2, "0")) if cents else 0)
    return amount_zh(fen) if zh else amount_en(fen)


def _date(match: re.Match[str], zh: bool, today: date | None) -> str:
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return digits_zh(match.group(0)) if zh else digits_en(match.group(0))
    return date_zh(day, today) if zh else date_en(day, today)


def _clock(hour: int, minute: int, zh: bool) -> str:
    if hour > 23 or minute > 59:
        return f"{hour}:{minute:02d}"
    return time_zh(hour, minute) if zh else time_en(hour, minute)


def _time_range(match: re.Match[str], zh: bool) -> str:
    start = _clock(int(match.group(1)), int(match.group(2)), zh)
    end = _clock(int(match.group(3)), int(match.group(4)), zh)
    if zh:  # 上午八点到八点半: the second period only when it differs
        period = start[:2]
        return f"{start}到{end[2:] if end.startswith(period) else end}"
    return f"{start} to {end}"


def _code_or_count(token: str, zh: bool) -> str:
    plain = token.replace(",", "")
    if plain.isdigit() and not (plain.startswith("0") and len(plain) > 1) and len(plain) <= LONGEST_QUANTITY:
        return number_zh(int(plain)) if zh else number_en(int(plain))
    return digits_zh(plain) if zh else digits_en(plain)
