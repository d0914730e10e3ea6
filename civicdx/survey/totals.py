"""Maintain SectionTotals: per-係 aggregates that make city-wide summaries fast.

Every write of tasks or steps calls ``section_totals_refresh`` for the 係 it touched, inside its transaction.
The aggregation runs in the database (INSERT … SELECT … GROUP BY), the same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import F

from civicdx.survey.models import SectionTotals, Survey, Task

NO_STEPS = "（手順なし）"
UNANSWERED = "（未回答）"

_MATRIX_VALUE = (
    "(CASE WHEN t.is_core IS NULL THEN '未回答' WHEN t.is_core THEN 'コア' ELSE 'ノンコア' END) || '|' || "
    "(CASE WHEN t.is_routine IS NULL THEN '未回答' WHEN t.is_routine THEN '定型' ELSE '非定型' END) || '|' || "
    "(CASE WHEN t.needs_expertise IS NULL THEN '未回答' WHEN t.needs_expertise THEN '専門性有' ELSE '専門性無' END)"
)
_TASK_DIMENSIONS = {"all": "''", "category": f"COALESCE(NULLIF(t.category_major, ''), '{UNANSWERED}')", "matrix": _MATRIX_VALUE}
_STEP_DIMENSIONS = {"kind": "s.kind", "medium": "s.medium", "worker": "s.worker_type"}
INSERT = 'INSERT INTO "survey_sectiontotals" ("survey_id", "section_id", "dimension", "value", "tasks", "steps", "hours") '


def section_totals_refresh(*, survey: Survey, section_ids: Sequence[int] | None = None) -> None:
    """Recompute the totals of the given 係 (all 係 of the survey when None) and bump the survey's data version.

    Call inside the write's transaction: every write of tasks or steps ends here.
    """
    Survey.objects.filter(pk=survey.pk).update(data_version=F("data_version") + 1)
    chunks = [None] if section_ids is None else [list(section_ids[i:i + 500]) for i in range(0, len(section_ids), 500)]
    for chunk in chunks:
        _refresh(survey.pk, chunk)


def _refresh(survey_id: int, sections: list[int] | None) -> None:
    qs = SectionTotals.objects.filter(survey_id=survey_id)
    if sections is not None:
        qs = qs.filter(section_id__in=sections)
    qs._raw_delete(qs.db)
    where = "t.survey_id = %s"
    params: list = [survey_id]
    if sections is not None:
        where += f" AND t.section_id IN ({', '.join(['%s'] * len(sections))})"
        params += sections
    with connection.cursor() as cursor:
        for dimension, value in _TASK_DIMENSIONS.items():
            group = "" if value == "''" else f", {value}"  # PostgreSQL refuses a constant in GROUP BY
            cursor.execute(
                INSERT + f"SELECT t.survey_id, t.section_id, %s, {value}, COUNT(*), SUM(t.step_count), SUM(t.hours) "
                f"FROM survey_task t WHERE {where} GROUP BY t.survey_id, t.section_id{group}",
                [dimension, *params])
        for dimension, value in _STEP_DIMENSIONS.items():
            expr = f"COALESCE(NULLIF({value}, ''), '{UNANSWERED}')"
            cursor.execute(
                INSERT + f"SELECT t.survey_id, t.section_id, %s, {expr}, COUNT(DISTINCT s.task_id), COUNT(*), SUM(s.hours) "
                f"FROM survey_step s JOIN survey_task t ON t.id = s.task_id WHERE {where} "
                f"GROUP BY t.survey_id, t.section_id, {expr}",
                [dimension, *params])
            cursor.execute(
                INSERT + f"SELECT t.survey_id, t.section_id, %s, '{NO_STEPS}', COUNT(*), 0, SUM(t.hours) "
                f"FROM survey_task t WHERE {where} AND t.step_count = 0 GROUP BY t.survey_id, t.section_id",
                [dimension, *params])
    # 繁忙月 is a list per 業務: split in Python (only 業務 that name months).
    months: dict[tuple[int, str], list] = {}
    tasks = Task.objects.filter(survey_id=survey_id).exclude(busy_months="")
    if sections is not None:
        tasks = tasks.filter(section_id__in=sections)
    for section_id, busy, steps, hours in tasks.values_list("section_id", "busy_months", "step_count", "hours").iterator(chunk_size=10000):
        for month in busy.split(","):
            slot = months.setdefault((section_id, month), [0, 0, 0.0])
            slot[0] += 1
            slot[1] += steps
            slot[2] += hours
    SectionTotals.objects.bulk_create(
        [SectionTotals(survey_id=survey_id, section_id=sid, dimension="month", value=m, tasks=v[0], steps=v[1], hours=v[2])
         for (sid, m), v in months.items()], batch_size=5000)
