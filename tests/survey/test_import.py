"""survey_import on a real database: exact totals, re-import, partial import, rollback, org rules, CLI forms."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from civicdx.core.models import AuditEvent, Municipality, OrgUnit
from civicdx.survey.importing.service import ImportSource, survey_import
from civicdx.survey.models import SectionResponse, SectionTotals, Step, Survey, SurveyImport, Task
from tests.conftest import ORG_A, ORG_B, ORG_C, section_rows, std_row, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def run_import(paths, **kwargs):
    kwargs.setdefault("fiscal_year", "R3")
    kwargs.setdefault("municipality_code", "401005")
    return survey_import(actor=None, sources=[ImportSource(path=p, name=p.name) for p in paths], **kwargs)


def test_exact_totals_on_a_hand_made_file(files):
    path = write_xlsx(files / "人事係.xlsx", section_rows(ORG_A, "A"))
    outcome = run_import([path])
    assert outcome.ok, outcome.errors
    # 10*120/60 + 5*120/60 + 30*12/60 = 20 + 10 + 6 = 36 h; the second 業務 reports 100 h directly.
    assert (outcome.tasks, outcome.steps, outcome.hours) == (2, 3, 136.0)
    survey = Survey.objects.get()
    assert survey.fiscal_year == 2021 and survey.municipality.name == "北九州市"
    t1 = Task.objects.get(code="A-1")
    assert t1.hours == pytest.approx(36.0) and t1.step_count == 3 and t1.busy_months == "6,7"
    assert t1.is_core is True and t1.is_routine is True and t1.needs_expertise is False
    assert [s.hours for s in t1.steps.order_by("no")] == pytest.approx([20.0, 10.0, 6.0])
    assert Task.objects.get(code="A-2").reported_hours == 100.0
    # The tree was built from the file (empty database), valid from the start of the fiscal year.
    section = OrgUnit.objects.get(kind="section")
    assert section.path == "総務局/総務部/人事課/人事係" and str(section.valid_from) == "2021-04-01"
    assert SectionResponse.objects.get(section=section).status == "submitted"
    assert SectionTotals.objects.get(dimension="all").hours == pytest.approx(136.0)
    assert AuditEvent.objects.filter(action="survey.import").count() == 1


def test_csv_cp932_and_utf8_give_the_same_result(files):
    rows = section_rows(ORG_A, "A")
    a = run_import([write_csv(files / "a.csv", rows, encoding="cp932")], round="詳細調査")
    b = run_import([write_csv(files / "b.csv", rows, encoding="utf-8")], round="追加調査")
    assert a.ok and b.ok
    assert (a.tasks, a.steps, a.hours) == (b.tasks, b.steps, b.hours) == (2, 3, 136.0)


def test_reimporting_a_section_replaces_only_that_section(files):
    run_import([write_xlsx(files / "a.xlsx", section_rows(ORG_A, "A")), write_xlsx(files / "b.xlsx", section_rows(ORG_B, "B"))])
    assert Task.objects.count() == 4
    b_ids = set(Task.objects.filter(code__startswith="B").values_list("pk", flat=True))
    # 人事係 sends a corrected file with one 業務 only.
    corrected = [std_row(**ORG_A, task_code="A-9", task_name="人事異動の事務", core="コア", routine="定型", expertise="有",
                         step_name="内示の起案", step_kind="起案・決裁", minutes=60, cases=10)]
    outcome = run_import([write_xlsx(files / "a2.xlsx", corrected)])
    assert outcome.ok
    assert set(Task.objects.filter(section__name="人事係").values_list("code", flat=True)) == {"A-9"}
    assert set(Task.objects.filter(code__startswith="B").values_list("pk", flat=True)) == b_ids
    assert Step.objects.filter(task__section__name="人事係").count() == 1
    assert SectionTotals.objects.get(dimension="all", section__name="人事係").hours == pytest.approx(10.0)


def test_one_mistake_and_nothing_is_written(files):
    good = section_rows(ORG_A, "A")
    bad = section_rows(ORG_B, "B")
    bad[1][HEADER_INDEX["step_kind"]] = "てきとう"
    bad[2][HEADER_INDEX["minutes"]] = "三十分くらい"
    outcome = run_import([write_xlsx(files / "good.xlsx", good), write_xlsx(files / "給与係.xlsx", bad)])
    assert not outcome.ok and outcome.status == "rejected"
    assert Task.objects.count() == 0 and Survey.objects.count() == 0 and OrgUnit.objects.count() == 0
    assert len(outcome.errors) == 2
    first = outcome.errors[0]
    assert first["file"] == "給与係.xlsx" and first["sheet"] == "調査票" and first["row"] == 3
    assert first["column"].startswith("作業種類") and "O列" in first["column"] and first["value"] == "てきとう"
    assert "作業種類" in first["message"] and first["code"] == "invalid_value"
    assert outcome.errors[1]["row"] == 4 and outcome.errors[1]["column"].startswith("1件当たり時間(分)")


def test_partial_import_writes_the_valid_tasks(files):
    rows = section_rows(ORG_A, "A")
    rows[3][HEADER_INDEX["core"]] = "たぶんコア"
    outcome = run_import([write_xlsx(files / "a.xlsx", rows)], partial=True)
    assert not outcome.ok and outcome.status == "partial"
    assert outcome.tasks == 1 and outcome.skipped_tasks == 1
    assert list(Task.objects.values_list("code", flat=True)) == ["A-1"]


def test_dry_run_checks_without_writing(files):
    outcome = run_import([write_xlsx(files / "a.xlsx", section_rows(ORG_A, "A"))], dry_run=True)
    assert outcome.ok and outcome.status == "checked" and outcome.tasks == 2
    assert Task.objects.count() == 0 and Municipality.objects.count() == 0


def test_unknown_org_is_an_error_once_a_tree_exists_unless_create_org(files):
    run_import([write_xlsx(files / "a.xlsx", section_rows(ORG_A, "A"))])
    new = write_xlsx(files / "c.xlsx", section_rows(ORG_C, "C"))
    outcome = run_import([new])
    assert not outcome.ok and {e["code"] for e in outcome.errors} == {"org_unknown"}
    assert "保護第一係" in outcome.errors[0]["message"] or "保護第一係" in outcome.errors[0]["value"]
    assert Task.objects.filter(code__startswith="C").count() == 0
    assert run_import([new], create_org=True).ok
    assert OrgUnit.objects.get(kind="section", name="保護第一係").path == "保健福祉局/保護課/保護第一係"


def test_unknown_municipality_and_bad_year_are_clear(files):
    from civicdx.core.errors import ApplicationError

    path = write_xlsx(files / "a.xlsx", section_rows(ORG_A, "A"))
    with pytest.raises(ApplicationError) as exc:
        run_import([path], municipality_code="401004")
    assert exc.value.code == "lg_code_check_digit"
    with pytest.raises(ApplicationError) as exc:
        run_import([path], fiscal_year="昭和64年度")
    assert "昭和64年度" in exc.value.message


def test_import_record_keeps_the_original_file(files):
    from civicdx.survey.importing.service import import_record_create

    path = write_xlsx(files / "人事係.xlsx", section_rows(ORG_A, "A"))
    sources = [ImportSource(path=path, name="人事係.xlsx")]
    record = import_record_create(actor=None, sources=sources, fiscal_year=2021, round="全体調査", options={})
    outcome = survey_import(actor=None, sources=sources, fiscal_year=2021, municipality_code="401005", record=record)
    record.refresh_from_db()
    stored = record.files.get()
    assert outcome.import_id == record.pk and record.status == "imported" and record.stats["tasks"] == 2
    assert stored.original_name == "人事係.xlsx" and stored.size == path.stat().st_size
    assert stored.file.read() == path.read_bytes()


# --- the CLI forms -------------------------------------------------------------------------------------------

def test_cli_import_json_and_exit_codes(files, capsys):
    good = write_xlsx(files / "a.xlsx", section_rows(ORG_A, "A"))
    with pytest.raises(SystemExit) as exc:
        bad_rows = section_rows(ORG_B, "B")
        bad_rows[0][HEADER_INDEX["cases"]] = "-5"
        call_command("survey", "import", str(write_xlsx(files / "b.xlsx", bad_rows)), "--year", "R3",
                     "--municipality", "401005", "--json")
    assert exc.value.code == 2
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["errors"][0]["code"] == "out_of_range"
    assert set(data["errors"][0]) >= {"file", "sheet", "row", "column", "value", "code", "message"}
    assert SurveyImport.objects.get().status == "rejected"

    call_command("survey", "import", str(good), "--year", "Ｒ３", "--municipality", "401005", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and data["imported"] == {"tasks": 2, "steps": 3, "hours": 136.0, "sections": 1, "skipped_tasks": 0}
    assert data["errors"] == []

    with pytest.raises(SystemExit) as exc:
        call_command("survey", "import", str(files / "missing.xlsx"), "--year", "R3", "--json")
    assert exc.value.code == 1


def test_cli_summary_json_shape(files, capsys):
    run_import([write_xlsx(files / "a.xlsx", section_rows(ORG_A, "A")), write_xlsx(files / "c.xlsx", section_rows(ORG_C, "C"))])
    call_command("survey", "summary", "--year", "令和3年度", "--by", "division", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["hours_per_person_year"] == 1950
    assert data["total"] == {"tasks": 4, "steps": 6, "hours": 272.0, "person_years": round(272 / 1950, 3)}
    keys = {tuple(g["key"]): g for g in data["groups"]}
    assert keys[("総務局", "総務部", "人事課")]["hours"] == 136.0
    assert keys[("保健福祉局", "", "保護課")]["tasks"] == 2
    call_command("survey", "summary", "--year", "2021", "--by", "step_kind", "--json")
    kinds = {g["key"][0]: g for g in json.loads(capsys.readouterr().out)["groups"]}
    assert kinds["受付"]["hours"] == 40.0 and kinds["受付"]["tasks"] == 2
    assert kinds["（手順なし）"]["hours"] == 200.0


def test_cli_template_is_a_valid_standard_workbook(files, capsys):
    from python_calamine import CalamineWorkbook

    run_import([write_xlsx(files / "a.xlsx", section_rows(ORG_A, "A"))])
    out = files / "template.xlsx"
    call_command("survey", "template", "--year", "R3", "--section", "人事課/人事係", "-o", str(out))
    workbook = CalamineWorkbook.from_path(str(out))
    assert workbook.sheet_names[:2] == ["調査票", "記入方法"]
    rows = workbook.get_sheet_by_name("調査票").to_python()
    assert rows[0][:6] == ["局", "部", "課", "係", "業務ID", "業務名"]
    assert rows[1][:4] == ["総務局", "総務部", "人事課", "人事係"]


HEADER_INDEX = {}
from civicdx.survey.standard import COLUMNS  # noqa: E402

HEADER_INDEX.update({c.key: i for i, c in enumerate(COLUMNS)})


def test_many_files_are_parsed_in_parallel_with_the_same_result(files, monkeypatch):
    """Above a number of files the import reads and validates them in worker processes; nothing changes but speed."""
    from civicdx.survey.importing import service

    paths = [write_xlsx(files / f"{i}.xlsx", section_rows({**ORG_A, "section": f"第{i}係"}, f"P{i}")) for i in range(4)]
    bad = section_rows({**ORG_A, "section": "第9係"}, "Q")
    bad[0][HEADER_INDEX["step_kind"]] = "不明"
    paths.append(write_xlsx(files / "bad.xlsx", bad))
    paths.append(write_xlsx(files / "dup.xlsx", section_rows({**ORG_A, "section": "第0係"}, "P0")))  # 業務ID again
    monkeypatch.setattr(service, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(service, "FILES_PER_CHUNK", 2)
    outcome = run_import(paths, dry_run=True)
    assert {e["code"] for e in outcome.errors} == {"invalid_value", "duplicate_task"}
    assert next(e for e in outcome.errors if e["code"] == "duplicate_task")["file"] == "dup.xlsx"
    ok = run_import(paths[:4])
    assert ok.ok and (ok.tasks, ok.steps, ok.hours) == (8, 12, 4 * 136.0)
