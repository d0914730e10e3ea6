"""年度 (Japanese fiscal year, April–March) and 和暦 parsing. Pure: no Django.

A fiscal year is represented by the Gregorian year in which it starts (令和3年度 = 2021).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from civicdx.core.errors import ApplicationError

# (name, head letter, first fiscal year labelled with this era, first Gregorian year of the era)
ERAS = [
    ("令和", "R", 2019, 2019),
    ("平成", "H", 1989, 1989),
    ("昭和", "S", 1926, 1926),
    ("大正", "T", 1912, 1912),
    ("明治", "M", 1868, 1868),
]
# Last fiscal year that carried each era's name (FY2018 = 平成30年度; FY2019 is 令和元年度 as a whole).
# A fiscal year that began before a change of era kept the old name (平成31年度, 大正15年度, 明治45年度);
# such names are accepted on input and shown with the new era (令和元年度). 昭和64年度 never existed: the era
# changed in January 1989, inside 昭和63年度.
_ERA_LAST_FY = {"令和": None, "平成": 2019, "昭和": 1988, "大正": 1926, "明治": 1912}

MIN_FISCAL_YEAR = 1868
MAX_FISCAL_YEAR = 2100

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def kanji_to_int(text: str) -> int | None:
    """Convert 漢数字 up to 99 (三, 十二, 二十, 三十一) or 元 to an int; None when not a kanji number."""
    if text == "元":
        return 1
    if not text or any(ch not in _KANJI_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        value = 0
        for ch in text:
            value = value * 10 + _KANJI_DIGITS[ch]
        return value
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in tens + ones:
        return None
    return (_KANJI_DIGITS[tens] if tens else 1) * 10 + (_KANJI_DIGITS[ones] if ones else 0)


def fiscal_year_of(day: dt.date) -> int:
    """The fiscal year a date belongs to: April 1 starts a new one."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[dt.date, dt.date]:
    return dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 3, 31)


def era_label(fiscal_year: int) -> str:
    """令和3年度 for 2021; 令和元年度 for 2019 (the whole FY2019 is 令和元年度)."""
    _check_range(fiscal_year, str(fiscal_year))
    for name, _head, first_fy, _first_year in ERAS:
        if fiscal_year >= first_fy:
            n = fiscal_year - first_fy + 1
            return f"{name}{'元' if n == 1 else n}年度"
    raise AssertionError("unreachable")


def short_label(fiscal_year: int) -> str:
    """R3 for 2021, H30 for 2018."""
    for _name, head, first_fy, _first_year in ERAS:
        if fiscal_year >= first_fy:
            return f"{head}{fiscal_year - first_fy + 1}"
    raise AssertionError("unreachable")


def fiscal_year_label(fiscal_year: int) -> str:
    """The display form used everywhere: 令和3年度 (2021)."""
    return f"{era_label(fiscal_year)} ({fiscal_year})"


def _check_range(fiscal_year: int, raw: str) -> None:
    if not MIN_FISCAL_YEAR <= fiscal_year <= MAX_FISCAL_YEAR:
        raise ApplicationError(
            "fiscal_year_out_of_range",
            f"年度「{raw}」は扱える範囲（{MIN_FISCAL_YEAR}〜{MAX_FISCAL_YEAR}年度）の外です。",
        )


_ERA_BY_KEY = {}
for _name, _head, _first_fy, _first_year in ERAS:
    _ERA_BY_KEY[_name] = _name
    _ERA_BY_KEY[_head] = _name
_ERA_FIRST_YEAR = {name: first_year for name, _h, _f, first_year in ERAS}

_ERA_RE = re.compile(r"^(令和|平成|昭和|大正|明治|[RHSTM])\.?(元|[0-9]{1,2}|[〇零一二三四五六七八九十]{1,3})(?:年度|年)?$")
_WESTERN_RE = re.compile(r"^(?:FY)?([0-9]{4})(?:年度|年)?$")


def parse_fiscal_year(raw: str | int) -> int:
    """Parse what people write for a fiscal year and return its starting Gregorian year.

    Accepts R3, Ｒ３, R03, 令和3年度, 令和三年度, 令和元年度, H31 (= 2019), 2021年度, FY2021, 2021.
    Raises ApplicationError with a Japanese message for anything else, including eras that never had
    such a year (昭和64年度, 平成32年度, 令和0年度).
    """
    if isinstance(raw, int):
        _check_range(raw, str(raw))
        return raw
    original = str(raw)
    text = unicodedata.normalize("NFKC", original).strip().upper().replace(" ", "")
    if not text:
        raise ApplicationError("fiscal_year_empty", "年度が入力されていません。")
    match = _WESTERN_RE.match(text)
    if match:
        year = int(match.group(1))
        _check_range(year, original)
        return year
    match = _ERA_RE.match(text)
    if not match:
        raise ApplicationError(
            "fiscal_year_invalid",
            f"年度「{original}」を読み取れません。「R3」「令和3年度」「2021年度」「FY2021」のように入力してください。",
        )
    era = _ERA_BY_KEY[match.group(1)]
    number_text = match.group(2)
    number = int(number_text) if number_text.isdigit() else kanji_to_int(number_text)
    if number is None or number < 1:
        raise ApplicationError("fiscal_year_invalid", f"年度「{original}」の年数が正しくありません（元年または1以上）。")
    year = _ERA_FIRST_YEAR[era] + number - 1
    last = _ERA_LAST_FY[era]
    if last is not None and year > last:
        raise ApplicationError(
            "fiscal_year_not_in_era",
            f"年度「{original}」は存在しません（{era}の最後の年度は{era}{last - _ERA_FIRST_YEAR[era] + 1}年度です）。",
        )
    _check_range(year, original)
    return year


# First day of each era, for calendar dates (the fiscal-year rules above do not apply to days).
ERA_FIRST_DAY = {
    "令和": dt.date(2019, 5, 1),
    "平成": dt.date(1989, 1, 8),
    "昭和": dt.date(1926, 12, 25),
    "大正": dt.date(1912, 7, 30),
    "明治": dt.date(1868, 1, 25),
}
_DATE_NUMBER = r"(元|[0-9]{1,4}|[〇零一二三四五六七八九十]{1,3})"
_ERA_DATE_RE = re.compile(rf"^(令和|平成|昭和|大正|明治|[RHSTM])\.?{_DATE_NUMBER}[年./-]{_DATE_NUMBER}[月./-]{_DATE_NUMBER}日?$")
_WESTERN_DATE_RE = re.compile(r"^([0-9]{4})[年./-]([0-9]{1,2})[月./-]([0-9]{1,2})日?$")


def parse_japanese_date(raw: str) -> dt.date:
    """Parse 令和5年4月1日, 令和元年5月1日, R5.4.1, 平成三十一年四月三十日, 2023年4月1日, 2023/4/1 and 2023-04-01.

    Raises ApplicationError (Japanese message) for text that is not a date, for days that do not exist
    (令和5年2月30日) and for era years outside the era (平成32年, 令和1年4月30日 is before 令和 began).
    """
    original = str(raw)
    text = unicodedata.normalize("NFKC", original).strip().upper().replace(" ", "")
    western = _WESTERN_DATE_RE.match(text)
    match = western or _ERA_DATE_RE.match(text)
    if not match:
        raise ApplicationError("date_invalid", f"日付「{original}」を読み取れません（例: 令和5年4月1日、2023-04-01）。")
    parts = [int(p) if p.isdigit() else kanji_to_int(p) for p in match.groups()[0 if western else 1:]]
    if any(p is None for p in parts):
        raise ApplicationError("date_invalid", f"日付「{original}」の数字を読み取れません。")
    year, month, day = parts
    era = None if western else _ERA_BY_KEY[match.group(1)]
    if era is not None:
        if year < 1:
            raise ApplicationError("date_invalid", f"日付「{original}」の年が正しくありません（元年または1以上）。")
        year = ERA_FIRST_DAY[era].year + year - 1
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise ApplicationError("date_not_exist", f"日付「{original}」は存在しません。") from None
    if era is not None:
        later = [first for first in ERA_FIRST_DAY.values() if first > ERA_FIRST_DAY[era]]
        if value < ERA_FIRST_DAY[era] or (later and value >= min(later)):
            raise ApplicationError("date_not_in_era", f"日付「{original}」は{era}の期間に含まれません。")
    return value
