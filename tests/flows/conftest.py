"""A small hand-written survey (3 係 in 2 課) and users for the flows tests: every expected number is known.

係A = 総務局/総務部/人事課/人事係, 係B = 総務局/総務部/人事課/給与係, 係C = 市民局/市民課/住民記録係.

業務 (code: name, annual hours from the steps):
  A-1 職員採用試験の実施   10×120 + 5×120 + 30×12 min                 = 36 h   (繁忙月 6,7)
  A-2 旅費の精算           (15+10+5)×200 min                           = 100 h
  A-3 職員の懲戒処分       120×5 + 60×5 min                            = 15 h
  K-1 庁内照会への回答     no steps, 20 h reported (in 係A and in 係C: an ambiguous 業務ID)
  B-1 給与計算             (60+240+30)×12 min                          = 66 h
  B-2 年末調整             30×1 + 5×600 min                            = 50.5 h  (繁忙月 11,12,1)
  C-1 住民票の写しの交付   (3+2+1+1+1)×3000 min                        = 400 h  (繁忙月 3,4)
  C-2 転入届の処理         (10+5+2)×1500 min                           = 425 h
  K-1 庁内照会への回答     (係C) 20 h
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import std_row, write_xlsx

ORG_JINJI = dict(bureau="総務局", department="総務部", division="人事課", section="人事係")
ORG_KYUYO = dict(bureau="総務局", department="総務部", division="人事課", section="給与係")
ORG_SHIMIN = dict(bureau="市民局", department="", division="市民課", section="住民記録係")

PATH_A = "総務局/総務部/人事課/人事係"
PATH_B = "総務局/総務部/人事課/給与係"
PATH_DIV_AB = "総務局/総務部/人事課"

TASK_COMMON = dict(core="コア", routine="定型", expertise="無", category_major="総務・企画")


def _task(org, code, name, minor, steps, *, busy="", hours=None):
    """Rows of one 業務: the first carries the org and task columns, steps follow."""
    if not steps:
        return [std_row(**org, task_code=code, task_name=name, category_minor=minor, busy_months=busy, hours=hours,
                        **TASK_COMMON)]
    rows = []
    for no, (step_name, kind, minutes, cases, extra) in enumerate(steps, start=1):
        values = dict(task_code=code, step_no=no, step_name=step_name, step_kind=kind, minutes=minutes, cases=cases,
                      medium=extra.get("medium", "紙"), system=extra.get("system"), worker=extra.get("worker", "正規職員"))
        if no == 1:
            values.update(org, task_name=name, category_minor=minor, busy_months=busy, **TASK_COMMON)
        rows.append(std_row(**values))
    return rows


def survey_rows() -> dict[str, list[list]]:
    e = {}
    jinji = (
        _task(ORG_JINJI, "A-1", "職員採用試験の実施", "人事管理", [
            ("申込書の受付", "受付", 10, 120, e), ("受験票の発送", "通知・発送", 5, 120, e),
            ("合否の決裁", "起案・決裁", 30, 12, e)], busy="6,7")
        + _task(ORG_JINJI, "A-2", "旅費の精算", "服務", [
            ("出張命令の確認", "審査・確認", 15, 200, e),
            ("旅費の計算", "計算", 10, 200, {"medium": "電子", "system": "財務会計システム"}),
            ("支出命令の決裁", "起案・決裁", 5, 200, e)])
        + _task(ORG_JINJI, "A-3", "職員の懲戒処分", "服務", [
            ("事実関係の調査", "現地調査", 120, 5, e), ("処分案の起案", "起案・決裁", 60, 5, e)])
        + _task(ORG_JINJI, "K-1", "庁内照会への回答", "庶務", [], hours=20)
    )
    kyuyo = (
        _task(ORG_KYUYO, "B-1", "給与計算", "給与", [
            ("勤務実績の集計", "集計・報告", 60, 12, e),
            ("給与データの入力", "入力・転記", 240, 12, {"medium": "電子", "system": "給与システム"}),
            ("振込データの作成", "その他", 30, 12, {"worker": "委託", "medium": "電子"})])
        + _task(ORG_KYUYO, "B-2", "年末調整", "給与", [
            ("申告書の配布", "通知・発送", 30, 1, e), ("申告書の点検", "照合・点検", 5, 600, e)], busy="11,12,1")
    )
    shimin = (
        _task(ORG_SHIMIN, "C-1", "住民票の写しの交付", "住民基本台帳", [
            ("交付申請の受付", "受付", 3, 3000, e), ("本人確認", "審査・確認", 2, 3000, e),
            ("証明書の発行", "入力・転記", 1, 3000, {"medium": "電子", "system": "住基システム"}),
            ("手数料の収納", "計算", 1, 3000, e), ("写しの交付", "通知・発送", 1, 3000, e)], busy="3,4")
        + _task(ORG_SHIMIN, "C-2", "転入届の処理", "住民基本台帳", [
            ("転入届の受付", "受付", 10, 1500, e),
            ("住民票の作成", "入力・転記", 5, 1500, {"medium": "電子", "system": "住基システム"}),
            ("転入通知の発送", "通知・発送", 2, 1500, e)])
        + _task(ORG_SHIMIN, "K-1", "庁内照会への回答", "庶務", [], hours=20)
    )
    return {"人事係.xlsx": jinji, "給与係.xlsx": kyuyo, "住民記録係.xlsx": shimin}


EXPECTED_HOURS = {"A-1": 36.0, "A-2": 100.0, "A-3": 15.0, "B-1": 66.0, "B-2": 50.5, "C-1": 400.0, "C-2": 425.0}


@dataclass
class World:
    survey: object
    tasks: dict          # "A-1" → Task; "K-1@A" / "K-1@C" for the shared code
    units: dict          # "A", "B", "C", "div" → OrgUnit
    dx: object
    editor_a: object
    editor_b: object
    chief_a: object      # 係長 of 係A (can_approve)
    successor_a: object  # another editor of 係A
    viewer: object       # viewer of 人事課
    viewer_c: object     # viewer of 係C

    def task(self, code: str):
        return self.tasks[code]


@pytest.fixture
def world(db, tmp_path) -> World:
    from civicdx.core.models import OrgUnit, User
    from civicdx.survey.importing.service import ImportSource, survey_import
    from civicdx.survey.models import Survey, Task

    sources = []
    for name, rows in survey_rows().items():
        path = write_xlsx(tmp_path / name, rows)
        sources.append(ImportSource(path=path, name=name))
    outcome = survey_import(actor=None, sources=sources, fiscal_year="R3", municipality_code="401005")
    assert outcome.ok, outcome.errors
    survey = Survey.objects.get()
    tasks = {}
    for t in Task.objects.filter(survey=survey).select_related("section", "survey"):
        key = t.code if t.code != "K-1" else f"K-1@{'A' if t.section.name == '人事係' else 'C'}"
        tasks[key] = t
    assert len(tasks) == 9
    for code, hours in EXPECTED_HOURS.items():
        assert tasks[code].hours == pytest.approx(hours), code
    units = {"A": OrgUnit.objects.get(path=PATH_A), "B": OrgUnit.objects.get(path=PATH_B),
             "C": tasks["C-1"].section, "div": OrgUnit.objects.get(path=PATH_DIV_AB)}
    municipality = survey.municipality

    def user(username, role, unit=None, can_approve=False):
        return User.objects.create_user(username=username, password="x", role=role, municipality=municipality,
                                        org_unit=unit, can_approve=can_approve, display_name=username)

    return World(
        survey=survey, tasks=tasks, units=units,
        dx=user("dx_office", User.Role.DX),
        editor_a=user("editor_a", User.Role.EDITOR, units["A"]),
        editor_b=user("editor_b", User.Role.EDITOR, units["B"]),
        chief_a=user("chief_a", User.Role.EDITOR, units["A"], can_approve=True),
        successor_a=user("successor_a", User.Role.EDITOR, units["A"]),
        viewer=user("viewer_div", User.Role.VIEWER, units["div"]),
        viewer_c=user("viewer_c", User.Role.VIEWER, units["C"]),
    )


@pytest.fixture
def generated(world) -> World:
    """The world with an As-Is flow for every 業務 (and the search index built)."""
    from civicdx.flows.services import flows_generate

    result = flows_generate(survey=world.survey, actor=world.dx)
    assert result == {"created": 9, "already": 0}
    return world
