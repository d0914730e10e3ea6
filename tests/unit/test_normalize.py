"""civicdx.survey.normalize: what clerks type into survey sheets."""

from __future__ import annotations

import re

import pytest

from civicdx.core.exports import escape_cell

from civicdx.survey.normalize import (
    clean_text,
    make_alias_parser,
    parse_busy_months,
    parse_core,
    parse_expertise,
    parse_flag,
    parse_hours,
    parse_minutes,
    parse_number,
    parse_routine,
    text_or_empty,
)

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def assert_japanese_value_error(func, value):
    with pytest.raises(ValueError) as info:
        func(value)
    assert JAPANESE.search(str(info.value)), str(info.value)
    return info.value


# --- parse_number -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,234", 1234.0),
        ("１２３４", 1234.0),
        ("１，２３４", 1234.0),
        ("1234件", 1234.0),
        ("1,234件", 1234.0),
        ("約300件", 300.0),
        ("12回", 12.0),
        ("3か所", 3.0),
        (" 12 ", 12.0),
        ("\u300012\u3000", 12.0),
        ("12.5", 12.5),
        (".5", 0.5),
        ("-3", -3.0),
        ("二十三", 23.0),
        (12.5, 12.5),
        (12, 12.0),
        (0, 0.0),
    ],
)
def test_parse_number(value, expected):
    result = parse_number(value)
    assert result == expected
    assert isinstance(result, float)


@pytest.mark.parametrize("value", ["", None, "   ", "\u3000"])
def test_parse_number_blank_is_none(value):
    assert parse_number(value) is None


@pytest.mark.parametrize("value", ["abc", "12a", "1.2.3", "件", "1e3", "--1"])
def test_parse_number_rejects_text_with_japanese_reason(value):
    assert_japanese_value_error(parse_number, value)


@pytest.mark.parametrize("value", [True, False])
def test_parse_number_rejects_booleans(value):
    assert_japanese_value_error(parse_number, value)


# --- parse_minutes / parse_hours ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("90分", 90.0),
        ("1.5時間", 90.0),
        ("1時間30分", 90.0),
        ("1時間", 60.0),
        ("1h30", 90.0),
        ("1.5h", 90.0),
        ("90min", 90.0),
        ("90 分", 90.0),
        ("０:４５", 45.0),
        ("1:30", 90.0),
        ("１５", 15.0),
        ("15", 15.0),
        ("約10分", 10.0),
        ("０.５時間", 30.0),
        (30, 30.0),
        (7.5, 7.5),
    ],
)
def test_parse_minutes(value, expected):
    assert parse_minutes(value) == expected


@pytest.mark.parametrize("value", [None, "", "  "])
def test_parse_minutes_blank(value):
    assert parse_minutes(value) is None


@pytest.mark.parametrize("value", ["x分", "時間", "分", "abc", "1時間半", "-5分"])
def test_parse_minutes_rejects(value):
    err = assert_japanese_value_error(parse_minutes, value)
    assert "分" in str(err)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120時間", 120.0), ("120", 120.0), ("1,200時間", 1200.0), ("12.5h", 12.5), ("１２０時間", 120.0), (100, 100.0)],
)
def test_parse_hours(value, expected):
    assert parse_hours(value) == expected


def test_parse_hours_blank_and_invalid():
    assert parse_hours(None) is None
    assert parse_hours("") is None
    assert parse_hours("  ") is None
    assert_japanese_value_error(parse_hours, "たくさん")


# --- parse_flag ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["有", "有り", "あり", "○", "〇", "◯", "はい", "1", "Yes", "ｙｅｓ", " 有 ", 1, 1.0, True])
def test_parse_flag_true(value):
    assert parse_flag(value) is True


@pytest.mark.parametrize("value", ["無", "無し", "なし", "×", "いいえ", "0", "No", "不要", "-", 0, 0.0, False])
def test_parse_flag_false(value):
    assert parse_flag(value) is False


@pytest.mark.parametrize("value", [None, "", " ", "\u3000"])
def test_parse_flag_blank(value):
    assert parse_flag(value) is None


@pytest.mark.parametrize("value", ["たぶん", "2", 2, 0.5, "有無"])
def test_parse_flag_rejects(value):
    err = assert_japanese_value_error(parse_flag, value)
    assert "有" in str(err) and "無" in str(err)


# --- two-valued attributes ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [("コア", True), (" コア ", True), ("ｺｱ", True), ("\u3000コア", True), ("core", True), ("CORE", True), ("C", True),
     ("○", True), ("有", True), ("ノンコア", False), ("ﾉﾝｺｱ", False), ("非コア", False), ("non-core", False),
     ("Non Core", False), ("NC", False), ("×", False), ("無", False), (True, True), (False, False)],
)
def test_parse_core(value, expected):
    assert parse_core(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("定型", True), (" 定型 ", True), ("routine", True), ("○", True), ("非定型", False), ("Non-Routine", False),
     ("×", False)],
)
def test_parse_routine(value, expected):
    assert parse_routine(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("有", True), ("有り", True), ("あり", True), ("要", True), ("必要", True), ("〇", True), ("yes", True),
     ("1", True), (1, True), ("無", False), ("なし", False), ("不要", False), ("no", False), ("0", False), (0, False)],
)
def test_parse_expertise(value, expected):
    assert parse_expertise(value) is expected


@pytest.mark.parametrize("parser", [parse_core, parse_routine, parse_expertise])
@pytest.mark.parametrize("value", [None, "", " ", "\u3000"])
def test_choice_parsers_blank(parser, value):
    assert parser(value) is None


@pytest.mark.parametrize(
    ("parser", "value", "words"),
    [(parse_core, "コアかも", ("コア", "ノンコア")), (parse_core, "定型", ("コア", "ノンコア")),
     (parse_routine, "コア", ("定型", "非定型")), (parse_routine, "定形外", ("定型", "非定型")),
     (parse_expertise, "たぶん", ("有", "無"))],
)
def test_choice_parsers_reject_with_the_allowed_words(parser, value, words):
    err = assert_japanese_value_error(parser, value)
    for word in words:
        assert f"「{word}」" in str(err)


def test_alias_parser_maps_aliases_and_ignores_dots_and_spaces():
    parse = make_alias_parser({"入力": "入力・転記"}, ("受付", "入力・転記"), "作業種類")
    assert parse("入力") == "入力・転記"
    assert parse("入力・転記") == "入力・転記"
    assert parse("入力転記") == "入力・転記"
    assert parse(" 入 力 ") == "入力・転記"
    assert parse("入力/転記") == "入力・転記"
    assert parse("受付") == "受付"
    assert parse(None) == ""
    assert parse("") == ""
    with pytest.raises(ValueError) as info:
        parse("てきとう")
    assert "作業種類" in str(info.value) and "受付" in str(info.value) and "入力・転記" in str(info.value)


# --- parse_busy_months --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4月,5月", "4,5"),
        ("４・５月", "4,5"),
        ("4～6月", "4,5,6"),
        ("4〜6月", "4,5,6"),
        ("4月～6月", "4,5,6"),
        ("4-6", "4,5,6"),
        ("12~2", "12,1,2"),
        ("11～1月", "11,12,1"),
        ("通年", ""),
        ("", ""),
        (None, ""),
        ("3,4", "4,3"),
        ("3、4、5", "4,5,3"),
        ("1,2,3,4,5,6,7,8,9,10,11,12", "4,5,6,7,8,9,10,11,12,1,2,3"),
        ("5,5,4", "4,5"),
        ("4,,5", "4,5"),
        ("十二月", "12"),
        ("１０月", "10"),
        ("3月, 4月", "4,3"),
        ("3/4", "4,3"),
        ("3~5", "4,5,3"),
        (4, "4"),
        (12.0, "12"),
    ],
)
def test_parse_busy_months(value, expected):
    assert parse_busy_months(value) == expected


@pytest.mark.parametrize("value", [13, 0, 4.5, "13", "0", "4~13", "13月", "春", "4月5月"])
def test_parse_busy_months_rejects(value):
    err = assert_japanese_value_error(parse_busy_months, value)
    assert "12" in str(err)


# --- text helpers -------------------------------------------------------------------------------------------------

def test_clean_text_nfkc_and_space_collapse():
    assert clean_text("\u3000総務\u3000\u3000課  ") == "総務 課"
    assert clean_text("ＡＢＣ１２３") == "ABC123"
    assert clean_text("ｶﾞｲﾄﾞ") == "ガイド"
    assert clean_text("a\t\nb") == "a b"
    assert clean_text("") == ""


def test_text_or_empty():
    assert text_or_empty(None) == ""
    assert text_or_empty(3.0) == "3"
    assert text_or_empty(3.5) == "3.5"
    assert text_or_empty(12) == "12"
    assert text_or_empty("　Ａ-001 ") == "A-001"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_escape_cell_neutralises_formulas(value):
    escaped = escape_cell(value)
    assert escaped == "'" + value


@pytest.mark.parametrize("value", ["abc", "", "1+1", "a=b", " =1", 5, -1, None, 1.5])
def test_escape_cell_leaves_other_values(value):
    assert escape_cell(value) == value


@pytest.mark.parametrize(("value", "expected"), [(1.0, True), (0.0, False)])
def test_parse_expertise_accepts_whole_floats_from_excel(value, expected):
    assert parse_expertise(value) is expected


@pytest.mark.parametrize("parser", [parse_number, parse_busy_months])
def test_double_ten_kanji_is_a_value_error(parser):
    with pytest.raises(ValueError):
        parser("十十")
