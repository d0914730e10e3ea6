"""civicdx.core.lgcode: 全国地方公共団体コード check digits and the bundled 政令市 table."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest

from civicdx.core.errors import ApplicationError
from civicdx.core.lgcode import DATA_FILE, bundled_table, check_digit, lookup, normalize_lg_code, wards_of

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.mark.parametrize(
    ("first_five", "digit"),
    [("40100", 5), ("40000", 9), ("01100", 2), ("13101", 6), ("14100", 3), ("27100", 4), ("01000", 6)],
)
def test_check_digit_known_codes(first_five, digit):
    # 北九州市 401005, 福岡県 400009, 札幌市 011002, 千代田区 131016, 横浜市 141003, 大阪市 271004, 北海道 010006
    assert check_digit(first_five) == digit


def test_check_digit_when_sum_is_multiple_of_eleven_and_when_remainder_is_one():
    # Σ d·w ≡ 0 (mod 11) → (11 - 0) % 10 = 1; Σ ≡ 1 → 10 % 10 = 0.
    assert check_digit("00000") == 1
    assert check_digit("00005") == 1  # 5·2 = 10 ≡ 10 → 11 - 10 = 1
    assert check_digit("00006") == 0  # 6·2 = 12 ≡ 1 → 10 → 0


def test_check_digit_requires_five_digits():
    with pytest.raises(ValueError):
        check_digit("4010")


def _rows():
    with DATA_FILE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_bundled_code_has_a_valid_check_digit():
    rows = _rows()
    assert len(rows) > 100
    bad = [r["code"] for r in rows if len(r["code"]) != 6 or check_digit(r["code"][:5]) != int(r["code"][5])]
    assert bad == []
    for row in rows:
        assert normalize_lg_code(row["code"]) == row["code"]
        assert normalize_lg_code(row["code"][:5]) == row["code"]


def test_bundled_codes_are_unique():
    codes = [r["code"] for r in _rows()]
    assert len(codes) == len(set(codes)) == len(bundled_table())


def test_table_has_20_designated_cities_their_15_prefectures_and_parents_exist():
    table = bundled_table()
    kinds = Counter(g.kind for g in table.values())
    assert kinds["政令市"] == 20
    assert kinds["都道府県"] == 15
    assert set(kinds) == {"政令市", "都道府県", "区"}
    for g in table.values():
        if g.kind == "都道府県":
            assert g.parent_code == ""
            assert g.prefecture == g.name
        else:
            parent = table[g.parent_code]
            assert parent.kind == ("都道府県" if g.kind == "政令市" else "政令市")
            assert parent.prefecture == g.prefecture
            assert g.code[:2] == g.parent_code[:2]  # same prefecture number


# Wards per 政令市 (浜松市 has 3 since its 2024 reorganisation).
WARDS = {
    "札幌市": 10, "仙台市": 5, "さいたま市": 10, "千葉市": 6, "横浜市": 18, "川崎市": 7, "相模原市": 3, "新潟市": 8,
    "静岡市": 3, "浜松市": 3, "名古屋市": 16, "京都市": 11, "大阪市": 24, "堺市": 7, "神戸市": 9, "岡山市": 4,
    "広島市": 8, "北九州市": 7, "福岡市": 7, "熊本市": 5,
}


def test_each_designated_city_has_its_wards():
    table = bundled_table()
    cities = {g.name: g for g in table.values() if g.kind == "政令市"}
    assert set(cities) == set(WARDS)
    for name, count in WARDS.items():
        wards = wards_of(cities[name].code)
        assert len(wards) == count, name
        assert all(w.name.endswith("区") for w in wards)
    assert sum(1 for g in table.values() if g.kind == "区") == sum(WARDS.values())


def test_lookup_kitakyushu():
    city = lookup("401005")
    assert city is not None
    assert city.name == "北九州市"
    assert city.kind == "政令市"
    assert city.kana == "きたきゅうしゅうし"
    assert city.parent_code == "400009"
    assert lookup(city.parent_code).name == "福岡県"


def test_lookup_unknown_returns_none():
    assert lookup("999999") is None
    assert lookup("40100") is None  # lookups need the full 6-digit code


def test_wards_of_kitakyushu():
    wards = wards_of("401005")
    assert len(wards) == 7
    assert {w.name for w in wards} == {"門司区", "若松区", "戸畑区", "小倉北区", "小倉南区", "八幡東区", "八幡西区"}
    assert all(w.kind == "区" and w.parent_code == "401005" and w.prefecture == "福岡県" for w in wards)


def test_wards_of_prefecture_or_unknown_is_empty():
    assert wards_of("400009") == []  # a prefecture's children are cities, not 区
    assert wards_of("999999") == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("401005", "401005"),
        ("４０１００５", "401005"),
        (" 401005 ", "401005"),
        ("40100", "401005"),
        ("４０１００", "401005"),
        ("01100", "011002"),
        (401005, "401005"),
        (40100, "401005"),
    ],
)
def test_normalize_lg_code_accepts(raw, expected):
    assert normalize_lg_code(raw) == expected


def test_normalize_lg_code_wrong_check_digit_names_expected_digit():
    with pytest.raises(ApplicationError) as info:
        normalize_lg_code("401004")
    err = info.value
    assert err.code == "lg_code_check_digit"
    assert "401004" in err.message
    assert "5" in err.message.replace("401004", "")
    assert "末尾は5" in err.message
    assert JAPANESE.search(err.message)


@pytest.mark.parametrize("raw", ["abc", "1234567", "1234", "", "40-100", "4010０5x", "40100.5", 1100])
def test_normalize_lg_code_format_errors(raw):
    with pytest.raises(ApplicationError) as info:
        normalize_lg_code(raw)
    assert info.value.code == "lg_code_format"
    assert JAPANESE.search(info.value.message)
    assert f"「{raw}」" in info.value.message


def test_every_wrong_check_digit_is_rejected():
    for digit in range(10):
        code = f"40100{digit}"
        if digit == 5:
            assert normalize_lg_code(code) == code
        else:
            with pytest.raises(ApplicationError) as info:
                normalize_lg_code(code)
            assert info.value.code == "lg_code_check_digit"


def test_normalize_lg_code_result_is_always_ascii():
    try:
        result = normalize_lg_code("٤٠١٠٠٥")
    except ApplicationError as exc:
        assert exc.code == "lg_code_format"
    else:
        assert result == "401005"
