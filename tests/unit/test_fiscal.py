"""civicdx.core.fiscal: 年度 / 和暦 parsing and labels."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from civicdx.core.errors import ApplicationError
from civicdx.core.fiscal import (
    MAX_FISCAL_YEAR,
    MIN_FISCAL_YEAR,
    era_label,
    fiscal_year_bounds,
    fiscal_year_label,
    fiscal_year_of,
    kanji_to_int,
    parse_fiscal_year,
    short_label,
)

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("R3", 2021),
        ("Ｒ３", 2021),
        ("R03", 2021),
        ("r3", 2021),
        (" R3 ", 2021),
        ("R.3", 2021),
        ("R 3", 2021),
        ("令和3年度", 2021),
        ("令和３年度", 2021),
        ("令和三年度", 2021),
        ("令和\u30003年度", 2021),  # full-width space inside
        ("令和3年", 2021),
        ("令和元年度", 2019),
        ("令和十年度", 2028),
        ("令和十二年度", 2030),
        ("R1", 2019),
        ("H31", 2019),
        ("平成31年度", 2019),
        ("平成三十一年度", 2019),
        ("H30", 2018),
        ("平成元年度", 1989),
        ("H1", 1989),
        ("昭和63年度", 1988),
        ("S63", 1988),
        ("2021年度", 2021),
        ("２０２１年度", 2021),
        ("2021年", 2021),
        ("FY2021", 2021),
        ("fy2021", 2021),
        ("FY 2021", 2021),
        ("2021", 2021),
        (2021, 2021),
        (MIN_FISCAL_YEAR, MIN_FISCAL_YEAR),
        (MAX_FISCAL_YEAR, MAX_FISCAL_YEAR),
        (str(MAX_FISCAL_YEAR), MAX_FISCAL_YEAR),
    ],
)
def test_parse_fiscal_year_accepts(raw, expected):
    assert parse_fiscal_year(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("昭和64年度", "fiscal_year_not_in_era"),  # FY1988 was the last 昭和 fiscal year
        ("S64", "fiscal_year_not_in_era"),
        ("平成32年度", "fiscal_year_not_in_era"),  # FY2020 is 令和2年度
        ("H32", "fiscal_year_not_in_era"),
        ("令和0年度", "fiscal_year_invalid"),
        ("R0", "fiscal_year_invalid"),
        ("R", "fiscal_year_invalid"),
        ("abc", "fiscal_year_invalid"),
        ("令和100年度", "fiscal_year_invalid"),
        ("99999", "fiscal_year_invalid"),
        ("FY21", "fiscal_year_invalid"),
        ("R3年度度", "fiscal_year_invalid"),
        (1800, "fiscal_year_out_of_range"),
        (99999, "fiscal_year_out_of_range"),
        ("2101", "fiscal_year_out_of_range"),
        ("FY1867", "fiscal_year_out_of_range"),
        (0, "fiscal_year_out_of_range"),
        (-2021, "fiscal_year_out_of_range"),
    ],
)
def test_parse_fiscal_year_rejects_with_code_and_japanese_message_naming_input(raw, code):
    with pytest.raises(ApplicationError) as info:
        parse_fiscal_year(raw)
    err = info.value
    assert err.code == code
    assert JAPANESE.search(err.message), err.message
    assert f"「{raw}」" in err.message
    assert err.status == 400
    assert err.as_dict() == {"code": code, "message": err.message}


@pytest.mark.parametrize("raw", ["", "   ", "\u3000"])
def test_parse_fiscal_year_rejects_blank(raw):
    with pytest.raises(ApplicationError) as info:
        parse_fiscal_year(raw)
    assert info.value.code == "fiscal_year_empty"
    assert JAPANESE.search(info.value.message)


def test_not_in_era_message_names_last_fiscal_year_of_era():
    with pytest.raises(ApplicationError) as info:
        parse_fiscal_year("昭和64年度")
    assert "昭和63年度" in info.value.message
    with pytest.raises(ApplicationError) as info:
        parse_fiscal_year("平成32年度")
    assert "平成31年度" in info.value.message


def test_error_codes_are_stable_for_the_same_kind_of_mistake():
    codes = set()
    for raw in ("abc", "xyz", "R", "令和"):
        with pytest.raises(ApplicationError) as info:
            parse_fiscal_year(raw)
        codes.add(info.value.code)
    assert codes == {"fiscal_year_invalid"}


def test_round_trip_between_labels_and_parser():
    for year in range(1989, 2060):
        assert parse_fiscal_year(era_label(year)) == year
        assert parse_fiscal_year(short_label(year)) == year
        assert parse_fiscal_year(fiscal_year_label(year).split(" ")[0]) == year
        assert parse_fiscal_year(f"FY{year}") == year


@pytest.mark.parametrize(
    ("year", "label"),
    [(2019, "令和元年度"), (2020, "令和2年度"), (2021, "令和3年度"), (2018, "平成30年度"), (1989, "平成元年度"),
     (1988, "昭和63年度")],
)
def test_era_label(year, label):
    assert era_label(year) == label


def test_era_label_out_of_range():
    with pytest.raises(ApplicationError) as info:
        era_label(MAX_FISCAL_YEAR + 1)
    assert info.value.code == "fiscal_year_out_of_range"


def test_fiscal_year_label():
    assert fiscal_year_label(2021) == "令和3年度 (2021)"
    assert fiscal_year_label(2019) == "令和元年度 (2019)"
    assert fiscal_year_label(2018) == "平成30年度 (2018)"


@pytest.mark.parametrize(("year", "label"), [(2021, "R3"), (2019, "R1"), (2018, "H30"), (1989, "H1"), (1988, "S63")])
def test_short_label(year, label):
    assert short_label(year) == label


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (dt.date(2022, 3, 31), 2021),
        (dt.date(2022, 4, 1), 2022),
        (dt.date(2022, 1, 1), 2021),
        (dt.date(2021, 12, 31), 2021),
        (dt.date(2019, 4, 30), 2019),  # still 平成 on the calendar, but FY2019 = 令和元年度
    ],
)
def test_fiscal_year_of(day, year):
    assert fiscal_year_of(day) == year


def test_fiscal_year_bounds():
    start, end = fiscal_year_bounds(2021)
    assert start == dt.date(2021, 4, 1)
    assert end == dt.date(2022, 3, 31)
    assert fiscal_year_of(start) == 2021
    assert fiscal_year_of(end) == 2021
    assert fiscal_year_of(start - dt.timedelta(days=1)) == 2020
    assert fiscal_year_of(end + dt.timedelta(days=1)) == 2022


def test_fiscal_year_bounds_leap_year_span():
    start, end = fiscal_year_bounds(2023)  # contains 29 Feb 2024
    assert (end - start).days + 1 == 366


@pytest.mark.parametrize(
    ("text", "value"),
    [("二十三", 23), ("十", 10), ("元", 1), ("三", 3), ("十二", 12), ("二十", 20), ("三十一", 31), ("九十九", 99),
     ("〇", 0), ("一〇", 10)],
)
def test_kanji_to_int(text, value):
    assert kanji_to_int(text) == value


@pytest.mark.parametrize("text", ["", "3", "abc", "百", "一二十", "十二三", "元年"])
def test_kanji_to_int_returns_none_for_non_numbers(text):
    assert kanji_to_int(text) is None


def test_kanji_to_int_double_ten_is_not_a_number():
    assert kanji_to_int("十十") is None


def test_parse_fiscal_year_double_ten_is_an_application_error():
    with pytest.raises(ApplicationError) as info:
        parse_fiscal_year("令和十十年度")
    assert info.value.code == "fiscal_year_invalid"


def test_parse_fiscal_year_taisho_15_is_fy1926():
    assert parse_fiscal_year("大正15年度") == 1926
