"""Writes of the BPR part: rule sets, the candidate cache, similarity groups, projects and peer cities."""

from __future__ import annotations

import csv
import functools
import io
import json
import random
import time

from django.db import transaction

from civicdx.bpr import rules as R
from civicdx.bpr.facts import build_context, load_facts
from civicdx.bpr.models import Candidate, CandidateRun, PeerAggregate, PeerCity, Project, RuleSet, SimilarityGroup
from civicdx.core.bulk import bulk_insert
from civicdx.core.errors import ApplicationError
from civicdx.core.models import Municipality, User
from civicdx.core.permissions import check_dx, check_municipality
from civicdx.core.services import audit_record
from civicdx.survey.models import Survey, Task
from civicdx.survey.normalize import parse_number, text_or_empty


def rules_for(municipality: Municipality) -> R.RuleSet:
    """The municipality's rule set (parsed once per text: every analysis read checks the rules' fingerprint)."""
    text = RuleSet.objects.filter(municipality=municipality).values_list("yaml_text", flat=True).first()
    return _parsed_rules(text if text is not None else R.DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=32)
def _parsed_rules(text: str) -> R.RuleSet:
    return R.parse_rules(text)


@transaction.atomic
def rules_save(*, actor: User, municipality: Municipality, text: str) -> R.RuleSet:
    check_dx(actor)
    check_municipality(actor, municipality)
    if len(text) > 100_000:
        raise ApplicationError("rules_too_large", "ルールが長すぎます（100,000文字まで）。")
    parsed = R.parse_rules(text)
    stored = RuleSet.objects.filter(municipality=municipality).first()
    old = stored.yaml_text if stored else R.DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    RuleSet.objects.update_or_create(municipality=municipality, defaults={"yaml_text": text, "updated_by": actor})
    audit_record(actor=actor, action="bpr.rules_save", object_type="bpr.RuleSet", object_id=str(municipality.pk),
                 municipality=municipality, changes={"yaml": [old, text]})
    for survey in Survey.objects.filter(municipality=municipality):
        candidates_compute(survey=survey, rules=parsed)
    return parsed


def evaluate_survey(survey: Survey, rules: R.RuleSet, facts: list | None = None) -> list[tuple[int, R.Flag]]:
    facts = facts if facts is not None else load_facts(survey)
    ctx = build_context(survey, facts, rules)
    return [(task.id, flag) for task in facts for flag in R.evaluate(task, ctx, rules)]


def _groups_version(survey: Survey) -> int:
    return SimilarityGroup.objects.filter(survey=survey).count()


@transaction.atomic
def candidates_compute(*, survey: Survey, rules: R.RuleSet | None = None) -> CandidateRun:
    """Evaluate the rules over every 業務 of the survey and store the flags (replacing earlier ones)."""
    started = time.monotonic()
    rules = rules or rules_for(survey.municipality)
    facts = load_facts(survey)
    flags = evaluate_survey(survey, rules, facts)
    summary = R.summarize(((f.type, f.tool, task_id, f.saving_hours) for task_id, f in flags),
                          {t.id: t.hours for t in facts}, {t.id: t.division_id for t in facts})
    Candidate.objects.filter(survey=survey)._raw_delete(Candidate.objects.db)
    bulk_insert(Candidate, ("survey_id", "task_id", "type", "rule", "tool", "step_no", "reasons", "hours", "saving_hours",
                            "assumption", "confidence"),
                ((survey.pk, task_id, f.type, f.rule, f.tool, f.step_no, json.dumps(f.reasons, ensure_ascii=False),
                  f.hours, f.saving_hours, f.assumption, f.confidence) for task_id, f in flags))
    survey.refresh_from_db(fields=["data_version"])
    run, _ = CandidateRun.objects.update_or_create(survey=survey, defaults={
        "rules_fingerprint": rules.fingerprint, "data_version": survey.data_version,
        "groups_version": _groups_version(survey), "seconds": time.monotonic() - started, "summary": summary})
    return run


def candidates_ensure(*, survey: Survey) -> CandidateRun:
    """The stored candidates, recomputed when the survey's data, the rules or the similarity groups changed."""
    rules = rules_for(survey.municipality)
    run = CandidateRun.objects.filter(survey=survey).first()
    survey.refresh_from_db(fields=["data_version"])
    if (run is None or run.rules_fingerprint != rules.fingerprint or run.data_version != survey.data_version
            or run.groups_version != _groups_version(survey)):
        run = candidates_compute(survey=survey, rules=rules)
    return run


@transaction.atomic
def similarity_groups_compute(*, survey: Survey, progress=None) -> int:
    """Group 業務 of the same kind across the city (names and step names) and store the groups."""
    from civicdx.bpr.similarity import group_similar

    facts = load_facts(survey)
    if progress:
        progress("類似業務をまとめています", 0, 1)
    items = [(t.id, t.name + " | " + " ".join(s.name for s in t.steps)) for t in facts]
    groups = group_similar(items)
    names = {t.id: t.name for t in facts}
    SimilarityGroup.objects.filter(survey=survey)._raw_delete(SimilarityGroup.objects.db)
    bulk_insert(SimilarityGroup, ("survey_id", "task_id", "group_no", "label"),
                ((survey.pk, task_id, no, names[group[0]][:200]) for no, group in enumerate(groups, start=1) for task_id in group))
    if progress:
        progress("類似業務をまとめました", 1, 1)
    return len(groups)


# --- projects ----------------------------------------------------------------------------------------------

@transaction.atomic
def project_create(*, actor: User, survey: Survey, name: str, tool: str = "", owner: str = "", task_ids: list[int],
                   planned_hours: float | None = None) -> Project:
    """Turn candidates (their 業務) into an improvement project; planned hours default to their estimated saving."""
    check_dx(actor)
    check_municipality(actor, survey.municipality)
    name = (name or "").strip()
    if not name:
        raise ApplicationError("project_name_required", "施策名を入力してください。")
    tasks = list(Task.objects.filter(survey=survey, pk__in=task_ids))
    if not tasks:
        raise ApplicationError("project_no_tasks", "施策にする業務（候補）を1つ以上選んでください。")
    if planned_hours is None:
        saving = Candidate.objects.filter(survey=survey, task__in=tasks)
        if tool:
            saving = saving.filter(tool=tool)
        by_task: dict[int, float] = {}
        for task_id, hours in saving.values_list("task_id", "saving_hours"):
            by_task[task_id] = max(by_task.get(task_id, 0.0), hours)
        planned_hours = round(sum(by_task.values()), 1)
    project = Project.objects.create(survey=survey, name=name[:200], tool=tool[:30], owner=owner[:100],
                                     planned_hours=planned_hours, created_by=actor)
    project.tasks.set(tasks)
    audit_record(actor=actor, action="bpr.project_create", obj=project, municipality=survey.municipality,
                 changes={"name": [None, project.name], "tasks": [None, [t.code for t in tasks]],
                          "planned_hours": [None, planned_hours]})
    return project


@transaction.atomic
def project_update(*, actor: User, project: Project, status: str | None = None, achieved_hours: float | None = None,
                   owner: str | None = None, note: str | None = None) -> Project:
    check_dx(actor)
    check_municipality(actor, project.survey.municipality)
    changes = {}
    if status is not None:
        if status not in Project.Status.values:
            raise ApplicationError("invalid_status", f"状態「{status}」はありません。")
        changes["status"] = [project.status, status]
        project.status = status
    if achieved_hours is not None:
        if achieved_hours < 0:
            raise ApplicationError("invalid_hours", "削減実績は0以上で入力してください。")
        changes["achieved_hours"] = [project.achieved_hours, achieved_hours]
        project.achieved_hours = achieved_hours
    if owner is not None:
        changes["owner"] = [project.owner, owner]
        project.owner = owner[:100]
    if note is not None:
        changes["note"] = [project.note, note]
        project.note = note
    project.save()
    audit_record(actor=actor, action="bpr.project_update", obj=project, municipality=project.survey.municipality,
                 changes=changes)
    return project


# --- peer cities -------------------------------------------------------------------------------------------

PEER_COLUMNS = ("団体名", "団体コード", "人口", "年度", "大分類", "中分類", "年間時間", "年間件数", "業務数")


def own_aggregates(survey: Survey) -> list[dict]:
    """This city's numbers per 大分類/中分類 (no names of people or 係): what a city shares with peers."""
    from django.db.models import Count, Sum

    from civicdx.survey.models import Step

    cases = dict(((r["task__category_major"], r["task__category_minor"]), r["c"]) for r in
                 Step.objects.filter(survey=survey, no=1).values("task__category_major", "task__category_minor").annotate(c=Sum("cases_per_year")))
    rows = (Task.objects.filter(survey=survey).values("category_major", "category_minor")
            .annotate(h=Sum("hours"), n=Count("id")).order_by("category_major", "category_minor"))
    return [{"category_major": r["category_major"], "category_minor": r["category_minor"], "hours": r["h"] or 0.0,
             "cases": cases.get((r["category_major"], r["category_minor"])) or 0.0, "tasks": r["n"]} for r in rows]


def peers_export_csv(*, survey: Survey) -> bytes:
    from civicdx.core.exports import rows_to_csv

    m = survey.municipality
    rows = [[m.name, m.lg_code, m.population or "", survey.fiscal_year, a["category_major"], a["category_minor"],
             round(a["hours"], 1), round(a["cases"]), a["tasks"]] for a in own_aggregates(survey)]
    return rows_to_csv(PEER_COLUMNS, rows)


@transaction.atomic
def peers_import_csv(*, actor: User, data: bytes, filename: str) -> list[PeerCity]:
    """Import peer aggregates (the export format of ``peers_export_csv``); every row problem is reported."""
    from civicdx.survey.importing.reader import decode_csv_bytes

    check_dx(actor)
    text, _ = decode_csv_bytes(data, file=filename)
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("団体名", "人口", "年度", "大分類", "年間時間") if c not in (reader.fieldnames or [])]
    if missing:
        raise ApplicationError("peer_columns", f"{filename}: 必要な列がありません: {'、'.join(missing)}")
    errors: list[str] = []
    cities: dict[tuple, PeerCity] = {}
    aggregates = []
    for i, row in enumerate(reader, start=2):
        try:
            population = parse_number(row.get("人口"))
            year = int(parse_number(row.get("年度")) or 0)
            hours = parse_number(row.get("年間時間"))
            cases = parse_number(row.get("年間件数")) or 0.0
            tasks = int(parse_number(row.get("業務数")) or 0)
        except ValueError as exc:
            errors.append(f"{i}行目: {exc}")
            continue
        name = text_or_empty(row.get("団体名"))
        if not name or not population or population <= 0 or hours is None or hours < 0 or not 1900 < year < 2200:
            errors.append(f"{i}行目: 団体名・人口（正の数）・年度・年間時間（0以上）を確認してください")
            continue
        key = (name, year)
        if key not in cities:
            cities[key] = PeerCity(name=name[:100], lg_code=text_or_empty(row.get("団体コード"))[:6], population=int(population),
                                   fiscal_year=year, source=filename[:200])
        aggregates.append((key, text_or_empty(row.get("大分類"))[:40], text_or_empty(row.get("中分類"))[:80], hours, cases, tasks))
    if errors:
        raise ApplicationError("peer_rows", f"{filename}: {len(errors)}件の誤りがあるため取り込みませんでした。", details=errors[:200])
    for city in cities.values():
        PeerCity.objects.filter(name=city.name, fiscal_year=city.fiscal_year).delete()
        city.save()
    PeerAggregate.objects.bulk_create([PeerAggregate(peer=cities[k], category_major=a, category_minor=b, hours=h, cases=c, tasks=n)
                                       for k, a, b, h, c, n in aggregates])
    audit_record(actor=actor, action="bpr.peers_import", object_type="bpr.PeerCity",
                 changes={"summary": f"{len(cities)}団体・{len(aggregates)}行を取込（{filename}）"})
    return list(cities.values())


@transaction.atomic
def peers_import_survey(*, actor: User, path, filename: str, name: str, population: int, fiscal_year: int | str) -> PeerCity:
    """Import another city's survey in the standard format: only its totals per 大分類/中分類 are kept."""
    from civicdx.core.fiscal import parse_fiscal_year
    from civicdx.survey.importing.parser import merge_results, read_and_parse
    from civicdx.survey.importing.profiles import STANDARD

    check_dx(actor)
    name = (name or "").strip()
    if not name or not population or population <= 0:
        raise ApplicationError("peer_fields", "他都市の調査を取り込むには、団体名と人口（正の数）を入力してください。")
    result = merge_results([read_and_parse(path, filename, STANDARD)])
    if result.errors:
        raise ApplicationError("peer_rows", f"{filename}: {len(result.errors)}件の誤りがあるため取り込みませんでした。",
                               details=[f"{e['row'] or ''}行目 {e['column']}: {e['message']}" for e in result.errors[:200]])
    year = parse_fiscal_year(fiscal_year)
    totals: dict[tuple[str, str], list] = {}
    for task in result.tasks:
        slot = totals.setdefault((task.category_major, task.category_minor), [0.0, 0.0, 0])
        slot[0] += task.hours
        slot[1] += task.steps[0].cases_per_year or 0 if task.steps else 0
        slot[2] += 1
    PeerCity.objects.filter(name=name[:100], fiscal_year=year).delete()
    peer = PeerCity.objects.create(name=name[:100], population=int(population), fiscal_year=year, source=filename[:200])
    PeerAggregate.objects.bulk_create([PeerAggregate(peer=peer, category_major=a, category_minor=b, hours=h, cases=c, tasks=n)
                                       for (a, b), (h, c, n) in totals.items()])
    audit_record(actor=actor, action="bpr.peers_import", obj=peer,
                 changes={"summary": f"{name} の調査（{len(result.tasks)}業務）を分類別に集計して取込（{filename}）"})
    return peer


DEMO_PEERS = [("政令市A（合成）", 1_520_000, 0.93), ("政令市B（合成）", 780_000, 1.12)]


def peers_demo_load(*, survey: Survey, seed: int = 2021) -> None:
    """Two synthetic peer cities derived from the demo city's aggregates with noise (marked as synthetic)."""
    rng = random.Random(seed)
    base = own_aggregates(survey)
    own_population = survey.municipality.population or 930_000
    PeerCity.objects.filter(is_demo=True).delete()
    for name, population, level in DEMO_PEERS:
        peer = PeerCity.objects.create(name=name, population=population, fiscal_year=survey.fiscal_year,
                                       source="civicdx デモ（合成データ）", is_demo=True)
        scale = population / own_population * level
        PeerAggregate.objects.bulk_create([
            PeerAggregate(peer=peer, category_major=a["category_major"], category_minor=a["category_minor"],
                          hours=round(a["hours"] * scale * rng.uniform(0.7, 1.3), 1),
                          cases=round(a["cases"] * population / own_population * rng.uniform(0.8, 1.2)),
                          tasks=max(1, round(a["tasks"] * scale * rng.uniform(0.8, 1.2))))
            for a in base])
