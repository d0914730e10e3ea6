"""Reads of the BPR part, scoped to the user like the survey's."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict

from django.db.models import Count, Q, QuerySet, Sum

from civicdx.bpr.models import Candidate, PeerAggregate, PeerCity, Project
from civicdx.bpr.rules import TYPES, summarize
from civicdx.bpr.services import candidates_ensure, own_aggregates
from civicdx.core.models import User
from civicdx.core.permissions import check_municipality, scope_path, sees_everything
from civicdx.survey.models import Survey, Task
from civicdx.survey.selectors import org_tree, scope_filter


def _candidate_scope(user: User) -> Q:
    """Candidates of the user's 課/係, through the ids of its 業務 (no join of every candidate with its 係)."""
    scope = scope_filter(user)
    return scope if not scope else Q(task_id__in=Task.objects.filter(scope).values("id"))


def candidates(*, user: User, survey: Survey, type: str | None = None, tool: str | None = None,
               unit_id: int | None = None, q: str = "") -> QuerySet[Candidate]:
    """Flags of the survey's 業務 in the user's scope (computed or refreshed on demand)."""
    check_municipality(user, survey.municipality)
    candidates_ensure(survey=survey)
    qs = Candidate.objects.filter(survey=survey).filter(_candidate_scope(user))
    if type:
        qs = qs.filter(type=type)
    if tool:
        qs = qs.filter(tool=tool)
    if unit_id:
        tree = org_tree(survey=survey)
        unit = tree.units.get(unit_id)
        if unit is not None:
            qs = qs.filter(Q(task__section__path=unit.path) | Q(task__section__path__startswith=unit.path + "/"))
    if q:
        qs = qs.filter(task__name__icontains=q)
    return qs


def _summary(user: User, survey: Survey) -> dict:
    """rules.summarize for the user's scope: stored with the candidates for the whole city, live otherwise."""
    run = candidates_ensure(survey=survey)
    if sees_everything(user):
        summary = run.summary
        return {**summary, "divisions": {int(k): v for k, v in summary["divisions"].items()}}
    qs = candidates(user=user, survey=survey)
    tasks = Task.objects.filter(survey=survey).filter(scope_filter(user))
    return summarize(qs.values_list("type", "tool", "task_id", "saving_hours"), dict(tasks.values_list("id", "hours")),
                     dict(tasks.values_list("id", "section__parent_id")))


def candidate_totals(*, user: User, survey: Survey) -> dict:
    """Per type (and per tool for デジタル化): distinct 業務, hours at stake and estimated saving, in 人役 too."""
    check_municipality(user, survey.municipality)
    summary = _summary(user, survey)
    hpy = survey.hours_per_person_year
    out = {"types": [], "tools": []}
    for group in ("types", "tools"):
        for row in summary[group]:
            out[group].append({**row, "person_years": row["hours"] / hpy, "saving_person_years": row["saving_hours"] / hpy})
    return out


def candidate_rows(*, user: User, survey: Survey, limit: int = 500, **filters) -> list[dict]:
    """Candidates joined with their 業務 and organisation for lists and exports, largest saving first."""
    qs = candidates(user=user, survey=survey, **filters).select_related("task", "task__section", "task__section__parent")
    tree = org_tree(survey=survey)
    hpy = survey.hours_per_person_year
    rows = []
    for c in qs.order_by("-saving_hours", "id")[:limit]:
        chain = tree.chain(c.task.section_id)
        rows.append({"candidate": c, "task": c.task, "bureau": chain[0].name if chain else "",
                     "division": c.task.section.parent.name if c.task.section.parent else "", "section": c.task.section.name,
                     "type_label": TYPES[c.type], "person_years": c.hours / hpy})
    return rows


def candidate_json(*, user: User, survey: Survey, type: str | None = None, limit: int | None = None) -> dict:
    """The CLI/API form: {"candidates": [...], "totals": {...}}, largest saving first.

    Built from plain rows and the organisation tree (no model instances): a city has about 100,000 candidates.
    """
    tree = org_tree(survey=survey)
    hpy = survey.hours_per_person_year
    names: dict[int, tuple[str, str, str]] = {}
    qs = (candidates(user=user, survey=survey, type=type).order_by("-saving_hours", "id")
          .values_list("task__code", "task__name", "task__section_id", "type", "rule", "tool", "hours", "saving_hours",
                       "assumption", "confidence", "step_no", "reasons"))
    rows = []
    for code, name, section_id, type_, rule, tool, hours, saving, assumption, confidence, step_no, reasons in (
            qs[:limit] if limit else qs).iterator(chunk_size=5000):
        if section_id not in names:
            by_kind = {u.kind: u.name for u in tree.chain(section_id)}
            names[section_id] = (by_kind.get("bureau", ""), by_kind.get("division", ""), by_kind.get("section", ""))
        bureau, division, section = names[section_id]
        rows.append({"task_id": code, "task_name": name, "bureau": bureau, "division": division, "section": section,
                     "type": type_, "rule": rule, "tool": tool, "hours": round(hours, 2),
                     "person_years": round(hours / hpy, 4), "estimated_saving_hours": round(saving, 2),
                     "assumption": assumption, "confidence": confidence, "step_no": step_no,
                     "reasons": reasons if isinstance(reasons, list) else json.loads(reasons)})
    return {"candidates": rows, "totals": candidate_totals(user=user, survey=survey)}


def top_divisions(*, user: User, survey: Survey, limit: int = 15) -> list[dict]:
    """課 with the largest estimated saving (a 業務 counts once, with its largest saving)."""
    check_municipality(user, survey.municipality)
    tree = org_tree(survey=survey)
    rows = sorted(_summary(user, survey)["divisions"].items(), key=lambda kv: -kv[1])[:limit]
    return [{"unit": tree.units.get(uid), "saving_hours": h, "path": " ".join(u.name for u in tree.chain(uid))} for uid, h in rows]


# --- peers ---------------------------------------------------------------------------------------------------

def peer_comparison(*, user: User, survey: Survey, level: str = "major") -> dict:
    """Per 大分類 (or 中分類): hours per 10,000 population and hours per case, against peer median and quartiles."""
    check_municipality(user, survey.municipality)
    population = survey.municipality.population
    peers = list(PeerCity.objects.all().order_by("name"))
    key_of = (lambda a: a["category_major"]) if level == "major" else (lambda a: (a["category_major"], a["category_minor"]))
    own: dict = defaultdict(lambda: [0.0, 0.0])
    for a in own_aggregates(survey):
        own[key_of(a)][0] += a["hours"]
        own[key_of(a)][1] += a["cases"]
    peer_values: dict = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    for agg in PeerAggregate.objects.filter(peer__in=peers).values("peer_id", "category_major", "category_minor", "hours", "cases"):
        slot = peer_values[key_of(agg)][agg["peer_id"]]
        slot[0] += agg["hours"]
        slot[1] += agg["cases"]
    populations = {p.pk: p.population for p in peers}
    rows = []
    for key in sorted(set(own) | set(peer_values), key=str):
        hours, cases = own.get(key, (0.0, 0.0))
        per10k = hours / population * 10000 if population else None
        per_case = hours / cases if cases else None
        peer_per10k = [v[0] / populations[pid] * 10000 for pid, v in peer_values[key].items()]
        peer_per_case = [v[0] / v[1] for v in peer_values[key].values() if v[1]]
        median = statistics.median(peer_per10k) if peer_per10k else None
        rows.append({
            "key": list(key) if isinstance(key, tuple) else [key], "hours": hours, "cases": cases,
            "per10k": per10k, "per_case": per_case, "peers": len(peer_per10k),
            "peer_median_per10k": median, "peer_q1_per10k": _quantile(peer_per10k, 0.25), "peer_q3_per10k": _quantile(peer_per10k, 0.75),
            "peer_median_per_case": statistics.median(peer_per_case) if peer_per_case else None,
            # Hours above the peer median at this city's population: what matching the median would free.
            "excess_hours": (per10k - median) * population / 10000 if per10k is not None and median is not None else None,
        })
    rows.sort(key=lambda r: -(r["excess_hours"] or 0))
    return {"population": population, "peers": peers, "rows": rows}


def _quantile(values: list[float], q: float) -> float | None:
    """Linear-interpolated quantile (the 'inclusive' method), defined for one value too."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --- rounds --------------------------------------------------------------------------------------------------

ROUND_MATCH_THRESHOLD = 0.6


def round_comparison(*, user: User, before: Survey, after: Survey, limit: int = 500) -> dict:
    """Two surveys of the same city: per 業務 (matched by 係 and 業務ID, else by name) and per 課, hours before/after."""
    check_municipality(user, before.municipality)
    check_municipality(user, after.municipality)
    if before.municipality_id != after.municipality_id:
        from civicdx.core.errors import ApplicationError

        raise ApplicationError("different_municipality", "同じ団体の調査どうしを比べてください。")

    def load(survey):
        return list(Task.objects.filter(survey=survey).filter(scope_filter(user))
                    .values_list("id", "code", "name", "hours", "section__path", "section__parent__name"))

    from civicdx.bpr.similarity import similarity

    old, new = load(before), load(after)
    by_code = {(path, code): (tid, name, hours) for tid, code, name, hours, path, _d in old}
    by_name = {(path, name): (tid, name, hours) for tid, code, name, hours, path, _d in old}
    by_section: dict[str, list[tuple]] = defaultdict(list)
    for tid, code, name, hours, path, _d in old:
        by_section[path].append((tid, name, hours))
    matched_old: set[int] = set()
    tasks = []
    unmatched = []
    for tid, code, name, hours, path, division in new:
        hit = by_code.get((path, code)) or by_name.get((path, name))
        how = "業務ID" if (path, code) in by_code else "業務名" if hit else ""
        if hit and hit[0] in matched_old:
            hit, how = None, ""
        if hit:
            matched_old.add(hit[0])
        row = {"path": path, "division": division, "code": code, "name": name, "before": hit[2] if hit else 0.0,
               "after": hours, "change": hours - (hit[2] if hit else 0.0), "matched_by": how or "新規"}
        tasks.append(row)
        if not hit:
            unmatched.append(row)
    # Renamed 業務: the most similar unmatched 業務 of the same 係, when similar enough.
    for row in unmatched:
        scored = [(similarity(row["name"], name), tid, hours) for tid, name, hours in by_section[row["path"]] if tid not in matched_old]
        if scored:
            score, tid, hours = max(scored)
            if score >= ROUND_MATCH_THRESHOLD:
                matched_old.add(tid)
                row.update(before=hours, change=row["after"] - hours, matched_by=f"類似（{score:.2f}）")
    for tid, code, name, hours, path, division in old:
        if tid not in matched_old:
            tasks.append({"path": path, "division": division, "code": code, "name": name, "before": hours, "after": 0.0,
                          "change": -hours, "matched_by": "廃止"})
    per_division: dict[str, dict] = {}
    for t in tasks:
        key = t["path"].rsplit("/", 1)[0]
        slot = per_division.setdefault(key, {"division": key, "before": 0.0, "after": 0.0})
        slot["before"] += t["before"]
        slot["after"] += t["after"]
    divisions = sorted(per_division.values(), key=lambda d: d["after"] - d["before"])
    for d in divisions:
        d["change"] = d["after"] - d["before"]
    tasks.sort(key=lambda t: t["change"])
    before_total = sum(t["before"] for t in tasks)
    after_total = sum(t["after"] for t in tasks)
    return {"tasks": tasks[:limit], "task_count": len(tasks), "divisions": divisions, "before_total": before_total,
            "after_total": after_total, "change_total": after_total - before_total}


def projects(*, user: User, survey: Survey) -> QuerySet[Project]:
    check_municipality(user, survey.municipality)
    return Project.objects.filter(survey=survey).annotate(task_count=Count("tasks")).order_by("-created_at")


def project_totals(*, user: User, survey: Survey) -> dict:
    qs = Project.objects.filter(survey=survey)
    data = qs.aggregate(planned=Sum("planned_hours"), achieved=Sum("achieved_hours"), n=Count("id"))
    return {"projects": data["n"], "planned_hours": data["planned"] or 0.0, "achieved_hours": data["achieved"] or 0.0}



def report_data(*, user: User, survey: Survey) -> dict:
    """Everything the BPR report shows, in the user's scope."""
    from civicdx.core.fiscal import fiscal_year_label
    from civicdx.survey.selectors import survey_summary

    summary = survey_summary(user=user, survey=survey, by="matrix")
    totals = candidate_totals(user=user, survey=survey)
    rows = candidate_rows(user=user, survey=survey, limit=5000)
    total = summary["total"]
    target = next((g for g in summary["groups"] if g["key"] == ["ノンコア", "定型", "専門性無"]), None)
    synthetic = "（合成データ）" if survey.is_demo else ""
    kpis = [("業務数", f"{total['tasks']:,}"), ("年間作業時間", f"{total['hours']:,.0f} 時間"),
            ("人役", f"{total['person_years']:,.1f} 人役（1人役 {survey.hours_per_person_year:,.0f} 時間）")]
    if target:
        kpis.append(("ノンコア・定型・専門性無", f"{target['hours']:,.0f} 時間（{target['share']:.1%}）"))
    review = [t for t in totals["types"] if t["type"] != "focus"]
    kpis.append(("削減見込み（候補の合計、重複を含む）", f"{sum(t['saving_hours'] for t in review):,.0f} 時間"))
    return {
        "title": f"{survey.municipality.name}{synthetic} BPR分析報告",
        "subtitle": f"{fiscal_year_label(survey.fiscal_year)} {survey.round}／ルールと前提は候補一覧に記載",
        "kpis": kpis,
        "types": [{**t, "label": t["type_label"]} for t in totals["types"]] +
                 [{**t, "label": f"デジタル化: {t['tool']}"} for t in totals["tools"]],
        "candidates": [{"bureau": r["bureau"], "division": r["division"], "section": r["section"], "task_id": r["task"].code,
                        "task_name": r["task"].name, "type_label": r["type_label"], "tool": r["candidate"].tool,
                        "hours": r["candidate"].hours, "person_years": r["person_years"], "saving_hours": r["candidate"].saving_hours,
                        "assumption": r["candidate"].assumption, "confidence": r["candidate"].confidence,
                        "reasons": r["candidate"].reasons} for r in rows if r["candidate"].type != "focus"],
        "divisions": top_divisions(user=user, survey=survey, limit=30),
        "peers": peer_comparison(user=user, survey=survey, level="major")["rows"],
        "projects": [{"name": p.name, "tool": p.tool, "owner": p.owner, "status": p.get_status_display(), "tasks": p.task_count,
                      "planned_hours": p.planned_hours, "achieved_hours": p.achieved_hours} for p in projects(user=user, survey=survey)],
    }


def taxonomy_suggestions(*, user: User, survey: Survey, limit: int = 200) -> dict:
    """Cached per survey data version and scope (see ``_taxonomy_suggestions``)."""
    from django.core.cache import cache

    check_municipality(user, survey.municipality)
    survey.refresh_from_db(fields=["data_version"])
    key = f"civicdx:taxonomy:{survey.pk}:{survey.data_version}:{scope_path(user)}:{limit}"
    cached = cache.get(key)
    if cached is None:
        data = _taxonomy_suggestions(user=user, survey=survey, limit=limit)
        cached = {"total": data["total"], "labels": data["labels"],
                  "rows": [(r["task"].pk, r["minor"], r["major"], r["score"]) for r in data["rows"]]}
        cache.set(key, cached, 24 * 3600)
    tasks = Task.objects.select_related("section").in_bulk([r[0] for r in cached["rows"]])
    rows = [{"task": tasks[tid], "minor": minor, "major": major, "score": score}
            for tid, minor, major, score in cached["rows"] if tid in tasks]
    return {"rows": rows, "total": cached["total"], "labels": cached["labels"]}


def _taxonomy_suggestions(*, user: User, survey: Survey, limit: int) -> dict:
    """業務 without a 中分類, with a proposal: the 中分類 that the same 業務名 carries in the same 課 (or, when one
    clearly dominates, in the city); otherwise the closest label by TaxonomyMatcher among the labels the 課 uses."""
    from collections import Counter

    from civicdx.bpr.similarity import TaxonomyMatcher

    check_municipality(user, survey.municipality)
    open_tasks = (Task.objects.filter(survey=survey, category_minor="").filter(scope_filter(user))
                  .select_related("section").order_by("-hours"))
    rows_in = list(open_tasks[:limit])
    labelled = Task.objects.filter(survey=survey).exclude(category_minor="")
    by_name_division: dict[tuple, Counter] = defaultdict(Counter)
    by_name: dict[str, Counter] = defaultdict(Counter)
    for name, minor, division in labelled.filter(name__in={t.name for t in rows_in}).values_list(
            "name", "category_minor", "section__parent_id"):
        by_name_division[(division, name)][minor] += 1
        by_name[name][minor] += 1
    examples: dict[str, list[str]] = defaultdict(list)
    major_of: dict[str, str] = {}
    labels_of_division: dict[int, set[str]] = defaultdict(set)
    for name, minor, major, division in labelled.values_list("name", "category_minor", "category_major",
                                                              "section__parent_id").order_by("id").iterator(chunk_size=20000):
        labels_of_division[division].add(minor)
        if len(examples[minor]) < 40 and name not in examples[minor]:
            examples[minor].append(name)
        major_of.setdefault(minor, major)
    matcher = TaxonomyMatcher(examples)

    def closest(name: str, division: int) -> tuple[str | None, float]:
        allowed = labels_of_division.get(division)
        scored = [(score, label) for label, score in matcher.scores(name).items() if not allowed or label in allowed]
        if not scored:
            return None, 0.0
        score, label = max(scored)
        return (label if score >= matcher.threshold else None), score

    rows = []
    for task in rows_in:
        division = task.section.parent_id
        votes = by_name_division.get((division, task.name)) or by_name.get(task.name)
        label, score = (None, 0.0)
        if votes:
            label, count = votes.most_common(1)[0]
            score = count / sum(votes.values())
        if score < 0.5:  # no dominant 中分類 for this name: compare names instead
            label, score = closest(task.name, division)
        rows.append({"task": task, "minor": label, "major": major_of.get(label, "") if label else "", "score": score})
    return {"rows": rows, "total": open_tasks.count(), "labels": len(examples)}
