"""REST endpoints for surveys, tasks, steps and totals. Handlers parse, call a selector or service, return."""

from __future__ import annotations

from ninja import Router, Schema

from civicdx.core import fiscal
from civicdx.survey import selectors, services

router = Router(tags=["業務量調査"])


class SurveyOut(Schema):
    id: int
    municipality: str
    municipality_name: str
    fiscal_year: int
    fiscal_year_label: str
    round: str
    status: str
    hours_per_person_year: float
    is_demo: bool


def _survey_out(s) -> dict:
    return {"id": s.pk, "municipality": s.municipality.lg_code, "municipality_name": s.municipality.name,
            "fiscal_year": s.fiscal_year, "fiscal_year_label": fiscal.fiscal_year_label(s.fiscal_year), "round": s.round,
            "status": s.status, "hours_per_person_year": s.hours_per_person_year, "is_demo": s.is_demo}


class StepIO(Schema):
    no: int | None = None
    name: str = ""
    kind: str = ""
    minutes_per_case: float | str | None = None
    cases_per_year: float | str | None = None
    hours: float | str | None = None
    medium: str = ""
    has_seal: bool | str | None = None
    system: str = ""
    worker_type: str = ""
    note: str = ""


class TaskOut(Schema):
    id: int
    survey_id: int
    section_id: int
    section_path: str
    code: str
    name: str
    category_major: str
    category_minor: str
    legal_basis: str
    is_core: bool | None
    is_routine: bool | None
    needs_expertise: bool | None
    busy_months: str
    hours: float
    person_years: float
    step_count: int


class TaskDetailOut(TaskOut):
    steps: list[StepIO]


class TaskIn(Schema):
    section_id: int
    code: str
    name: str
    category_major: str = ""
    category_minor: str = ""
    legal_basis: str = ""
    core: str
    routine: str
    expertise: str
    busy_months: str = ""
    hours: float | str | None = None  # a task reported without steps
    steps: list[StepIO] = []


def _task_out(t, hpy: float, with_steps: bool = False) -> dict:
    data = {"id": t.pk, "survey_id": t.survey_id, "section_id": t.section_id, "section_path": t.section.path,
            "code": t.code, "name": t.name, "category_major": t.category_major, "category_minor": t.category_minor,
            "legal_basis": t.legal_basis, "is_core": t.is_core, "is_routine": t.is_routine,
            "needs_expertise": t.needs_expertise, "busy_months": t.busy_months, "hours": round(t.hours, 4),
            "person_years": round(t.hours / hpy, 5), "step_count": t.step_count}
    if with_steps:
        data["steps"] = [{"no": s.no, "name": s.name, "kind": s.kind, "minutes_per_case": s.minutes_per_case,
                          "cases_per_year": s.cases_per_year, "hours": s.hours, "medium": s.medium, "has_seal": s.has_seal,
                          "system": s.system, "worker_type": s.worker_type, "note": s.note} for s in t.steps.all()]
    return data


def _form_values(payload: TaskIn) -> tuple[dict, list[dict]]:
    task_fields = {"task_name": payload.name, "category_major": payload.category_major,
                   "category_minor": payload.category_minor, "legal_basis": payload.legal_basis, "core": payload.core,
                   "routine": payload.routine, "expertise": payload.expertise, "busy_months": payload.busy_months}
    steps = [{"step_no": s.no, "step_name": s.name, "step_kind": s.kind, "minutes": s.minutes_per_case,
              "cases": s.cases_per_year, "hours": s.hours, "medium": s.medium, "seal": s.has_seal, "system": s.system,
              "worker": s.worker_type, "note": s.note} for s in payload.steps]
    if not steps and payload.hours not in (None, ""):
        steps = [{"hours": payload.hours}]
    return task_fields, steps


@router.get("/surveys", response=list[SurveyOut], summary="調査の一覧")
def list_surveys(request):
    return [_survey_out(s) for s in selectors.survey_list(user=request.user)]


@router.get("/surveys/{survey_id}", response=SurveyOut, summary="調査")
def get_survey(request, survey_id: int):
    return _survey_out(selectors.survey_get(user=request.user, survey_id=survey_id))


@router.get("/surveys/{survey_id}/summary", summary="時間数と人役の集計（CLI の survey summary と同じ形）")
def get_summary(request, survey_id: int, by: str | None = None):
    survey = selectors.survey_get(user=request.user, survey_id=survey_id)
    return selectors.survey_summary(user=request.user, survey=survey, by=by)


@router.get("/surveys/{survey_id}/tasks", response=list[TaskOut], summary="業務の一覧（利用者の所属範囲のみ）")
def list_tasks(request, survey_id: int, section_id: int | None = None, q: str = "", limit: int = 100, offset: int = 0):
    survey = selectors.survey_get(user=request.user, survey_id=survey_id)
    qs = selectors.tasks_visible(user=request.user, survey=survey).select_related("section").order_by("id")
    if section_id:
        qs = qs.filter(section_id=section_id)
    if q:
        qs = qs.filter(name__icontains=q)
    limit = max(1, min(limit, 1000))
    return [_task_out(t, survey.hours_per_person_year) for t in qs[offset:offset + limit]]


@router.post("/surveys/{survey_id}/tasks", response={201: TaskDetailOut}, summary="業務を作成（手順ごと）")
def create_task(request, survey_id: int, payload: TaskIn):
    survey = selectors.survey_get(user=request.user, survey_id=survey_id)
    section = selectors.unit_get(user=request.user, unit_id=payload.section_id)
    task_fields, steps = _form_values(payload)
    task = services.task_save(actor=request.user, survey=survey, section=section, task=None, code=payload.code,
                              task_fields=task_fields, steps=steps)
    return 201, _task_out(task, survey.hours_per_person_year, with_steps=True)


@router.get("/tasks/{task_id}", response=TaskDetailOut, summary="業務と作業手順")
def get_task(request, task_id: int):
    task = selectors.task_get(user=request.user, task_id=task_id)
    return _task_out(task, task.survey.hours_per_person_year, with_steps=True)


@router.put("/tasks/{task_id}", response=TaskDetailOut, summary="業務を更新（手順は置き換え）")
def update_task(request, task_id: int, payload: TaskIn):
    task = selectors.task_get(user=request.user, task_id=task_id)
    task_fields, steps = _form_values(payload)
    task = services.task_save(actor=request.user, survey=task.survey, section=task.section, task=task, code=payload.code,
                              task_fields=task_fields, steps=steps)
    return _task_out(task, task.survey.hours_per_person_year, with_steps=True)


@router.delete("/tasks/{task_id}", response={204: None}, summary="業務を削除")
def delete_task(request, task_id: int):
    task = selectors.task_get(user=request.user, task_id=task_id)
    services.task_delete(actor=request.user, task=task)
    return 204, None


@router.post("/surveys/{survey_id}/sections/{section_id}/submit", summary="係の回答を提出")
def submit_section(request, survey_id: int, section_id: int):
    survey = selectors.survey_get(user=request.user, survey_id=survey_id)
    section = selectors.unit_get(user=request.user, unit_id=section_id)
    response = services.section_submit(actor=request.user, survey=survey, section=section)
    return {"section_id": section.pk, "status": response.status}


@router.get("/surveys/{survey_id}/responses", summary="回収率（局・課ごと）")
def get_responses(request, survey_id: int):
    survey = selectors.survey_get(user=request.user, survey_id=survey_id)
    return [{"unit_id": r["unit"].pk, "kind": r["unit"].kind, "name": r["unit"].name, "bureau": r["bureau"].name,
             "sections": r["sections"], "submitted": r["submitted"], "confirmed": r["confirmed"], "rate": round(r["rate"], 4)}
            for r in selectors.response_rates(user=request.user, survey=survey)]
