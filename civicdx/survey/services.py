"""Writes of the survey part. Each checks permission, runs in a transaction and leaves an audit event."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from civicdx.core.errors import ApplicationError
from civicdx.core.models import Municipality, OrgUnit, User
from civicdx.core.permissions import can_confirm_section, check_dx, check_edit_unit, check_municipality, is_dx_office
from civicdx.core.services import audit_record, diff_fields
from civicdx.survey.importing.parser import ParseResult, parse_sheets
from civicdx.survey.importing.profiles import STANDARD
from civicdx.survey.importing.reader import Sheet
from civicdx.survey.models import SectionResponse, SectionTotals, Step, Survey, Task
from civicdx.survey.standard import COLUMNS
from civicdx.survey.totals import section_totals_refresh

STATUS_FLOW = {
    Survey.Status.PREPARING: {Survey.Status.OPEN},
    Survey.Status.OPEN: {Survey.Status.CLOSED},
    Survey.Status.CLOSED: {Survey.Status.OPEN, Survey.Status.FINAL},
    Survey.Status.FINAL: set(),
}


@transaction.atomic
def survey_create(*, actor: User, municipality: Municipality, fiscal_year: int, round: str = "全体調査",
                  hours_per_person_year: float = 1950.0) -> Survey:
    check_dx(actor)
    check_municipality(actor, municipality)
    if not 1000 <= hours_per_person_year <= 3000:
        raise ApplicationError("invalid_hours_per_person_year", "1人役当たり年間時間は1,000〜3,000時間で入力してください。")
    if Survey.objects.filter(municipality=municipality, fiscal_year=fiscal_year, round=round).exists():
        raise ApplicationError("survey_exists", "同じ年度・調査区分の調査が既にあります。")
    survey = Survey.objects.create(municipality=municipality, fiscal_year=fiscal_year, round=round,
                                   hours_per_person_year=hours_per_person_year)
    audit_record(actor=actor, action="survey.create", obj=survey, municipality=municipality,
                 changes={"fiscal_year": [None, fiscal_year], "round": [None, round]})
    return survey


@transaction.atomic
def survey_status_set(*, actor: User, survey: Survey, status: str) -> Survey:
    """準備中 → 回答中 → 締切 → 確定 (締切 can reopen). Only the DX office moves a round."""
    check_dx(actor)
    check_municipality(actor, survey.municipality)
    if status not in STATUS_FLOW.get(survey.status, set()):
        raise ApplicationError("invalid_status", f"「{survey.get_status_display()}」から「{Survey.Status(status).label}」には変更できません。")
    old = survey.status
    survey.status = status
    survey.save(update_fields=["status"])
    audit_record(actor=actor, action="survey.status", obj=survey, municipality=survey.municipality,
                 changes={"status": [old, status]})
    return survey


def _check_entry_open(actor: User, survey: Survey, section: OrgUnit) -> None:
    check_municipality(actor, survey.municipality)
    check_edit_unit(actor, section)
    dx = is_dx_office(actor)
    if survey.status != Survey.Status.OPEN and not (dx and survey.status != Survey.Status.FINAL):
        raise ApplicationError("survey_not_open", f"この調査は「{survey.get_status_display()}」のため入力できません。")
    response = SectionResponse.objects.filter(survey=survey, section=section).first()
    if response and response.status == SectionResponse.Status.CONFIRMED and not dx:
        raise ApplicationError("section_confirmed", "課の確認が済んでいるため編集できません。課に差し戻しを依頼してください。")


def parse_task_form(*, section: OrgUnit, code: str, task_fields: dict, steps: list[dict]) -> tuple[ParseResult, list[str]]:
    """Validate a task entered in the browser with the very rules of the import (same normalisers, messages)."""
    chain = []
    unit = section
    while unit is not None:
        chain.append(unit)
        unit = unit.parent
    by_kind = {u.kind: u.name for u in chain}
    headers = [c.header for c in COLUMNS]
    keys = [c.key for c in COLUMNS]
    base = {"bureau": by_kind.get("bureau", ""), "department": by_kind.get("department", ""),
            "division": by_kind.get("division", ""), "section": by_kind.get("section", ""), "task_code": code}
    base.update({k: v for k, v in task_fields.items() if k in keys})
    rows = [headers]
    step_rows = steps or [{}]
    for i, step in enumerate(step_rows):
        values = dict(base) if i == 0 else {"task_code": code}
        values.update({k: v for k, v in step.items() if k in keys})
        rows.append([values.get(k) for k in keys])
    result = ParseResult()
    parse_sheets([Sheet(file="入力画面", name="", rows=rows)], STANDARD, result)
    return result, keys


@transaction.atomic
def task_save(*, actor: User, survey: Survey, section: OrgUnit, task: Task | None, code: str, task_fields: dict,
              steps: list[dict]) -> Task:
    """Create or replace one 業務 and its 作業手順 from the online entry form; errors carry row numbers
    (row 2 = first step) so the form can show them next to the field."""
    _check_entry_open(actor, survey, section)
    code = (code or "").strip()
    if task is None or task.code != code:
        if Task.objects.filter(survey=survey, section=section, code=code).exclude(pk=getattr(task, "pk", None)).exists():
            raise ApplicationError("duplicate_task", f"業務ID「{code}」はこの係で既に使われています。",
                                   details=[{"row": 2, "column": "業務ID", "message": "既に使われている業務IDです", "code": "duplicate_task"}])
    result, _keys = parse_task_form(section=section, code=code, task_fields=task_fields, steps=steps)
    if result.errors:
        raise ApplicationError("validation", "入力に誤りがあります。赤字の項目を確認してください。", details=result.errors)
    parsed = result.tasks[0]
    data = {"code": parsed.code, "name": parsed.name, "category_major": parsed.category_major,
            "category_minor": parsed.category_minor, "legal_basis": parsed.legal_basis, "is_core": parsed.is_core,
            "is_routine": parsed.is_routine, "needs_expertise": parsed.needs_expertise,
            "reported_hours": parsed.reported_hours, "busy_months": parsed.busy_months, "note": parsed.note,
            "hours": parsed.hours, "step_count": len(parsed.steps)}
    if task is None:
        task = Task.objects.create(survey=survey, section=section,
                                   sort_order=Task.objects.filter(survey=survey, section=section).count(), **data)
        changes = {k: [None, v] for k, v in data.items()}
        action = "task.create"
    else:
        changes = diff_fields(task, data)
        for k, v in data.items():
            setattr(task, k, v)
        task.save()
        old_steps = list(task.steps.values_list("no", "name", "kind", "minutes_per_case", "cases_per_year"))
        new_steps = [(s.no, s.name, s.kind, s.minutes_per_case, s.cases_per_year) for s in parsed.steps]
        if old_steps != new_steps:
            changes["steps"] = [old_steps, new_steps]
        task.steps.all().delete()
        action = "task.update"
    Step.objects.bulk_create([
        Step(task=task, survey=survey, no=s.no, name=s.name, kind=s.kind, minutes_per_case=s.minutes_per_case,
             cases_per_year=s.cases_per_year, reported_hours=s.reported_hours, medium=s.medium, has_seal=s.has_seal,
             system=s.system, worker_type=s.worker_type, note=s.note, hours=s.hours) for s in parsed.steps])
    section_totals_refresh(survey=survey, section_ids=[section.pk])
    response, _ = SectionResponse.objects.get_or_create(survey=survey, section=section)
    if response.status == SectionResponse.Status.NOT_STARTED:
        response.status = SectionResponse.Status.DRAFT
        response.save(update_fields=["status"])
    audit_record(actor=actor, action=action, obj=task, municipality=survey.municipality, changes=changes)
    return task


@transaction.atomic
def task_delete(*, actor: User, task: Task) -> None:
    _check_entry_open(actor, task.survey, task.section)
    audit_record(actor=actor, action="task.delete", obj=task, municipality=task.survey.municipality,
                 changes={"code": [task.code, None], "name": [task.name, None], "hours": [task.hours, None]})
    task.delete()
    section_totals_refresh(survey=task.survey, section_ids=[task.section_id])


@transaction.atomic
def section_submit(*, actor: User, survey: Survey, section: OrgUnit) -> SectionResponse:
    """The 係 submits its answer to the 課."""
    _check_entry_open(actor, survey, section)
    if not Task.objects.filter(survey=survey, section=section).exists():
        raise ApplicationError("section_empty", "業務が1件も入力されていないため提出できません。")
    response, _ = SectionResponse.objects.get_or_create(survey=survey, section=section)
    old = response.status
    response.status = SectionResponse.Status.SUBMITTED
    response.submitted_by = actor
    response.submitted_at = timezone.now()
    response.save()
    audit_record(actor=actor, action="section.submit", obj=section, municipality=survey.municipality,
                 changes={"status": [old, response.status], "survey": survey.pk})
    return response


def _check_division_confirm(actor: User, section: OrgUnit) -> None:
    check_edit_unit(actor, section)
    if not can_confirm_section(actor, section):
        raise ApplicationError("permission_denied", "確認は課の担当者が行います（係の担当者は提出までです）。", status=403)


@transaction.atomic
def section_confirm(*, actor: User, survey: Survey, section: OrgUnit, reopen: bool = False) -> SectionResponse:
    """The 課 confirms a submitted 係 (or sends it back with ``reopen``)."""
    check_municipality(actor, survey.municipality)
    _check_division_confirm(actor, section)
    if survey.status == Survey.Status.FINAL:
        raise ApplicationError("survey_final", "確定済みの調査は変更できません。")
    response = SectionResponse.objects.filter(survey=survey, section=section).first()
    if response is None or response.status not in (SectionResponse.Status.SUBMITTED, SectionResponse.Status.CONFIRMED):
        raise ApplicationError("section_not_submitted", "この係はまだ提出していません。")
    old = response.status
    if reopen:
        response.status = SectionResponse.Status.DRAFT
        response.confirmed_by = None
        response.confirmed_at = None
    else:
        response.status = SectionResponse.Status.CONFIRMED
        response.confirmed_by = actor
        response.confirmed_at = timezone.now()
    response.save()
    audit_record(actor=actor, action="section.reopen" if reopen else "section.confirm", obj=section,
                 municipality=survey.municipality, changes={"status": [old, response.status], "survey": survey.pk})
    return response


DEMO_USERS = [
    # username, role, org path suffix (None = whole city), display name
    ("admin", User.Role.ADMIN, None, "システム管理者"),
    ("dx", User.Role.DX, None, "DX推進課 分析担当"),
    ("kakari", User.Role.EDITOR, "section", "係の入力担当"),
    ("kakaricho", User.Role.EDITOR, "section", "係長"),
    ("ka", User.Role.EDITOR, "division", "課の確認担当"),
    ("etsuran", User.Role.VIEWER, None, "閲覧者（幹部）"),
]
DEMO_PASSWORD = "civicdx-demo-2021"
DEMO_POPULATION = 940_000  # a 政令市 of the report's size (rounded; the demo's data is synthetic anyway)


@transaction.atomic
def demo_load(*, scale: str = "small", seed: int = 2021, fiscal_year: int = 2021, lg_code: str = "401005",
              city=None, progress=None) -> Survey:
    """Load the synthetic demo city (see ``civicdx.survey.demo``) as a 全体調査 with demo users.

    Replaces an earlier demo survey of the same year; refuses to touch a municipality holding real data.
    """
    import datetime as dt

    from civicdx.core.models import Municipality
    from civicdx.core.services import municipality_get_or_create, org_units_ensure
    from civicdx.survey import demo
    from civicdx.survey.importing.service import write_tasks

    existing = Municipality.objects.filter(lg_code=lg_code).first()
    if existing is not None and not existing.is_demo:
        raise ApplicationError("demo_on_real_data", f"団体コード {lg_code} には実データがあるため、デモを読み込めません。")
    city = city or demo.generate(scale, seed)
    municipality = municipality_get_or_create(lg_code=lg_code, actor=None, is_demo=True)
    if municipality.population is None:
        municipality.population = DEMO_POPULATION
        municipality.save(update_fields=["population"])
    old = Survey.objects.filter(municipality=municipality, fiscal_year=fiscal_year)
    # Raw deletes: the ORM's cascade would load 300,000 rows just to delete them.
    SectionTotals.objects.filter(survey__in=old)._raw_delete(SectionTotals.objects.db)
    Step.objects.filter(survey__in=old)._raw_delete(Step.objects.db)
    Task.objects.filter(survey__in=old)._raw_delete(Task.objects.db)
    old.delete()
    valid_from = dt.date(fiscal_year, 4, 1)
    sections = org_units_ensure(municipality=municipality, valid_from=valid_from,
                                org_tuples=dict.fromkeys(t.org for t in city.tasks), actor=None,
                                headcounts=city.headcounts)
    survey = Survey.objects.create(municipality=municipality, fiscal_year=fiscal_year, round="全体調査",
                                   status=Survey.Status.OPEN, is_demo=True)
    write_tasks(survey, city.tasks, sections, progress or (lambda *a: None))
    # Leave a few 係 unanswered so the response-rate view has something to show.
    unanswered = sorted(sections.values(), key=lambda u: u.pk)[1::37]
    SectionResponse.objects.filter(survey=survey, section__in=unanswered).update(status=SectionResponse.Status.DRAFT)
    first_section = min(sections.values(), key=lambda u: u.pk)
    for username, role, scope, name in DEMO_USERS:
        unit = None
        if scope == "section":
            unit = first_section
        elif scope == "division":
            unit = first_section.parent
        user = User.objects.filter(username=username).first() or User(username=username)
        user.role = role
        user.display_name = name
        user.can_approve = username in ("kakaricho", "ka")
        user.municipality = municipality
        user.org_unit = unit
        user.is_superuser = user.is_staff = role == User.Role.ADMIN
        user.set_password(DEMO_PASSWORD)
        user.save()
    audit_record(actor=None, action="demo.load", obj=survey, municipality=municipality,
                 changes={"summary": f"デモ都市（{scale}, seed={seed}）を読み込み: {len(city.tasks)}業務"})
    return survey


@transaction.atomic
def mapping_profile_save(*, actor: User, municipality: Municipality, yaml_text: str, profile=None):
    """Create or update a browser-edited mapping profile after validating it (the name comes from the YAML)."""
    from civicdx.survey.importing.profiles import parse_profile
    from civicdx.survey.models import MappingProfile

    check_dx(actor)
    check_municipality(actor, municipality)
    if len(yaml_text) > 50_000:
        raise ApplicationError("profile_too_large", "マッピング定義が長すぎます（50,000文字まで）。")
    parsed = parse_profile(yaml_text)
    if parsed.name == "standard":
        raise ApplicationError("profile_reserved", "名前「standard」は標準様式のために予約されています。")
    clash = MappingProfile.objects.filter(municipality=municipality, name=parsed.name)
    if profile is not None:
        clash = clash.exclude(pk=profile.pk)
    if clash.exists():
        raise ApplicationError("profile_exists", f"マッピング定義「{parsed.name}」は既にあります。")
    if profile is None:
        profile = MappingProfile(municipality=municipality)
        changes = {"name": [None, parsed.name], "yaml": [None, yaml_text]}
    else:
        changes = {"name": [profile.name, parsed.name], "yaml": [profile.yaml_text, yaml_text]}
    profile.name = parsed.name
    profile.yaml_text = yaml_text
    profile.updated_by = actor
    profile.save()
    audit_record(actor=actor, action="mapping_profile.save", obj=profile, municipality=municipality, changes=changes)
    return profile
