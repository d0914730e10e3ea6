"""A small hand-written survey (tests.flows.conftest's rows: 係A 人事係 and 係B 給与係 in 人事課, 係C 住民記録係 in
市民課) and users of every role for デジラボ, plus the default service catalogue.

B-1 給与計算 steps: 集計・報告 60, 入力・転記 240, その他 30 (min per case).
A-2 旅費の精算 steps: 審査・確認 15, 計算 10, 起案・決裁 5.
A-1 職員採用試験の実施: 受付 10, 通知・発送 5, 起案・決裁 30 (no step an AI議事録 or AI-OCR takes over).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from tests.conftest import write_xlsx
from tests.flows.conftest import PATH_A, PATH_B, PATH_DIV_AB, survey_rows


@dataclass
class Lab:
    survey: object
    municipality: object
    tasks: dict
    units: dict          # "A", "B", "C" (係), "div" (人事課), "div_c" (市民課)
    services: dict       # "AI議事録", "AI-OCR", "RPA集約処理", "ローコード支援・ヘルプデスク", "BPO"
    dx: object
    dx2: object
    editor_a: object     # 係A editor
    editor_b: object     # 係B editor (same 課)
    editor_c: object     # 係C editor (another 課)
    div_editor: object   # 人事課 editor
    div_editor_c: object  # 市民課 editor
    viewer: object       # 人事課 viewer

    def task(self, code):
        return self.tasks[code]

    def service(self, name):
        return self.services[name]


@pytest.fixture
def lab(db, tmp_path) -> Lab:
    from civicdx.core.models import OrgUnit, User
    from civicdx.digilab.services import services_ensure
    from civicdx.survey.importing.service import ImportSource, survey_import
    from civicdx.survey.models import Survey, Task

    sources = [ImportSource(path=write_xlsx(tmp_path / name, rows), name=name) for name, rows in survey_rows().items()]
    outcome = survey_import(actor=None, sources=sources, fiscal_year="R3", municipality_code="401005")
    assert outcome.ok, outcome.errors
    survey = Survey.objects.get()
    tasks = {}
    for t in Task.objects.filter(survey=survey).select_related("section", "section__parent"):
        tasks[t.code if t.code != "K-1" else f"K-1@{'A' if t.section.name == '人事係' else 'C'}"] = t
    units = {"A": OrgUnit.objects.get(path=PATH_A), "B": OrgUnit.objects.get(path=PATH_B),
             "C": tasks["C-1"].section, "div": OrgUnit.objects.get(path=PATH_DIV_AB)}
    units["div_c"] = units["C"].parent
    assert units["div"].kind == OrgUnit.Kind.DIVISION and units["div_c"].kind == OrgUnit.Kind.DIVISION
    municipality = survey.municipality

    def user(username, role, unit=None):
        return User.objects.create_user(username=username, password="x", role=role, municipality=municipality,
                                        org_unit=unit, display_name=username, email=f"{username}@example.jp")

    services = {s.name: s for s in services_ensure(municipality=municipality)}
    return Lab(survey=survey, municipality=municipality, tasks=tasks, units=units, services=services,
               dx=user("dx_office", User.Role.DX), dx2=user("dx_second", User.Role.DX),
               editor_a=user("editor_a", User.Role.EDITOR, units["A"]),
               editor_b=user("editor_b", User.Role.EDITOR, units["B"]),
               editor_c=user("editor_c", User.Role.EDITOR, units["C"]),
               div_editor=user("div_editor", User.Role.EDITOR, units["div"]),
               div_editor_c=user("div_editor_c", User.Role.EDITOR, units["div_c"]),
               viewer=user("viewer_div", User.Role.VIEWER, units["div"]))


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c
