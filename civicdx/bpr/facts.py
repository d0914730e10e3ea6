"""Load a survey's 業務 and 作業手順 as plain facts for the rules, and build the city-wide context."""

from __future__ import annotations

import statistics
from collections import defaultdict

from django.db import connection

from civicdx.bpr.models import SimilarityGroup
from civicdx.bpr.rules import Context, GroupInfo, RuleSet, StepFacts, TaskFacts
from civicdx.bpr.similarity import normalize_name
from civicdx.survey.models import Survey


def load_facts(survey: Survey) -> list[TaskFacts]:
    """All 業務 of a survey with their steps, straight from the cursor (300,000 rows through the ORM are slow)."""
    tasks: dict[int, TaskFacts] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.id, t.code, t.name, t.section_id, o.parent_id, t.category_minor, t.legal_basis, t.is_core, "
            "t.is_routine, t.needs_expertise, t.hours FROM survey_task t JOIN core_orgunit o ON o.id = t.section_id "
            "WHERE t.survey_id = %s ORDER BY t.id", [survey.pk])
        for row in cursor.fetchall():
            tasks[row[0]] = TaskFacts(row[0], row[1], row[2], row[3], row[4] or row[3], row[5], row[6],
                                      _bool(row[7]), _bool(row[8]), _bool(row[9]), row[10])
        cursor.execute(
            "SELECT task_id, no, name, kind, minutes_per_case, cases_per_year, medium, has_seal, system, hours "
            "FROM survey_step WHERE survey_id = %s ORDER BY task_id, no", [survey.pk])
        for row in cursor.fetchall():
            task = tasks.get(row[0])
            if task is not None:
                task.steps.append(StepFacts(row[1], row[2], row[3], row[4], row[5], row[6], _bool(row[7]), row[8], row[9]))
    return list(tasks.values())


def _bool(value):
    return None if value is None else bool(value)


def build_context(survey: Survey, facts: list[TaskFacts], rules: RuleSet) -> Context:
    ctx = Context()
    minutes: dict[tuple[str, str], list[float]] = defaultdict(list)
    for task in facts:
        for step in task.steps:
            if step.minutes:
                minutes[(task.category_minor, step.kind)].append(step.minutes)
    ctx.medians = {key: (statistics.median(values), len(values)) for key, values in minutes.items()}

    within = rules.section("review.duplicate_name").get("within", "division")
    sections_by_name: dict[tuple, set[int]] = defaultdict(set)
    for task in facts:
        scope = task.division_id if within == "division" else 0
        sections_by_name[(scope, task.name)].add(task.section_id)
    for task in facts:
        scope = task.division_id if within == "division" else 0
        count = len(sections_by_name[(scope, task.name)])
        if count > 1:
            ctx.duplicates[task.id] = count

    # The same kind of work: similarity groups when computed, otherwise the normalised name.
    stored = dict(SimilarityGroup.objects.filter(survey=survey).values_list("task_id", "group_no"))
    labels = dict(SimilarityGroup.objects.filter(survey=survey).values_list("group_no", "label").distinct())
    members: dict[object, list[TaskFacts]] = defaultdict(list)
    for task in facts:
        key = ("g", stored[task.id]) if task.id in stored else ("n", normalize_name(task.name))
        members[key].append(task)
    for key, group in members.items():
        divisions = {t.division_id for t in group}
        if len(divisions) < 2:
            continue
        label = labels.get(key[1], group[0].name) if key[0] == "g" else group[0].name
        info = GroupInfo(key=label, places=len(divisions), tasks=len(group), hours=sum(t.hours for t in group))
        for task in group:
            ctx.groups[task.id] = info
    return ctx
