"""Shared fixtures: a small demo city, users of every role, and standard-format files built by hand."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from civicdx.survey.standard import HEADERS

HEADER = list(HEADERS)


def std_row(**values) -> list:
    """A standard-format row from keyword arguments named by the canonical keys (bureau=…, task_code=…)."""
    from civicdx.survey.standard import COLUMNS

    return [values.get(c.key) for c in COLUMNS]


def write_xlsx(path: Path, rows: list[list], *, sheet: str = "調査票", header: list | None = None) -> Path:
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    ws.append(header or HEADER)
    for row in rows:
        ws.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list], *, encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


ORG_A = dict(bureau="総務局", department="総務部", division="人事課", section="人事係")
ORG_B = dict(bureau="総務局", department="総務部", division="人事課", section="給与係")
ORG_C = dict(bureau="保健福祉局", department="", division="保護課", section="保護第一係")


def section_rows(org: dict, code_prefix: str) -> list[list]:
    """Two 業務: one with three steps (10×120 + 5×120 + 30×12 minutes = 36 h), one with task-level hours (100 h)."""
    return [
        std_row(**org, task_code=f"{code_prefix}-1", task_name="職員採用試験の実施", category_major="総務・企画", category_minor="人事管理",
                core="コア", routine="定型", expertise="無", step_no=1, step_name="申込書の受付", step_kind="受付",
                minutes=10, cases=120, medium="紙", seal="無", worker="正規職員", busy_months="6,7"),
        std_row(task_code=f"{code_prefix}-1", step_no=2, step_name="受験票の発送", step_kind="通知・発送", minutes="5分", cases="１２０",
                medium="紙", worker="会計年度任用職員"),
        std_row(task_code=f"{code_prefix}-1", step_no=3, step_name="合否の決裁", step_kind="起案・決裁", minutes="0.5時間", cases="12件",
                medium="電子", seal="有"),
        std_row(**org, task_code=f"{code_prefix}-2", task_name="庁内照会への回答", category_major="総務・企画", core="ノンコア",
                routine="非定型", expertise="無", hours=100),
    ]


@pytest.fixture
def files(tmp_path):
    return tmp_path


@pytest.fixture
def demo_survey(db):
    from civicdx.survey.services import demo_load

    return demo_load(scale="small", seed=7)


@pytest.fixture
def users(demo_survey):
    """Users of every role; the editors belong to the first 係 and its 課 (a different 局 exists too)."""
    from civicdx.core.models import User
    from civicdx.survey.selectors import org_tree

    tree = org_tree(survey=demo_survey)
    sections = sorted((u for u in tree.units.values() if u.kind == "section"), key=lambda u: u.pk)
    first = sections[0]
    other = next(u for u in sections if tree.chain(u.pk)[0].pk != tree.chain(first.pk)[0].pk)
    return {
        "dx": User.objects.get(username="dx"),
        "admin": User.objects.get(username="admin"),
        "section_editor": User.objects.get(username="kakari"),
        "division_editor": User.objects.get(username="ka"),
        "viewer": User.objects.get(username="etsuran"),
        "section": first,
        "other_section": other,
        "tree": tree,
    }


@pytest.fixture(autouse=True)
def _clear_cache():
    """Login throttling and job progress live in the cache: each test starts with an empty one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
