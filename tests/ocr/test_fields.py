"""Field rules without images: 和暦 dates, 漢数字, 全角/半角, codes, the checks on a definition and the review flags."""

from __future__ import annotations

import pytest

from civicdx.core.errors import ApplicationError
from civicdx.core.fiscal import parse_japanese_date
from civicdx.ocr.fields import Field, Outcome, normalize, parse_fields, review_reasons, validate_correction


def spec(kind: str, **kw) -> Field:
    return Field(name="項目", bbox=(0, 0, 100, 40), type=kind, **kw)


@pytest.mark.parametrize("text, iso", [
    ("令和5年4月1日", "2023-04-01"), ("令和元年5月1日", "2019-05-01"), ("平成31年4月30日", "2019-04-30"),
    ("昭和64年1月7日", "1989-01-07"), ("Ｒ５．４．１", "2023-04-01"), ("令和五年四月一日", "2023-04-01"),
    ("2023年4月1日", "2023-04-01"), ("2023/4/1", "2023-04-01"), ("大正15年12月24日", "1926-12-24"),
])
def test_japanese_dates(text, iso):
    assert parse_japanese_date(text).isoformat() == iso
    assert normalize(spec("date"), text) == Outcome(iso)


@pytest.mark.parametrize("text, why", [
    ("令和5年2月30日", "存在しません"), ("平成31年5月1日", "平成の期間"), ("令和元年4月30日", "令和の期間"),
    ("昭和64年1月8日", "昭和の期間"), ("令和5年", "読み取れません"), ("令和0年1月1日", "元年または1以上"),
])
def test_impossible_dates_are_problems_not_values(text, why):
    with pytest.raises(ApplicationError, match=why):
        parse_japanese_date(text)
    outcome = normalize(spec("date"), text)
    assert outcome.problems and why in outcome.problems[0]


def test_numbers_from_kanji_fullwidth_and_commas():
    number = spec("number")
    assert normalize(number, "三").value == "3"
    assert normalize(number, "二十五").value == "25"
    assert normalize(number, "１，２３４，０００円").value == "1234000"
    assert normalize(number, "1,234,000").value == "1234000"
    assert normalize(number, "12a").problems


def test_text_width_and_kansuji_options():
    assert normalize(spec("text"), "城内１番１号").value == "城内1番1号"
    assert normalize(spec("text", width="zenkaku"), "ABC 1").value == "ＡＢＣ　１"
    assert normalize(spec("text", kansuji=True), "三丁目").value == "3丁目"
    assert normalize(spec("free"), "  ご意見です  ").value == "ご意見です"


def test_kana_phone_postal_lgcode():
    assert normalize(spec("kana"), "やまだ たろう").value == "ヤマダタロウ"
    assert normalize(spec("kana"), "ﾔﾏﾀﾞ").value == "ヤマダ"
    assert normalize(spec("kana"), "山田").problems
    assert normalize(spec("phone"), "０９３－５８２－２１０２").value == "093-582-2102"
    assert normalize(spec("phone"), "093ー582ー2102").value == "093-582-2102"
    assert normalize(spec("phone"), "12-34").problems
    assert normalize(spec("postal"), "〒802-8501").value == "802-8501"
    assert normalize(spec("postal"), "８０２８５０１").value == "802-8501"
    assert normalize(spec("postal"), "802-850").problems
    assert normalize(spec("lgcode"), "401005").value == "401005"
    assert "検査数字" in normalize(spec("lgcode"), "401006").problems[0]
    assert normalize(spec("lgcode"), "40100").problems


def test_review_flags_fire_on_planted_errors():
    date = spec("date", required=True, review_threshold=80)
    good = normalize(date, "令和5年4月1日")
    assert review_reasons(date, raw="令和5年4月1日", outcome=good, confidence=0.95) == []
    assert review_reasons(date, raw="令和5年4月1日", outcome=good, confidence=0.5) == ["low_confidence"]
    bad = normalize(date, "令和5年2月30日")
    assert "invalid" in review_reasons(date, raw="令和5年2月30日", outcome=bad, confidence=0.99)
    assert review_reasons(date, raw="", outcome=normalize(date, ""), confidence=1.0) == ["required_empty"]
    assert "disagree" in review_reasons(date, raw="令和5年4月1日", outcome=good, confidence=0.99, disagree=True)
    number = spec("number", charset="0123456789")
    assert "charset" in review_reasons(number, raw="12x", outcome=normalize(number, "12x"), confidence=0.99)
    stamp = spec("stamp", required=True)
    assert review_reasons(stamp, raw="", outcome=Outcome("0"), confidence=1.0) == ["required_empty"]
    assert review_reasons(stamp, raw="", outcome=Outcome("1"), confidence=1.0, no_colour=True) == ["no_colour"]
    box = spec("checkbox")
    assert review_reasons(box, raw="", outcome=Outcome("1"), confidence=0.3, unclear_mark=True) == ["unclear_mark"]


def test_definition_problems_are_all_named():
    with pytest.raises(ApplicationError) as err:
        parse_fields({"fields": [
            {"name": "氏名", "bbox": [10, 10, 200, 40]},
            {"name": "氏名", "bbox": [10, 60, 200, 40]},
            {"name": "", "bbox": [10, 60, 200, 40]},
            {"name": "日付", "bbox": [10, 60, 2], "type": "date"},
            {"name": "種別", "bbox": [10, 60, 200, 40], "type": "barcode"},
            {"name": "外", "bbox": [1200, 60, 200, 40]},
        ]}, width=1240, height=1754)
    details = err.value.details
    assert any("2番目の項目「氏名」" in d and "重複" in d for d in details)
    assert any("3番目の項目" in d and "項目名" in d for d in details)
    assert any("「日付」" in d and "bbox" in d for d in details)
    assert any("barcode" in d for d in details)
    assert any("「外」" in d and "はみ出" in d for d in details)
    with pytest.raises(ApplicationError, match="読取項目がありません"):
        parse_fields({"fields": []})


def test_definition_round_trip_keeps_options():
    fields = parse_fields([{"name": "金額", "bbox": [1, 2, 300.4, 40], "type": "number", "required": True,
                            "engine": "both", "review_threshold": 90, "csv_column": "AMOUNT"}])
    assert fields[0].bbox == (1, 2, 300, 40) and fields[0].column == "AMOUNT"
    assert parse_fields([fields[0].as_dict()])[0] == fields[0]


def test_corrections_are_validated_like_readings():
    assert validate_correction(spec("date"), "令和5年4月1日") == "2023-04-01"
    assert validate_correction(spec("checkbox"), "on") == "1"
    assert validate_correction(spec("stamp"), "") == "0"
    with pytest.raises(ApplicationError, match="存在しません"):
        validate_correction(spec("date"), "令和5年2月30日")
    with pytest.raises(ApplicationError, match="必須"):
        validate_correction(spec("text", required=True), "  ")
