"""Normalise what clerks really type into survey sheets. Pure: no Django.

Every parser returns the normalised value or raises ``ValueError`` with a Japanese reason; the importer
turns that into an error naming file, sheet, row and column. Parsers are memoised because a city's
sheets repeat the same few thousand strings hundreds of thousands of times.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from civicdx.core.fiscal import kanji_to_int

_SPACES = re.compile(r"[\s\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@functools.lru_cache(maxsize=65536)
def clean_text(value: str) -> str:
    """NFKC (全角英数 → 半角, 半角カナ → 全角), no control characters, trim, collapse runs of spaces to one."""
    return _SPACES.sub(" ", _CONTROL.sub("", unicodedata.normalize("NFKC", value))).strip()


def text_or_empty(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(str(value))


_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_UNIT_SUFFIX = re.compile(r"(件|回|人|枚|通|部|本|台|箇所|か所|ヶ所)$")


@functools.lru_cache(maxsize=65536)
def _parse_number_text(text: str) -> float:
    s = clean_text(text).replace(",", "").replace("，", "").replace(" ", "")
    s = _UNIT_SUFFIX.sub("", s)
    if s.startswith("約"):
        s = s[1:]
    if _NUMBER.match(s):
        return float(s)
    kanji = kanji_to_int(s)
    if kanji is not None:
        return float(kanji)
    raise ValueError("数値として読み取れません")


def parse_number(value) -> float | None:
    """1234, '1,234', '１２３４', '1234件' → 1234.0; blank → None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("数値として読み取れません")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and not value.strip():
        return None
    return _parse_number_text(str(value))


_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)(?:時間|h|hr|hrs))?(?:(\d+(?:\.\d+)?)(?:分|m|min)?)?$")
_CLOCK = re.compile(r"^(\d+):(\d{1,2})$")


@functools.lru_cache(maxsize=65536)
def _parse_minutes_text(text: str) -> float:
    s = clean_text(text).replace(",", "").replace(" ", "").lower()
    if s.startswith("約"):
        s = s[1:]
    clock = _CLOCK.match(s)
    if clock:
        return int(clock.group(1)) * 60 + int(clock.group(2))
    match = _DURATION.match(s)
    if match and (match.group(1) or match.group(2)):
        hours = float(match.group(1)) if match.group(1) else 0.0
        minutes = float(match.group(2)) if match.group(2) else 0.0
        return hours * 60 + minutes
    raise ValueError("時間として読み取れません（例: 15、15分、1.5時間、1時間30分）")


def parse_minutes(value) -> float | None:
    """Minutes per case: 15, '15分', '１５', '1.5時間', '1時間30分', '0:45' → minutes."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and not value.strip():
        return None
    return _parse_minutes_text(str(value))


@functools.lru_cache(maxsize=4096)
def _parse_hours_text(text: str) -> float:
    s = clean_text(text).replace(",", "").replace(" ", "")
    if s.endswith("時間"):
        s = s[:-2]
    elif s.endswith("h"):
        s = s[:-1]
    return _parse_number_text(s)


def parse_hours(value) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and not value.strip():
        return None
    return _parse_hours_text(str(value))


_TRUE_WORDS = {"有", "有り", "あり", "アリ", "○", "〇", "◯", "●", "はい", "yes", "y", "true", "1", "要", "必要", "✓", "レ"}
_FALSE_WORDS = {"無", "無し", "なし", "ナシ", "×", "✕", "x", "いいえ", "no", "n", "false", "0", "不要", "-", "ー", "―"}


@functools.lru_cache(maxsize=1024)
def _parse_flag_text(text: str) -> bool | None:
    s = clean_text(text).lower()
    if not s:
        return None
    if s in _TRUE_WORDS:
        return True
    if s in _FALSE_WORDS:
        return False
    raise ValueError("「有」か「無」（○/×、あり/なし も可）で入力してください")


def parse_flag(value) -> bool | None:
    """有/無, 有り/なし, ○/×, はい/いいえ, 1/0 → bool; blank → None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if value in (0, 1):
            return bool(value)
        raise ValueError("「有」か「無」（○/×、あり/なし も可）で入力してください")
    return _parse_flag_text(str(value))


def make_choice_parser(true_words: tuple[str, ...], false_words: tuple[str, ...], label: str):
    """A parser for a two-valued attribute such as コア/ノンコア that also accepts ○/× style answers."""
    true_set = {clean_text(w).lower() for w in true_words}
    false_set = {clean_text(w).lower() for w in false_words}
    message = f"「{true_words[0]}」か「{false_words[0]}」で入力してください（{label}）"

    @functools.lru_cache(maxsize=1024)
    def parse_text(text: str) -> bool | None:
        s = clean_text(text).lower().replace(" ", "")
        if not s:
            return None
        if s in true_set:
            return True
        if s in false_set:
            return False
        raise ValueError(message)

    def parse(value) -> bool | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        return parse_text(text_or_empty(value))  # calamine reads the number 1 as 1.0

    return parse


parse_core = make_choice_parser(("コア", "core", "c", "○", "有"), ("ノンコア", "non-core", "noncore", "nc", "×", "無", "非コア"), "コア区分")
parse_routine = make_choice_parser(("定型", "routine", "○"), ("非定型", "non-routine", "×"), "定型区分")
parse_expertise = make_choice_parser(
    ("有", "有り", "あり", "○", "〇", "要", "必要", "yes", "1"), ("無", "無し", "なし", "×", "不要", "no", "0"), "専門性"
)


def make_alias_parser(aliases: dict[str, str], allowed: tuple[str, ...], label: str):
    """Map a free-typed value onto one of the allowed names through an alias table (spaces and ・ ignored)."""
    table = {}
    for alias, target in list(aliases.items()) + [(a, a) for a in allowed]:
        table[clean_text(alias).replace(" ", "")] = target
        table[clean_text(alias).replace(" ", "").replace("・", "")] = target
    message = f"{label}は次のいずれかで入力してください: {'、'.join(allowed)}"

    @functools.lru_cache(maxsize=1024)
    def parse_text(text: str) -> str:
        s = clean_text(text).replace(" ", "")
        if not s:
            return ""
        found = table.get(s) or table.get(s.replace("・", "")) or table.get(s.replace("/", "・"))
        if found is None:
            raise ValueError(message)
        return found

    def parse(value) -> str:
        if value is None:
            return ""
        return parse_text(text_or_empty(value))

    return parse


_MONTH_RANGE = re.compile(r"^(\d{1,2})月?[~〜～\-ー－](\d{1,2})月?$")


@functools.lru_cache(maxsize=4096)
def _parse_months_text(text: str) -> str:
    s = clean_text(text).replace(" ", "")
    if not s or s in ("通年", "なし", "無", "-"):
        return ""
    months: list[int] = []
    for part in re.split(r"[,、・/]", s):
        if not part:
            continue
        part = part.replace("月", "") if not _MONTH_RANGE.match(part) else part
        rng = _MONTH_RANGE.match(part)
        if rng:
            start, end = int(rng.group(1)), int(rng.group(2))
            if not (1 <= start <= 12 and 1 <= end <= 12):
                raise ValueError("月は1〜12で入力してください")
            m = start
            while True:
                months.append(m)
                if m == end:
                    break
                m = m % 12 + 1
            continue
        n = kanji_to_int(part) if not part.isdigit() else int(part)
        if n is None or not 1 <= n <= 12:
            raise ValueError("繁忙月は「4,5,3」や「4〜6月」のように1〜12の月で入力してください")
        months.append(n)
    # Fiscal-year order: April first.
    return ",".join(str(m) for m in sorted(set(months), key=lambda m: (m - 4) % 12))


def parse_busy_months(value) -> str:
    """'4月,5月', '４・５月', '4～6月', '通年' → '4,5' / '4,5,6' / ''."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 1 <= int(value) <= 12:
            return str(int(value))
        raise ValueError("繁忙月は1〜12の月で入力してください")
    return _parse_months_text(str(value))

