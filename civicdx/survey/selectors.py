"""Reads of the survey part: every page, API endpoint and CLI command reads through here, scoped to the user."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Max, Q, QuerySet, Sum

from civicdx.core.errors import NotFoundError
from civicdx.core.models import Municipality, OrgUnit, User
from civicdx.core.permissions import check_municipality, check_view_unit, path_in_scope, scope_path
from civicdx.survey.models import SectionResponse, SectionTotals, Step, Survey, Task

BY_CHOICES = ("bureau", "department", "division", "section", "category", "step_kind", "medium", "worker",
              "busy_month", "matrix")
ORG_DEPTH = {"bureau": 1, "department": 2, "division": 3, "section": 4}


def org_version_date(municipality: Municipality | None, day: dt.date) -> dt.date | None:
    """The valid_from of the organisation tree in force on ``day`` (latest version starting on or before it)."""
    if municipality is None:
        return None
    return OrgUnit.objects.filter(municipality=municipality, valid_from__lte=day).aggregate(d=Max("valid_from"))["d"]


def survey_tree_date(survey: Survey) -> dt.date | None:
    return org_version_date(survey.municipality, dt.date(survey.fiscal_year, 4, 1))


# --- surveys -----------------------------------------------------------------------------------------------

def survey_list(*, user: User) -> QuerySet[Survey]:
    qs = Survey.objects.select_related("municipality")
    if user.municipality_id:
        qs = qs.filter(municipality_id=user.municipality_id)
    return qs


def survey_get(*, user: User, survey_id: int) -> Survey:
    survey = Survey.objects.select_related("municipality").filter(pk=survey_id).first()
    if survey is None:
        raise NotFoundError("調査が見つかりません。")
    check_municipality(user, survey.municipality)
    return survey


def survey_find(*, user: User, fiscal_year: int, round: str | None = None, municipality_code: str | None = None) -> Survey:
    qs = survey_list(user=user).filter(fiscal_year=fiscal_year)
    if round:
        qs = qs.filter(round=round)
    if municipality_code:
        qs = qs.filter(municipality__lg_code=municipality_code)
    survey = qs.order_by("id").first()
    if survey is None:
        from civicdx.core.fiscal import fiscal_year_label

        raise NotFoundError(f"{fiscal_year_label(fiscal_year)}の調査がありません。先に取り込んでください。")
    return survey


def scope_filter(user: User, prefix: str = "section__") -> Q:
    """Rows of the user's 課/係. Filters on the ids of the units in scope (a subquery over the small organisation
    table), which the database resolves through the section index instead of joining every row with its unit."""
    scope = scope_path(user)
    if scope is None:
        return Q()
    units = OrgUnit.objects.filter(Q(path=scope) | Q(path__startswith=scope + "/")).values("id")
    return Q(**{f"{prefix[:-2]}_id__in": units})


def tasks_visible(*, user: User, survey: Survey) -> QuerySet[Task]:
    check_municipality(user, survey.municipality)
    return Task.objects.filter(survey=survey).filter(scope_filter(user))


def steps_visible(*, user: User, survey: Survey) -> QuerySet[Step]:
    check_municipality(user, survey.municipality)
    return Step.objects.filter(survey=survey).filter(scope_filter(user, "task__section__"))


def task_get(*, user: User, task_id: int) -> Task:
    task = Task.objects.select_related("survey", "survey__municipality", "section").filter(pk=task_id).first()
    if task is None:
        raise NotFoundError("業務が見つかりません。")
    check_municipality(user, task.survey.municipality)
    check_view_unit(user, task.section)
    return task


def unit_get(*, user: User, unit_id: int) -> OrgUnit:
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFoundError("組織が見つかりません。")
    check_view_unit(user, unit)
    return unit


# --- organisation tree -------------------------------------------------------------------------------------

@dataclass
class Tree:
    units: dict[int, OrgUnit]
    children: dict[int | None, list[OrgUnit]] = field(default_factory=lambda: defaultdict(list))

    def chain(self, unit_id: int) -> list[OrgUnit]:
        chain = []
        unit = self.units.get(unit_id)
        while unit is not None:
            chain.append(unit)
            unit = self.units.get(unit.parent_id)
        return chain[::-1]

    def key(self, section_id: int, depth: int) -> tuple[str, ...]:
        """Names from the top down to ``depth`` levels (局, 部, 課, 係); a missing 部 is ""."""
        by_kind = {u.kind: u.name for u in self.chain(section_id)}
        names = (by_kind.get("bureau", ""), by_kind.get("department", ""), by_kind.get("division", ""), by_kind.get("section", ""))
        return names[:depth]


def org_tree(*, survey: Survey) -> Tree:
    """The organisation tree of the survey's fiscal year (memoised on the survey instance for one request)."""
    cached = getattr(survey, "_civicdx_tree", None)
    if cached is not None:
        return cached
    date = survey_tree_date(survey)
    units = {u.pk: u for u in OrgUnit.objects.filter(municipality=survey.municipality, valid_from=date)} if date else {}
    tree = Tree(units=units)
    for unit in sorted(units.values(), key=lambda u: (u.sort_order, u.pk)):
        tree.children[unit.parent_id].append(unit)
    survey._civicdx_tree = tree
    return tree


# --- totals --------------------------------------------------------------------------------------------------

def _totals(user: User, survey: Survey, dimension: str) -> QuerySet[SectionTotals]:
    check_municipality(user, survey.municipality)
    return SectionTotals.objects.filter(survey=survey, dimension=dimension).filter(scope_filter(user))


def survey_summary(*, user: User, survey: Survey, by: str | None = None) -> dict:
    """Totals in hours and 人役 for the whole survey (in the user's scope) and per group.

    Reads the per-係 aggregates of SectionTotals, so a city-wide summary touches a few thousand rows.
    """
    hpy = survey.hours_per_person_year
    per_section = list(_totals(user, survey, "all").values_list("section_id", "tasks", "steps", "hours"))
    total_tasks = sum(r[1] for r in per_section)
    total_steps = sum(r[2] for r in per_section)
    total_hours = sum(r[3] for r in per_section)
    result = {
        "survey": {"id": survey.pk, "fiscal_year": survey.fiscal_year, "round": survey.round,
                   "municipality": survey.municipality.lg_code},
        "hours_per_person_year": hpy,
        "total": {"tasks": total_tasks, "steps": total_steps, "hours": round(total_hours, 2),
                  "person_years": round(total_hours / hpy, 3)},
        "groups": [],
    }
    if by is None:
        return result
    if by not in BY_CHOICES:
        from civicdx.core.errors import ApplicationError

        raise ApplicationError("invalid_group", f"集計の切り口「{by}」はありません（{', '.join(BY_CHOICES)}）。")
    acc: dict[tuple, list] = {}
    if by in ORG_DEPTH:
        tree = org_tree(survey=survey)
        depth = ORG_DEPTH[by]
        rows = ((tree.key(sid, depth), n, s, h) for sid, n, s, h in per_section)
        order = {}
        for unit in sorted(tree.units.values(), key=lambda u: (u.sort_order, u.pk)):
            if unit.kind == "section":
                order.setdefault(tree.key(unit.pk, depth), len(order))
        sort_key = lambda kv: order.get(kv[0], 1 << 30)  # noqa: E731 - the tree's order
    else:
        dimension = {"category": "category", "step_kind": "kind", "medium": "medium", "worker": "worker",
                     "busy_month": "month", "matrix": "matrix"}[by]
        rows = ((tuple(value.split("|")) if by == "matrix" else (value,), n, s, h)
                for value, n, s, h in _totals(user, survey, dimension).values_list("value", "tasks", "steps", "hours"))
        if by == "busy_month":
            for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3):
                acc[(str(m),)] = [0, 0, 0.0]
            sort_key = lambda kv: (int(kv[0][0]) - 4) % 12  # noqa: E731 - fiscal-year order
        elif by == "matrix":
            sort_key = lambda kv: kv[0]  # noqa: E731
        else:
            sort_key = lambda kv: -kv[1][2]  # noqa: E731 - largest first
    for key, n, s, h in rows:
        slot = acc.setdefault(key, [0, 0, 0.0])
        slot[0] += n
        slot[1] += s
        slot[2] += h
    groups = []
    for key, (n, s, h) in sorted(acc.items(), key=sort_key):
        label = [f"{key[0]}月"] if by == "busy_month" else list(key)
        groups.append({"key": label, "tasks": n, "steps": s, "hours": round(h, 2), "person_years": round(h / hpy, 3),
                       "share": round(h / total_hours, 4) if total_hours else 0.0})
    result["groups"] = groups
    return result


def survey_pareto(*, user: User, survey: Survey, limit: int = 100) -> dict:
    """業務 by hours, largest first, with the cumulative share; how many 業務 make 50 % and 80 % of hours."""
    tasks = tasks_visible(user=user, survey=survey)
    total = tasks.aggregate(h=Sum("hours"), n=Count("id"))
    total_hours = total["h"] or 0.0
    top = list(tasks.select_related("section").order_by("-hours", "id")[:limit])
    cumulative = 0.0
    rows = []
    for task in top:
        cumulative += task.hours
        rows.append({"task": task, "hours": task.hours, "cumulative_share": cumulative / total_hours if total_hours else 0})
    marks = {}
    if total_hours:
        running = 0.0
        targets = [0.5, 0.8]
        # Straight from the cursor: 60,000 floats through the ORM cost ten times as much.
        sql, params = tasks.order_by().values_list("hours").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            values = sorted((row[0] for row in cursor.fetchall()), reverse=True)
        for count, hours in enumerate(values, start=1):
            running += hours
            while targets and running >= targets[0] * total_hours:
                marks[targets.pop(0)] = count
            if not targets:
                break
    return {"rows": rows, "total_tasks": total["n"], "total_hours": total_hours,
            "tasks_for_50": marks.get(0.5, 0), "tasks_for_80": marks.get(0.8, 0)}


def unit_totals(*, user: User, survey: Survey, parent: OrgUnit | None) -> list[dict]:
    """Children of a unit (or the 局 when ``parent`` is None) with their totals, for the drill-down."""
    tree = org_tree(survey=survey)
    if parent is not None:
        check_view_unit(user, parent)
    children = tree.children[parent.pk if parent else None]
    per_section = {sid: {"n": n, "s": st, "h": h} for sid, n, st, h in
                   _totals(user, survey, "all").values_list("section_id", "tasks", "steps", "hours")}
    responses = dict(SectionResponse.objects.filter(survey=survey).values_list("section_id", "status"))
    scope = scope_path(user)
    hpy = survey.hours_per_person_year
    out = []

    def sections_under(unit: OrgUnit):
        if unit.kind == "section":
            yield unit
        for child in tree.children[unit.pk]:
            yield from sections_under(child)

    for child in children:
        # a unit on the way down to the user's scope, or inside it
        if not (path_in_scope(child.path, scope) or path_in_scope(scope, child.path)):
            continue
        n = s = 0
        h = 0.0
        sections = 0
        answered = 0
        headcount = 0.0
        for sec in sections_under(child):
            if not path_in_scope(sec.path, scope):
                continue
            sections += 1
            row = per_section.get(sec.pk)
            if row:
                n += row["n"]
                s += row["s"] or 0
                h += row["h"] or 0.0
            if responses.get(sec.pk) in (SectionResponse.Status.SUBMITTED, SectionResponse.Status.CONFIRMED):
                answered += 1
            headcount += float(sec.headcount or 0)
        out.append({"unit": child, "tasks": n, "steps": s, "hours": h, "person_years": h / hpy,
                    "sections": sections, "answered": answered,
                    "response_rate": answered / sections if sections else 0.0,
                    "headcount": headcount, "status": responses.get(child.pk)})
    return out


def response_rates(*, user: User, survey: Survey) -> list[dict]:
    """回収率 per 局 and per 課: 係 that submitted (or were confirmed) over all 係 of the tree."""
    tree = org_tree(survey=survey)
    responses = dict(SectionResponse.objects.filter(survey=survey).values_list("section_id", "status"))
    scope = scope_path(user)
    rows: dict[int, dict] = {}
    for unit in tree.units.values():
        if unit.kind != "section":
            continue
        if not path_in_scope(unit.path, scope):
            continue
        status = responses.get(unit.pk, SectionResponse.Status.NOT_STARTED)
        for ancestor in tree.chain(unit.pk)[:-1]:
            if ancestor.kind not in ("bureau", "division"):
                continue
            slot = rows.setdefault(ancestor.pk, {"unit": ancestor, "sections": 0, "submitted": 0, "confirmed": 0,
                                                 "draft": 0, "bureau": tree.chain(ancestor.pk)[0]})
            slot["sections"] += 1
            if status == SectionResponse.Status.SUBMITTED:
                slot["submitted"] += 1
            elif status == SectionResponse.Status.CONFIRMED:
                slot["submitted"] += 1
                slot["confirmed"] += 1
            elif status == SectionResponse.Status.DRAFT:
                slot["draft"] += 1
    out = sorted(rows.values(), key=lambda r: (r["bureau"].sort_order, r["unit"].kind != "bureau", r["unit"].sort_order))
    for r in out:
        r["rate"] = r["submitted"] / r["sections"] if r["sections"] else 0.0
    return out


def quality_checks(*, user: User, survey: Survey, limit: int = 100) -> dict:
    """Data-quality checks: 人役 vs headcount per 係, outliers of minutes per case, duplicated 業務名 in a 係."""
    hpy = survey.hours_per_person_year
    tasks = tasks_visible(user=user, survey=survey)
    per_section = tasks.values("section_id").annotate(h=Sum("hours"))
    units = OrgUnit.objects.in_bulk([r["section_id"] for r in per_section])
    headcount = []
    for r in per_section:
        unit = units[r["section_id"]]
        if unit.headcount:
            ratio = (r["h"] or 0) / hpy / float(unit.headcount)
            if ratio > 1.2 or ratio < 0.5:
                headcount.append({"unit": unit, "person_years": (r["h"] or 0) / hpy, "headcount": float(unit.headcount),
                                  "ratio": ratio})
    headcount.sort(key=lambda x: -abs(x["ratio"] - 1))

    # Thresholds come from the whole city's steps of the same 作業種類 (aggregates only), so that a 係 is
    # compared with its peers, not with itself.
    by_kind: dict[str, list[float]] = defaultdict(list)
    sql, params = (Step.objects.filter(survey=survey).exclude(minutes_per_case=None).order_by()
                   .values_list("kind", "minutes_per_case").query.sql_with_params())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, minutes in cursor.fetchall():
            by_kind[kind].append(minutes)
    steps = steps_visible(user=user, survey=survey).exclude(minutes_per_case=None)
    thresholds = {}
    for kind, values in by_kind.items():
        if len(values) >= 20:
            q = statistics.quantiles(values, n=4)
            thresholds[kind] = (q[2] + 3 * (q[2] - q[0]), statistics.median(values))
    outlier_q = Q()
    for kind, (limit_value, _median) in thresholds.items():
        outlier_q |= Q(kind=kind, minutes_per_case__gt=limit_value)
    outliers = []
    if thresholds:
        for step in steps.filter(outlier_q).select_related("task", "task__section").order_by("-minutes_per_case")[:limit]:
            outliers.append({"step": step, "median": thresholds[step.kind][1], "limit": thresholds[step.kind][0]})

    dup_rows = (tasks.values("section_id", "name").annotate(n=Count("id")).filter(n__gt=1).order_by("-n")[:limit])
    dup_units = OrgUnit.objects.in_bulk([r["section_id"] for r in dup_rows])
    duplicates = [{"unit": dup_units[r["section_id"]], "name": r["name"], "count": r["n"]} for r in dup_rows]
    return {"headcount": headcount[:limit], "headcount_count": len(headcount), "outliers": outliers,
            "duplicates": duplicates}


def task_search(*, user: User, survey: Survey, query: str, limit: int = 200) -> QuerySet[Task]:
    qs = tasks_visible(user=user, survey=survey).select_related("section")
    for word in query.split():
        qs = qs.filter(Q(name__icontains=word) | Q(category_minor__icontains=word) | Q(section__path__icontains=word)
                       | Q(code__iexact=word))
    return qs.order_by("-hours")[:limit]


def section_response_get(*, survey: Survey, section: OrgUnit) -> SectionResponse | None:
    return SectionResponse.objects.filter(survey=survey, section=section).first()


def editable_sections(*, user: User, survey: Survey) -> list[OrgUnit]:
    """係 of the survey's tree that the user may enter data for."""
    from civicdx.core.permissions import can_edit_unit

    tree = org_tree(survey=survey)
    return [u for u in sorted(tree.units.values(), key=lambda u: (u.sort_order, u.pk))
            if u.kind == "section" and can_edit_unit(user, u)]


def stored_profiles(*, municipality_id: int | None) -> dict[str, str]:
    """Browser-edited mapping profiles of a municipality, name → YAML."""
    from civicdx.survey.models import MappingProfile

    if municipality_id is None:
        return {}
    return dict(MappingProfile.objects.filter(municipality_id=municipality_id).values_list("name", "yaml_text"))


def unit_tasks(*, survey: Survey, unit: OrgUnit) -> list[Task]:
    """The 業務 of a unit and the units below it (at most 500), to choose from (引継書, デジラボの依頼)."""
    return list(survey.tasks.filter(Q(section__path=unit.path) | Q(section__path__startswith=unit.path + "/"))
                .select_related("section").order_by("section__sort_order", "sort_order", "id")[:500])


def task_of_city(*, municipality_id: int, task_id=None, section_path: str = "", code: str = "") -> Task | None:
    """A 業務 of the municipality by its id (a form field), else by its 係 path and 業務ID (the latest survey's)."""
    tasks = Task.objects.filter(survey__municipality_id=municipality_id).select_related("section", "section__parent")
    if str(task_id or "").isdigit():
        return tasks.filter(pk=int(task_id)).first()
    if code:
        return tasks.filter(section__path=section_path, code=code).order_by("-survey__fiscal_year").first()
    return None
