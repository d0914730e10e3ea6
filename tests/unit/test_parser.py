"""civicdx.survey.importing: parser (rows → 業務/作業手順), reader (files → rows) and mapping profiles."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import Workbook

from civicdx.core.errors import ApplicationError
from civicdx.survey.importing.parser import (
    ParseResult,
    column_letter,
    find_header,
    parse_sheets,
)
from civicdx.survey.importing.profiles import (
    STANDARD,
    get_profile,
    header_variants,
    parse_profile,
)
from civicdx.survey.importing.reader import Sheet, decode_csv_bytes, read_sheets
from civicdx.survey.standard import COLUMN_BY_KEY, COLUMNS, STEP_KINDS

from .conftest import HEADER, KEYS, ORG, ORG2, std_row, task_row

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ERROR_FIELDS = {"file", "sheet", "row", "column", "value", "code", "message"}


def letter(key: str) -> str:
    return column_letter(KEYS.index(key))


def col(key: str, *, excel: bool = True) -> str:
    header = COLUMN_BY_KEY[key].header
    return f"{header}（{letter(key)}列）" if excel else header


def parse(rows, *, header=None, file="a.xlsx", name="調査票", profile=STANDARD, result=None, title_rows=()):
    result = result or ParseResult()
    sheet = Sheet(file=file, name=name, rows=[list(r) for r in title_rows] + [list(header or HEADER)] + [list(r) for r in rows])
    parse_sheets([sheet], profile, result)
    return result


def codes(result):
    return [e["code"] for e in result.errors]


def assert_well_formed(error):
    assert set(error) == ERROR_FIELDS
    assert JAPANESE.search(error["message"]), error


# --- computing hours -------------------------------------------------------------------------------------------------

def test_three_steps_hours_are_sum_of_minutes_times_cases_over_60():
    steps = [(7, 13), ("5分", "１２０"), ("0.5時間", "12件")]
    rows = [task_row(step_no=1, step_name="申込書の受付", step_kind="受付", minutes=steps[0][0], cases=steps[0][1]),
            std_row(task_code="A-1", step_no=2, step_name="受験票の発送", step_kind="通知・発送", minutes=steps[1][0], cases=steps[1][1]),
            std_row(task_code="A-1", step_no=3, step_name="合否の決裁", step_kind="起案・決裁", minutes=steps[2][0], cases=steps[2][1])]
    rows[0][KEYS.index("task_code")] = "A-1"
    result = parse(rows)
    assert result.errors == []
    assert len(result.tasks) == 1
    task = result.tasks[0]
    assert [s.no for s in task.steps] == [1, 2, 3]
    assert [(s.minutes_per_case, s.cases_per_year) for s in task.steps] == [(7.0, 13.0), (5.0, 120.0), (30.0, 12.0)]
    expected = 7 * 13 / 60 + 5 * 120 / 60 + 30 * 12 / 60
    assert task.hours == expected
    assert [s.hours for s in task.steps] == [7 * 13 / 60, 10.0, 6.0]
    assert all(s.reported_hours is None for s in task.steps)
    assert result.rows == 3


def test_step_with_matching_hours_keeps_computed_hours():
    rows = [task_row(task_code="A-1", step_name="受付", step_kind="受付", minutes=10, cases=6, hours="1.0")]
    result = parse(rows)
    assert result.errors == []
    step = result.tasks[0].steps[0]
    assert step.hours == 1.0
    assert step.reported_hours == 1.0


def test_step_with_only_hours_uses_them():
    rows = [task_row(task_code="A-1", step_name="受付", step_kind="受付", hours="12時間")]
    result = parse(rows)
    assert result.errors == []
    assert result.tasks[0].steps[0].hours == 12.0
    assert result.tasks[0].hours == 12.0


def test_task_without_steps_gets_reported_hours():
    rows = [task_row(task_code="B-1", hours=100), task_row(org=ORG, task_code="B-2", hours="1,200時間")]
    result = parse(rows)
    assert result.errors == []
    first, second = result.tasks
    assert first.steps == [] and first.reported_hours == 100.0 and first.hours == 100.0
    assert second.steps == [] and second.reported_hours == 1200.0 and second.hours == 1200.0


def test_task_with_neither_steps_nor_hours_has_zero_hours_and_no_error():
    result = parse([task_row(task_code="B-1")])
    assert result.errors == []
    assert result.tasks[0].hours == 0.0
    assert result.tasks[0].reported_hours is None


def test_reported_hours_then_a_step_row_is_an_error():
    rows = [task_row(task_code="B-1", hours=100), std_row(task_code="B-1", step_name="受付", step_kind="受付", minutes=1, cases=60)]
    result = parse(rows)
    assert codes(result) == ["hours_without_step"]
    assert result.errors[0]["row"] == 3
    assert result.tasks[0].has_error


def test_hours_only_row_after_steps_is_an_error():
    rows = [task_row(task_code="B-1", step_name="受付", step_kind="受付", minutes=1, cases=60), std_row(task_code="B-1", hours=5)]
    result = parse(rows)
    assert codes(result) == ["hours_without_step"]
    assert result.errors[0]["column"] == col("hours")


def test_task_level_hours_twice_is_a_conflict():
    result = parse([task_row(task_code="B-1", hours=100), std_row(task_code="B-1", hours=50)])
    assert codes(result) == ["task_conflict"]
    assert result.tasks[0].reported_hours == 100.0


# --- carrying values over ------------------------------------------------------------------------------------------

def test_task_columns_left_blank_on_later_rows_carry_over():
    rows = [
        task_row(task_code="A-1", task_name="旅費の精算", category_major="総務・企画", category_minor="庶務",
                 legal_basis="市規則", core="ノンコア", routine="定型", expertise="無", busy_months="4,5",
                 step_name="請求書の受付", step_kind="受付", minutes=5, cases=100),
        std_row(step_name="支払額の計算", step_kind="計算", minutes=10, cases=100),  # no 業務ID either
        std_row(task_code="A-1", step_name="書類の保管", step_kind="保管・整理", minutes=2, cases=100),
    ]
    result = parse(rows)
    assert result.errors == []
    assert len(result.tasks) == 1
    task = result.tasks[0]
    assert task.org == ("総務局", "総務部", "人事課", "人事係")
    assert (task.code, task.name, task.category_major, task.category_minor, task.legal_basis) == (
        "A-1", "旅費の精算", "総務・企画", "庶務", "市規則")
    assert (task.is_core, task.is_routine, task.needs_expertise, task.busy_months) == (False, True, False, "4,5")
    assert [s.name for s in task.steps] == ["請求書の受付", "支払額の計算", "書類の保管"]
    assert [s.no for s in task.steps] == [1, 2, 3]  # numbered automatically
    assert (task.file, task.sheet, task.row) == ("a.xlsx", "調査票", 2)


def test_repeating_the_same_task_values_is_not_a_conflict():
    rows = [task_row(task_code="A-1", step_name="受付", step_kind="受付", minutes=5, cases=10),
            task_row(task_code="A-1", core="ｺｱ", routine=" 定型 ", step_name="審査", step_kind="審査", minutes=5, cases=10)]
    result = parse(rows)
    assert result.errors == []
    assert len(result.tasks) == 1
    assert len(result.tasks[0].steps) == 2


def test_organisation_carries_over_and_new_section_starts_new_task():
    rows = [task_row(task_code="A-1", hours=10),
            std_row(section="給与係", task_code="A-1", task_name="給与支給", core="コア", routine="定型", expertise="無", hours=20)]
    result = parse(rows)
    assert result.errors == []
    assert [t.org for t in result.tasks] == [("総務局", "総務部", "人事課", "人事係"), ("総務局", "総務部", "人事課", "給与係")]
    assert [t.hours for t in result.tasks] == [10.0, 20.0]


def test_new_bureau_does_not_carry_the_old_department():
    rows = [task_row(task_code="A-1", hours=10),
            task_row(org=dict(bureau="財政局", division="財政課", section="予算係"), task_code="B-1", hours=5)]
    result = parse(rows)
    assert result.errors == []
    assert result.tasks[1].org == ("財政局", "", "財政課", "予算係")


def test_template_row_with_only_organisation_is_skipped_without_error():
    rows = [std_row(**ORG2),  # a template row: only 局/部/課/係 filled in
            std_row(task_code="C-1", task_name="給与支給", core="コア", routine="定型", expertise="無", hours=30),
            std_row(**ORG)]  # trailing template row, nothing else
    result = parse(rows)
    assert result.errors == []
    assert result.rows == 1
    assert len(result.tasks) == 1
    assert result.tasks[0].org == ("総務局", "総務部", "人事課", "給与係")
    assert result.tasks[0].row == 3


def test_blank_rows_are_skipped():
    rows = [[None] * len(HEADER), ["", "  ", "\u3000"], task_row(task_code="A-1", hours=1), []]
    result = parse(rows)
    assert result.errors == []
    assert result.rows == 1
    assert result.tasks[0].row == 4


def test_short_rows_are_padded():
    rows = [task_row(task_code="A-1", hours=1)[: KEYS.index("hours") + 1]]
    result = parse(rows)
    assert result.errors == []
    assert result.tasks[0].hours == 1.0


def test_template_row_with_new_bureau_clears_department():
    rows = [task_row(task_code="A-1", hours=10),  # 総務局 / 総務部
            std_row(bureau="財政局", division="財政課", section="予算係"),  # template row, no 部
            std_row(task_code="B-1", task_name="予算編成", core="コア", routine="非定型", expertise="有", hours=5)]
    result = parse(rows)
    assert result.tasks[1].org == ("財政局", "", "財政課", "予算係")


# --- headers ---------------------------------------------------------------------------------------------------------

def test_headers_with_trailing_notes_and_spacing_are_recognised():
    header = list(HEADER)
    header[KEYS.index("core")] = "コア区分 (コア/ノンコア)"
    header[KEYS.index("routine")] = "定型区分（定型／非定型）"
    header[KEYS.index("expertise")] = "専門性\n(有/無)"
    header[KEYS.index("task_code")] = "業務 ＩＤ"
    header[KEYS.index("minutes")] = "1件当たり時間(分)(90分も可)"
    result = parse([task_row(task_code="A-1", core="ノンコア", routine="非定型", expertise="有",
                             step_name="受付", step_kind="受付", minutes="90分", cases=2)], header=header)
    assert result.errors == []
    task = result.tasks[0]
    assert (task.is_core, task.is_routine, task.needs_expertise) == (False, False, True)
    assert task.hours == 3.0


def test_header_variants():
    assert header_variants("コア区分 (コア/ノンコア)") == ["コア区分(コア/ノンコア)", "コア区分"]
    assert header_variants("１件当たり時間（分）") == ["1件当たり時間(分)", "1件当たり時間"]
    assert header_variants("業務名") == ["業務名"]
    assert header_variants(None) == [""]


def test_header_row_may_be_below_title_rows():
    title = [["令和3年度 業務量調査票"], [None, "所属: 総務局"]]
    rows = [task_row(task_code="A-1", core="たぶん", hours=1)]
    result = parse(rows, title_rows=title)
    assert len(result.tasks) == 1
    assert result.tasks[0].row == 4
    assert codes(result) == ["invalid_value"]
    assert result.errors[0]["row"] == 4  # Excel row: 2 title rows, header on row 3, data on row 4


def test_find_header_looks_at_the_first_30_rows_only():
    lookup = STANDARD.header_lookup()
    assert find_header([[]] * 29 + [HEADER], lookup)[0] == 29
    assert find_header([[]] * 30 + [HEADER], lookup) is None
    index, mapping = find_header([["x"], HEADER], lookup)
    assert index == 1
    assert mapping == {k: i for i, k in enumerate(KEYS)}


def test_no_header_is_reported_for_the_file():
    result = ParseResult()
    parse_sheets([Sheet(file="b.xlsx", name="Sheet1", rows=[["メモ"], ["業務名だけ"]]),
                  Sheet(file="b.xlsx", name="Sheet2", rows=[])], STANDARD, result)
    assert codes(result) == ["no_header"]
    err = result.errors[0]
    assert_well_formed(err)
    assert err["file"] == "b.xlsx"
    assert err["row"] is None
    assert result.tasks == []


def test_sheets_without_header_are_ignored_when_another_has_one():
    result = ParseResult()
    parse_sheets([Sheet(file="b.xlsx", name="説明", rows=[["記入要領"]]),
                  Sheet(file="b.xlsx", name="調査票", rows=[HEADER, task_row(task_code="A-1", hours=2)])], STANDARD, result)
    assert result.errors == []
    assert result.tasks[0].sheet == "調査票"


def test_missing_required_columns():
    header = [h for h, k in zip(HEADER, KEYS) if k not in ("core", "section")]
    rows = [[v for v, k in zip(task_row(task_code="A-1", hours=1), KEYS) if k not in ("core", "section")]]
    result = parse(rows, header=header, title_rows=[["タイトル"]])
    assert codes(result) == ["missing_columns"]
    err = result.errors[0]
    assert_well_formed(err)
    assert err["row"] == 2
    assert "係" in err["message"] and "コア区分" in err["message"]
    assert "定型区分" not in err["message"]
    assert result.tasks == []


# --- error reporting -----------------------------------------------------------------------------------------------

def test_all_mistakes_are_reported_at_once_with_location():
    rows = [
        task_row(task_code="A-1", step_name="受付", step_kind="てきとう", minutes=10, cases=5),
        std_row(task_code="A-1", step_name="入力", step_kind="入力", minutes="たくさん", cases=5),
        task_row(task_code="A-2", routine="ときどき", hours=3),
    ]
    result = parse(rows, file="人事課.xlsx", name="調査票")
    assert codes(result) == ["invalid_value"] * 3
    for err in result.errors:
        assert_well_formed(err)
        assert err["file"] == "人事課.xlsx"
        assert err["sheet"] == "調査票"
    assert [(e["row"], e["column"], e["value"]) for e in result.errors] == [
        (2, "作業種類（O列）", "てきとう"),
        (3, "1件当たり時間(分)（P列）", "たくさん"),
        (4, "定型区分（K列）", "ときどき"),
    ]
    assert col("step_kind") == "作業種類（O列）"
    assert all(t.has_error for t in result.tasks)
    # The valid parts were still parsed.
    assert [s.kind for s in result.tasks[0].steps] == ["", "入力・転記"]


def test_csv_errors_name_the_column_without_a_letter():
    rows = [task_row(task_code="A-1", step_name="受付", step_kind="てきとう", minutes=10, cases=5)]
    result = parse(rows, file="人事課.csv", name="")
    assert len(result.errors) == 1
    assert result.errors[0]["column"] == "作業種類"
    assert result.errors[0]["sheet"] == ""


def test_invalid_step_kind():
    result = parse([task_row(task_code="A-1", step_name="受付", step_kind="てきとう", minutes=10, cases=5)])
    err, = result.errors
    assert err["code"] == "invalid_value"
    assert err["value"] == "てきとう"
    assert "作業種類" in err["message"]
    assert all(kind in err["message"] for kind in STEP_KINDS)


def test_conflicting_task_value_on_a_later_row():
    rows = [task_row(task_code="A-1", core="コア", step_name="受付", step_kind="受付", minutes=10, cases=5),
            std_row(task_code="A-1", core="ノンコア", step_name="審査", step_kind="審査・確認", minutes=10, cases=5),
            std_row(task_code="A-1", task_name="別の名前", step_name="決裁", step_kind="起案・決裁", minutes=10, cases=5)]
    result = parse(rows)
    assert codes(result) == ["task_conflict", "task_conflict"]
    assert [(e["row"], e["column"], e["value"]) for e in result.errors] == [
        (3, col("core"), "ノンコア"), (4, col("task_name"), "別の名前")]
    assert "A-1" in result.errors[0]["message"]
    task = result.tasks[0]
    assert task.is_core is True and task.name == "職員採用試験の実施"  # the first row wins
    assert len(task.steps) == 3


def test_hours_mismatch():
    rows = [task_row(task_code="A-1", step_name="受付", step_kind="受付", minutes=10, cases=60, hours=20)]
    result = parse(rows)
    err, = result.errors
    assert err["code"] == "hours_mismatch"
    assert err["column"] == col("hours")
    assert err["value"] == "20"
    assert "10.0" in err["message"]
    assert result.tasks[0].steps[0].hours == 10.0  # computed value kept


@pytest.mark.parametrize(("hours", "ok"), [(10.0, True), (10.09, True), (10.11, False), (9.89, False)])
def test_hours_mismatch_tolerance_is_one_percent(hours, ok):
    rows = [task_row(task_code="A-1", step_name="受付", step_kind="受付", minutes=10, cases=60, hours=hours)]
    assert codes(parse(rows)) == ([] if ok else ["hours_mismatch"])


def test_duplicate_task_in_the_same_section_non_contiguous():
    rows = [task_row(task_code="A-1", hours=1), task_row(task_code="A-2", task_name="給与支給", hours=1),
            task_row(task_code="A-1", hours=1)]
    result = parse(rows)
    err, = result.errors
    assert err["code"] == "duplicate_task"
    assert err["row"] == 4
    assert err["value"] == "A-1"
    assert "a.xlsx" in err["message"] and "2行目" in err["message"]
    assert len(result.tasks) == 3
    assert result.tasks[2].has_error and not result.tasks[0].has_error


def test_same_task_code_in_other_section_is_fine():
    rows = [task_row(task_code="A-1", hours=1), task_row(org=ORG2, task_code="A-1", hours=1)]
    result = parse(rows)
    assert result.errors == []
    assert len(result.tasks) == 2


def test_duplicate_task_across_sheets():
    result = ParseResult()
    sheets = [Sheet(file="a.xlsx", name="1", rows=[HEADER, task_row(task_code="A-1", hours=1)]),
              Sheet(file="a.xlsx", name="2", rows=[HEADER, task_row(task_code="A-1", hours=1)])]
    parse_sheets(sheets, STANDARD, result)
    assert codes(result) == ["duplicate_task"]
    assert result.errors[0]["sheet"] == "2"
    assert "「1」" in result.errors[0]["message"]


def test_required_task_columns_on_first_row():
    rows = [std_row(**ORG, task_code="A-1", hours=1)]
    result = parse(rows)
    assert sorted(e["column"] for e in result.errors) == sorted(col(k) for k in ("task_name", "core", "routine", "expertise"))
    assert set(codes(result)) == {"required"}


def test_required_organisation():
    rows = [task_row(org=dict(bureau="総務局"), task_code="A-1", hours=1)]
    result = parse(rows)
    assert sorted(e["column"] for e in result.errors) == sorted([col("division"), col("section")])
    assert set(codes(result)) == {"required"}


def test_missing_task_code():
    rows = [task_row(hours=1)]
    result = parse(rows)
    assert codes(result) == ["required"]
    assert result.errors[0]["column"] == col("task_code")
    assert result.tasks == []


def test_step_missing_cases_and_missing_name_and_kind():
    rows = [task_row(task_code="A-1", step_name="受付", step_kind="受付", minutes=10),
            std_row(task_code="A-1", cases=10, minutes=1)]
    result = parse(rows)
    assert [(e["row"], e["column"], e["code"]) for e in result.errors] == [
        (2, col("cases"), "required"), (3, col("step_name"), "required"), (3, col("step_kind"), "required")]


def test_step_numbers():
    rows = [task_row(task_code="A-1", step_no=1, step_name="a", step_kind="受付", minutes=1, cases=1),
            std_row(step_no=1, step_name="b", step_kind="受付", minutes=1, cases=1),
            std_row(step_no="1.5", step_name="c", step_kind="受付", minutes=1, cases=1)]
    result = parse(rows)
    assert codes(result) == ["duplicate_step", "invalid_value"]
    assert [s.no for s in result.tasks[0].steps] == [1, 1, 3]


@pytest.mark.parametrize(("key", "value"), [("minutes", 60 * 24 * 367), ("cases", 100_000_001), ("hours", 1_000_001), ("cases", -1)])
def test_out_of_range(key, value):
    values = dict(task_code="A-1", step_name="受付", step_kind="受付", minutes=1, cases=1)
    values[key] = value
    result = parse([task_row(**values)])
    assert codes(result) == ["out_of_range"]
    assert result.errors[0]["column"] == col(key)


def test_aliases_are_mapped():
    rows = [task_row(task_code="A-1", category_major="総務企画", step_name="入力", step_kind="入力", minutes=1, cases=60,
                     medium="紙/電子", seal="○", worker="非常勤", system="ｴｸｾﾙ", busy_months="３・４月"),
            std_row(step_name="照合", step_kind="チェック", minutes=1, cases=60, medium="データ", seal="×", worker="正規")]
    result = parse(rows)
    assert result.errors == []
    task = result.tasks[0]
    assert task.category_major == "総務・企画"
    assert task.busy_months == "4,3"
    first, second = task.steps
    assert (first.kind, first.medium, first.has_seal, first.worker_type, first.system) == ("入力・転記", "紙・電子", True, "会計年度任用職員", "エクセル")
    assert (second.kind, second.medium, second.has_seal, second.worker_type) == ("照合・点検", "電子", False, "正規職員")


@pytest.mark.parametrize(("key", "value"), [("medium", "木簡"), ("worker", "ボランティア"), ("category_major", "宇宙"),
                                            ("seal", "たぶん"), ("busy_months", "春")])
def test_invalid_values_in_other_columns(key, value):
    values = dict(task_code="A-1", step_name="受付", step_kind="受付", minutes=1, cases=1)
    values[key] = value
    result = parse([task_row(**values)])
    assert codes(result) == ["invalid_value"]
    assert result.errors[0]["column"] == col(key)
    assert result.errors[0]["value"] == value


def test_error_value_is_truncated_and_errors_are_capped(monkeypatch):
    from civicdx.survey.importing import parser as parser_module

    monkeypatch.setattr(parser_module, "MAX_ERRORS", 3)
    rows = [task_row(task_code=f"A-{i}", core="x" * 300, hours=1) for i in range(5)]
    result = parse(rows)
    assert len(result.errors) == 3
    assert result.truncated
    assert len(result.errors[0]["value"]) == 200
    assert all(t.has_error for t in result.tasks)


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (14, "O"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")])
def test_column_letter(index, letters):
    assert column_letter(index) == letters


def test_numeric_expertise_in_a_real_excel_file(tmp_path):
    path = tmp_path / "人事課.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "調査票"
    sheet.append(HEADER)
    sheet.append(task_row(task_code="A-1", expertise=1, hours=1))
    workbook.save(path)
    result = ParseResult()
    parse_sheets(read_sheets(path), STANDARD, result)
    assert result.errors == []
    assert result.tasks[0].needs_expertise is True


def test_malformed_kanji_number_is_one_error_not_a_crash():
    rows = [task_row(task_code="A-1", step_name="受付", step_kind="受付", minutes=10, cases="十十")]
    result = parse(rows)
    assert codes(result) == ["invalid_value"]
    assert result.errors[0]["column"] == col("cases")


# --- mapping profiles ----------------------------------------------------------------------------------------------

def test_vendor_profile_maps_headers_and_values():
    profile = get_profile("vendor-example")
    assert profile.name == "vendor-example"
    header = ["所属局", "所属部", "所属課", "所属係", "事務コード", "事務名", "コア業務", "定型業務", "専門知識",
              "手順番号", "手順名", "作業区分", "処理時間(分)", "処理件数", "年間処理時間"]
    rows = [["総務局", "", "人事課", "人事係", "X1", "給与支給", "C", "R", "有", 1, "入力", "入力", 15, 40, None],
            [None, None, None, None, "X1", None, None, None, None, 2, "照合", "照合", "10分", "40件", None],
            [None, None, None, None, "X2", "相談対応", "N", "N", "無", None, None, None, None, None, 30]]
    result = parse(rows, header=header, profile=profile, file="vendor.csv", name="")
    assert result.errors == []
    first, second = result.tasks
    assert (first.code, first.name, first.is_core, first.is_routine, first.needs_expertise) == ("X1", "給与支給", True, True, True)
    assert first.org == ("総務局", "", "人事課", "人事係")
    assert [(s.no, s.name, s.kind, s.minutes_per_case, s.cases_per_year) for s in first.steps] == [
        (1, "入力", "入力・転記", 15.0, 40.0), (2, "照合", "照合・点検", 10.0, 40.0)]
    assert first.hours == 15 * 40 / 60 + 10 * 40 / 60
    assert (second.is_core, second.is_routine, second.needs_expertise, second.hours) == (False, False, False, 30.0)


def test_vendor_profile_still_reads_standard_headers():
    result = parse([task_row(task_code="A-1", hours=2)], profile=get_profile("vendor-example"))
    assert result.errors == []
    assert result.tasks[0].hours == 2.0


def test_standard_profile_does_not_translate_vendor_values():
    result = parse([task_row(task_code="A-1", core="N", hours=2)])  # 'N' is no standard answer for コア区分
    assert codes(result) == ["invalid_value"]


def test_get_profile():
    assert get_profile(None) is STANDARD
    assert get_profile("standard") is STANDARD
    with pytest.raises(ApplicationError) as info:
        get_profile("no-such-profile")
    assert info.value.code == "profile_not_found"
    assert "no-such-profile" in info.value.message and "vendor-example" in info.value.message


def test_get_profile_from_extra_dir(tmp_path):
    (tmp_path / "mine.yaml").write_text("name: mine\ncolumns:\n  task_name: 事業名\n", encoding="utf-8")
    profile = get_profile("mine", tmp_path)
    assert profile.label == "mine"
    assert profile.columns == {"task_name": ["事業名"]}
    assert profile.header_lookup()["事業名"] == "task_name"
    assert profile.header_lookup()["業務名"] == "task_name"  # standard headers still work


def test_parse_profile_valid():
    profile = parse_profile("name: x\nlabel: エックス\ncolumns:\n  minutes: [所要時間(分), 時間]\nvalues:\n  core: {1: コア, 0: ノンコア}\n")
    assert (profile.name, profile.label) == ("x", "エックス")
    assert profile.columns == {"minutes": ["所要時間(分)", "時間"]}
    assert profile.values == {"core": {"1": "コア", "0": "ノンコア"}}
    lookup = profile.header_lookup()
    assert lookup["所要時間"] == "minutes"
    assert lookup["時間"] == "minutes"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("name: [unclosed", "profile_yaml"),
        ("name: x\ncolumns: {a: b\n", "profile_yaml"),
        ("columns: {}\n", "profile_invalid"),
        ("- a\n- b\n", "profile_invalid"),
        ("", "profile_invalid"),
        ("name: x\ncolumns: [a, b]\n", "profile_invalid"),
        ("name: x\ncolumns:\n  task_nmae: [事務名]\n", "profile_unknown_column"),
        ("name: x\nvalues:\n  colour: {a: b}\n", "profile_unknown_column"),
    ],
)
def test_parse_profile_rejects(text, code):
    with pytest.raises(ApplicationError) as info:
        parse_profile(text, source="（bad.yaml）")
    assert info.value.code == code
    assert JAPANESE.search(info.value.message)
    assert "bad.yaml" in info.value.message


def test_parse_profile_unknown_column_names_it():
    with pytest.raises(ApplicationError) as info:
        parse_profile("name: x\ncolumns:\n  task_nmae: [事務名]\n")
    assert "task_nmae" in info.value.message


# --- reader --------------------------------------------------------------------------------------------------------

def _csv_text(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


CSV_ROWS = [HEADER, task_row(org=dict(bureau="総務局", division="髙橋課①", section="係Ⅱ"), task_code="A-1", hours="12")]


@pytest.mark.parametrize(("encoding", "label"), [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM付き)"), ("cp932", "CP932 (Shift_JIS)")])
def test_read_csv_in_each_encoding(tmp_path, encoding, label):
    path = tmp_path / "調査票.csv"
    path.write_bytes(_csv_text(CSV_ROWS).encode(encoding))
    assert decode_csv_bytes(path.read_bytes(), file=path.name)[1] == label
    sheets = read_sheets(path)
    assert len(sheets) == 1
    sheet = sheets[0]
    assert (sheet.file, sheet.name) == ("調査票.csv", "")
    assert sheet.rows[0] == HEADER  # no BOM left on the first header
    assert sheet.rows[1][KEYS.index("division")] == "髙橋課①"
    assert sheet.rows[1][KEYS.index("section")] == "係Ⅱ"
    result = ParseResult()
    parse_sheets(sheets, STANDARD, result)
    assert result.errors == []
    assert result.tasks[0].org == ("総務局", "", "髙橋課1", "係II")  # names are NFKC-normalised on import
    assert result.tasks[0].hours == 12.0


def test_read_tab_separated_text(tmp_path):
    path = tmp_path / "調査票.txt"
    path.write_text("\t".join(HEADER) + "\n" + "\t".join("" if v is None else str(v) for v in CSV_ROWS[1]) + "\n", encoding="utf-8")
    sheet, = read_sheets(path)
    assert sheet.rows[0] == HEADER
    assert sheet.rows[1][KEYS.index("task_code")] == "A-1"


def test_display_name_decides_file_type_and_error_file(tmp_path):
    path = tmp_path / "upload-123"
    path.write_bytes(_csv_text(CSV_ROWS).encode("utf-8"))
    sheet, = read_sheets(path, display_name="人事課.csv")
    assert sheet.file == "人事課.csv"


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"a,b\n\x80\xff\xfe\x81\x00", 2),  # invalid in UTF-8 and an incomplete CP932 double-byte character
        (bytes(range(128, 256)), 1),
        (b"\xef\xbb\xbf\xff\xfe", 1),  # UTF-8 BOM but invalid UTF-8 after it
    ],
)
def test_undecodable_csv(tmp_path, data, line):
    path = tmp_path / "壊れた.csv"
    path.write_bytes(data)
    with pytest.raises(ApplicationError) as info:
        read_sheets(path)
    err = info.value
    assert err.code == "csv_encoding"
    assert "壊れた.csv" in err.message
    assert f"{line}行目" in err.message
    assert "UTF-8" in err.message and "Shift_JIS" in err.message
    assert JAPANESE.search(err.message)
    detail, = err.details
    assert detail["file"] == "壊れた.csv" and detail["code"] == "csv_encoding" and detail["row"] == line


def test_undecodable_csv_with_bom_reports_the_right_line():
    data = b"\xef\xbb\xbfa,b\nc,\xff\xfe\n"  # the bad bytes are on line 2
    with pytest.raises(ApplicationError) as info:
        decode_csv_bytes(data, file="x.csv")
    assert info.value.code == "csv_encoding"
    assert "2行目" in info.value.message
    assert info.value.details[0]["row"] == 2


@pytest.mark.parametrize("name", ["report.docx", "data.pdf", "noext"])
def test_unsupported_file_type(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ApplicationError) as info:
        read_sheets(path)
    assert info.value.code == "file_type"
    assert name in info.value.message
    assert ".xlsx" in info.value.message and JAPANESE.search(info.value.message)


def test_broken_xlsx(tmp_path):
    path = tmp_path / "壊れた.xlsx"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(ApplicationError) as info:
        read_sheets(path)
    assert info.value.code == "file_unreadable"
    assert "壊れた.xlsx" in info.value.message
    assert JAPANESE.search(info.value.message)
    assert info.value.details[0]["file"] == "壊れた.xlsx"


def test_read_real_xlsx(tmp_path):
    path = tmp_path / "人事課.xlsx"
    workbook = Workbook()
    first = workbook.active
    first.title = "記入要領"
    first.append(["この様式に記入してください"])
    second = workbook.create_sheet("調査票")
    second.append(["令和3年度 業務量調査"])
    second.append([])
    second.append(HEADER)
    second.append(task_row(task_code="A-1", step_name="受付", step_kind="受付", minutes=15, cases=8))
    second.append(std_row(task_code="A-1", step_name="入力", step_kind="入力", minutes="1時間", cases=2))
    workbook.save(path)

    sheets = read_sheets(path)
    assert [s.name for s in sheets] == ["記入要領", "調査票"]
    assert all(s.file == "人事課.xlsx" for s in sheets)
    assert sheets[0].rows[0][0] == "この様式に記入してください"
    rows = sheets[1].rows
    assert rows[0][0] == "令和3年度 業務量調査"
    assert rows[2] == HEADER
    assert rows[3][KEYS.index("task_code")] == "A-1"
    assert rows[3][KEYS.index("minutes")] == 15
    assert rows[4][KEYS.index("minutes")] == "1時間"

    result = ParseResult()
    parse_sheets(sheets, STANDARD, result)
    assert result.errors == []
    task, = result.tasks
    assert (task.sheet, task.row) == ("調査票", 4)
    assert task.hours == 15 * 8 / 60 + 60 * 2 / 60


def test_excel_errors_carry_the_excel_row_and_letter(tmp_path):
    path = tmp_path / "人事課.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "調査票"
    sheet.append(["タイトル"])
    sheet.append(HEADER)
    sheet.append(task_row(task_code="A-1", hours=1))
    sheet.append(task_row(task_code="A-2", step_name="受付", step_kind="てきとう", minutes=1, cases=1))
    workbook.save(path)
    result = ParseResult()
    parse_sheets(read_sheets(path), STANDARD, result)
    err, = result.errors
    assert (err["file"], err["sheet"], err["row"], err["column"], err["value"]) == (
        "人事課.xlsx", "調査票", 4, "作業種類（O列）", "てきとう")


def test_standard_columns_are_consistent():
    assert len({c.key for c in COLUMNS}) == len(COLUMNS)
    assert len({c.header for c in COLUMNS}) == len(COLUMNS)
    lookup = STANDARD.header_lookup()
    for c in COLUMNS:
        assert lookup[c.header] == c.key
