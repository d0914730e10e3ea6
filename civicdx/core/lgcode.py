"""全国地方公共団体コード (JIS X 0402): 6 digits, the last a check digit. Pure: no Django."""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from civicdx.core.errors import ApplicationError

_WEIGHTS = (6, 5, 4, 3, 2)
_DIGITS = re.compile(r"^[0-9]{5,6}$")
DATA_FILE = Path(__file__).parent / "data" / "municipalities.csv"


def check_digit(first_five: str) -> int:
    """(11 - Σ d_i·w_i mod 11) mod 10 with weights 6,5,4,3,2."""
    total = sum(int(d) * w for d, w in zip(first_five, _WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def normalize_lg_code(raw: str | int) -> str:
    """Return the valid 6-digit code or raise ApplicationError saying why. A 5-digit code gets its check digit."""
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if not _DIGITS.match(text):
        raise ApplicationError("lg_code_format", f"団体コード「{raw}」は6桁の数字で入力してください（例: 401005）。")
    if len(text) == 5:
        return text + str(check_digit(text))
    expected = check_digit(text[:5])
    if int(text[5]) != expected:
        raise ApplicationError(
            "lg_code_check_digit",
            f"団体コード「{raw}」の検査数字が正しくありません（末尾は{expected}のはずです）。",
        )
    return text


@dataclass(frozen=True)
class LocalGovernment:
    code: str
    name: str
    kana: str
    kind: str  # 都道府県 / 政令市 / 区
    parent_code: str
    prefecture: str


@functools.cache
def bundled_table() -> dict[str, LocalGovernment]:
    """The bundled list of the 20 政令市, their 区 and prefectures, keyed by 6-digit code."""
    with DATA_FILE.open(encoding="utf-8", newline="") as fh:
        return {row["code"]: LocalGovernment(**row) for row in csv.DictReader(fh)}


def lookup(code: str) -> LocalGovernment | None:
    return bundled_table().get(code)


def wards_of(code: str) -> list[LocalGovernment]:
    return [g for g in bundled_table().values() if g.parent_code == code and g.kind == "区"]
