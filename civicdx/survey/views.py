"""Survey pages: dashboard, drill-down, tables with export, online entry, import with progress."""

from __future__ import annotations

import tempfile
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from civicdx.core import fiscal
from civicdx.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from civicdx.core.exports import rows_to_csv, rows_to_xlsx
from civicdx.core.permissions import can_confirm_section, can_edit_unit, is_dx_office, sees_everything
from civicdx.core.services import job_create
from civicdx.survey import charts, selectors, services
from civicdx.survey.forms import HEADER, STEP_FIELD_KEYS, ImportForm, task_form_data
from civicdx.survey.importing.profiles import available_profiles, get_profile
from civicdx.survey.importing.service import ImportSource, import_record_create
from civicdx.survey.models import SectionResponse, Survey, SurveyImport
from civicdx.survey.standard import CATEGORIES_MAJOR, MEDIA, STEP_KINDS, WORKER_TYPES

BY_LABELS = {
    "bureau": "局別", "department": "部別", "division": "課別", "section": "係別", "category": "大分類別",
    "step_kind": "作業種類別", "medium": "媒体別", "worker": "担い手別", "busy_month": "繁忙月別", "matrix": "コア×定型×専門性",
}


def handles_errors(view):
    """Application errors become a message (or 403/404) instead of a server error."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFoundError as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            page = render(request, "survey/forbidden.html", {"message": exc.message}, status=exc.status)
            return HttpResponseForbidden(page.content) if exc.status == 403 else page
    return wrapper


def json_errors(view):
    """JSON endpoints answer errors as {code, message, details} with the error's status."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            return JsonResponse(exc.as_dict(), status=exc.status)
    return wrapper


def _export(request, filename: str, headers: list[str], rows: list[list]):
    fmt = request.GET.get("format")
    if fmt == "csv":
        response = HttpResponse(rows_to_csv(headers, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}.csv"
        return response
    if fmt == "xlsx":
        response = HttpResponse(rows_to_xlsx(headers, rows),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}.xlsx"
        return response
    return None


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def _survey(request, survey_id: int) -> Survey:
    return selectors.survey_get(user=request.user, survey_id=survey_id)


def _ctx(request, survey: Survey | None = None, **extra):
    ctx = {"nav_section": "survey", "survey": survey}
    if survey is not None:
        ctx["survey_label"] = f"{fiscal.fiscal_year_label(survey.fiscal_year)} {survey.round}"
        ctx["is_dx"] = is_dx_office(request.user)
    ctx.update(extra)
    return ctx


# --- overview ----------------------------------------------------------------------------------------------

@handles_errors
def survey_list(request):
    surveys = list(selectors.survey_list(user=request.user))
    if len(surveys) == 1 and "all" not in request.GET:
        return redirect("survey:dashboard", surveys[0].pk)
    return render(request, "survey/list.html", _ctx(request, surveys=surveys))


@handles_errors
def dashboard(request, survey_id: int):
    survey = _survey(request, survey_id)
    user = request.user
    summary = selectors.survey_summary(user=user, survey=survey, by="matrix")
    by_division = selectors.survey_summary(user=user, survey=survey, by="division")["groups"]
    top = sorted(by_division, key=lambda g: -g["hours"])[:15]
    bureau_hours: dict[str, float] = {}
    for g in by_division:
        bureau_hours[g["key"][0]] = bureau_hours.get(g["key"][0], 0.0) + g["hours"]
    by_kind = selectors.survey_summary(user=user, survey=survey, by="step_kind")["groups"]
    pareto = selectors.survey_pareto(user=user, survey=survey, limit=300)
    rates = [r for r in selectors.response_rates(user=user, survey=survey) if r["unit"].kind == "bureau"]
    sections = sum(r["sections"] for r in rates)
    answered = sum(r["submitted"] for r in rates)
    target = next((g for g in summary["groups"] if g["key"] == ["ノンコア", "定型", "専門性無"]), None)
    matrix = {tuple(g["key"]): g for g in summary["groups"]}
    ctx = _ctx(
        request, survey, summary=summary, top=top, target=target, matrix=matrix, pareto=pareto,
        response_rate=answered / sections if sections else 0, sections=sections, answered=answered,
        chart_top=charts.to_attr(charts.bar([" ".join(k for k in g["key"][-2:] if k) for g in top], [g["hours"] for g in top],
                                             name="年間時間", horizontal=True)),
        chart_bureau=charts.to_attr(charts.pie(list(bureau_hours), list(bureau_hours.values()))),
        chart_kind=charts.to_attr(charts.bar([g["key"][0] for g in by_kind], [g["hours"] for g in by_kind], name="年間時間")),
        chart_pareto=charts.to_attr(charts.pareto([r["task"].name for r in pareto["rows"]], [r["hours"] for r in pareto["rows"]],
                                                  [r["cumulative_share"] for r in pareto["rows"]])),
        matrix_rows=[(c, r) for c in ("コア", "ノンコア") for r in ("定型", "非定型")],
    )
    return render(request, "survey/dashboard.html", ctx)


@handles_errors
def summary_table(request, survey_id: int, by: str):
    survey = _survey(request, survey_id)
    if by not in BY_LABELS:
        raise Http404
    data = selectors.survey_summary(user=request.user, survey=survey, by=by)
    depth = len(data["groups"][0]["key"]) if data["groups"] else 1
    key_headers = {"bureau": ["局"], "department": ["局", "部"], "division": ["局", "部", "課"],
                   "section": ["局", "部", "課", "係"], "matrix": ["コア区分", "定型区分", "専門性"]}.get(by, [BY_LABELS[by][:-1]])[:depth]
    headers = key_headers + ["業務数", "手順数", "年間時間", "人役", "構成比(%)"]
    rows = [g["key"] + [g["tasks"], g["steps"], g["hours"], g["person_years"], round(g["share"] * 100, 2)] for g in data["groups"]]
    exported = _export(request, f"業務量調査_{BY_LABELS[by]}_{survey.fiscal_year}", headers, rows)
    if exported:
        return exported
    chart = charts.bar([" ".join(k for k in g["key"][-2:] if k) for g in data["groups"][:40]],
                       [g["hours"] for g in data["groups"][:40]], name="年間時間", horizontal=len(data["groups"]) > 12)
    return render(request, "survey/summary.html", _ctx(request, survey, data=data, by=by, by_labels=BY_LABELS,
                                                        headers=headers, rows=rows, chart=charts.to_attr(chart),
                                                        key_count=len(key_headers)))


@handles_errors
def drilldown(request, survey_id: int, unit_id: int | None = None):
    survey = _survey(request, survey_id)
    unit = selectors.unit_get(user=request.user, unit_id=unit_id) if unit_id else None
    tree = selectors.org_tree(survey=survey)
    crumbs = tree.chain(unit.pk) if unit else []
    ctx = _ctx(request, survey, unit=unit, crumbs=crumbs)
    if unit is not None and unit.kind == "section":
        tasks = list(selectors.tasks_visible(user=request.user, survey=survey).filter(section=unit).order_by("sort_order", "id"))
        headers = ["業務ID", "業務名", "大分類", "中分類", "コア区分", "定型区分", "専門性", "手順数", "年間時間", "人役"]
        hpy = survey.hours_per_person_year
        rows = [[t.code, t.name, t.category_major, t.category_minor, {True: "コア", False: "ノンコア"}.get(t.is_core, ""),
                 {True: "定型", False: "非定型"}.get(t.is_routine, ""), {True: "有", False: "無"}.get(t.needs_expertise, ""),
                 t.step_count, round(t.hours, 1), round(t.hours / hpy, 3)] for t in tasks]
        exported = _export(request, f"業務一覧_{unit.name}", headers, rows)
        if exported:
            return exported
        total = sum(t.hours for t in tasks)
        response = selectors.section_response_get(survey=survey, section=unit)
        ctx.update(tasks=tasks, total_hours=total, total_py=total / hpy, response=response,
                   can_edit=can_edit_unit(request.user, unit))
        return render(request, "survey/section.html", ctx)
    children = selectors.unit_totals(user=request.user, survey=survey, parent=unit)
    headers = ["組織", "係数", "回答済", "業務数", "手順数", "年間時間", "人役", "職員数"]
    rows = [[c["unit"].name, c["sections"], c["answered"], c["tasks"], c["steps"], round(c["hours"], 1),
             round(c["person_years"], 2), c["headcount"]] for c in children]
    exported = _export(request, f"組織別_{unit.name if unit else '全庁'}", headers, rows)
    if exported:
        return exported
    chart = charts.bar([c["unit"].name for c in children], [c["hours"] for c in children], name="年間時間",
                       horizontal=True)
    ctx.update(children=children, chart=charts.to_attr(chart), total_hours=sum(c["hours"] for c in children),
               total_py=sum(c["person_years"] for c in children))
    return render(request, "survey/drilldown.html", ctx)


@handles_errors
def task_detail(request, survey_id: int, task_id: int):
    survey = _survey(request, survey_id)
    task = selectors.task_get(user=request.user, task_id=task_id)
    if task.survey_id != survey.pk:
        raise Http404
    tree = selectors.org_tree(survey=survey)
    steps = list(task.steps.all())
    return render(request, "survey/task.html", _ctx(request, survey, task=task, steps=steps, crumbs=tree.chain(task.section_id),
                                                     person_years=task.hours / survey.hours_per_person_year,
                                                     can_edit=can_edit_unit(request.user, task.section)))


@handles_errors
def search(request, survey_id: int):
    survey = _survey(request, survey_id)
    query = request.GET.get("q", "").strip()[:100]
    tasks = list(selectors.task_search(user=request.user, survey=survey, query=query)) if query else []
    headers = ["業務ID", "所属", "業務名", "中分類", "年間時間"]
    rows = [[t.code, t.section.path, t.name, t.category_minor, round(t.hours, 1)] for t in tasks]
    exported = _export(request, f"検索_{query}", headers, rows) if query else None
    if exported:
        return exported
    return render(request, "survey/search.html", _ctx(request, survey, query=query, tasks=tasks))


@handles_errors
def responses(request, survey_id: int):
    survey = _survey(request, survey_id)
    rates = selectors.response_rates(user=request.user, survey=survey)
    headers = ["局", "課", "係数", "提出済", "課確認済", "入力中", "回収率(%)"]
    rows = [[r["bureau"].name, r["unit"].name if r["unit"].kind != "bureau" else "（局計）", r["sections"], r["submitted"],
             r["confirmed"], r["draft"], round(r["rate"] * 100, 1)] for r in rates]
    exported = _export(request, f"回収率_{survey.fiscal_year}", headers, rows)
    if exported:
        return exported
    bureaus = [r for r in rates if r["unit"].kind == "bureau"]
    chart = charts.bar([r["unit"].name for r in bureaus], [round(r["rate"] * 100, 1) for r in bureaus], name="回収率",
                       horizontal=True, unit="%")
    total_sections = sum(r["sections"] for r in bureaus)
    total_submitted = sum(r["submitted"] for r in bureaus)
    return render(request, "survey/responses.html", _ctx(request, survey, rates=rates, chart=charts.to_attr(chart),
                                                          total_sections=total_sections, total_submitted=total_submitted,
                                                          total_rate=total_submitted / total_sections if total_sections else 0))


@handles_errors
def quality(request, survey_id: int):
    survey = _survey(request, survey_id)
    checks = selectors.quality_checks(user=request.user, survey=survey)
    tables = {
        "headcount": (["係", "回答の人役", "職員数", "比率(%)"],
                      [[r["unit"].path, round(r["person_years"], 2), r["headcount"], round(r["ratio"] * 100)] for r in checks["headcount"]]),
        "outliers": (["所属", "業務ID", "業務名", "作業名", "作業種類", "1件当たり(分)", "種類の中央値(分)"],
                     [[r["step"].task.section.path, r["step"].task.code, r["step"].task.name, r["step"].name, r["step"].kind,
                       r["step"].minutes_per_case, r["median"]] for r in checks["outliers"]]),
        "duplicates": (["係", "業務名", "件数"], [[r["unit"].path, r["name"], r["count"]] for r in checks["duplicates"]]),
    }
    table = request.GET.get("table")
    if table in tables:
        exported = _export(request, f"データ品質_{table}_{survey.fiscal_year}", *tables[table])
        if exported:
            return exported
    return render(request, "survey/quality.html", _ctx(request, survey, checks=checks))


@handles_errors
@require_POST
def status_change(request, survey_id: int):
    survey = _survey(request, survey_id)
    try:
        services.survey_status_set(actor=request.user, survey=survey, status=request.POST.get("status", ""))
        messages.success(request, f"調査の状態を「{survey.get_status_display()}」にしました。")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("survey:dashboard", survey.pk)


@handles_errors
def template_download(request, survey_id: int):
    from civicdx.survey.workbooks import write_template

    survey = _survey(request, survey_id)
    tree = selectors.org_tree(survey=survey)
    section_id = request.GET.get("section")
    if section_id:
        section = selectors.unit_get(user=request.user, unit_id=int(section_id))
        units = [section] if section.kind == "section" else [u for u in tree.units.values() if u.kind == "section" and u.path.startswith(section.path + "/")]
    else:
        units = selectors.editable_sections(user=request.user, survey=survey) if not sees_everything(request.user) else \
            [u for u in tree.units.values() if u.kind == "section"]
    units.sort(key=lambda u: (u.sort_order, u.pk))
    orgs = [tuple(tree.key(u.pk, 4)) for u in units]
    name = units[0].name if len(units) == 1 else "全庁" if sees_everything(request.user) else request.user.org_unit.name
    title = f"{survey.municipality.name} {fiscal.fiscal_year_label(survey.fiscal_year)} 業務量調査"
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        write_template(Path(tmp.name), title=title, sections=orgs, rows_per_section=60 if len(orgs) < 50 else 3)
        data = Path(tmp.name).read_bytes()
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(f'業務量調査票_{survey.fiscal_year}_{name}')}.xlsx"
    return response


# --- online entry ------------------------------------------------------------------------------------------

@handles_errors
def entry_home(request):
    surveys = [s for s in selectors.survey_list(user=request.user) if s.status == Survey.Status.OPEN]
    if not surveys:
        return render(request, "survey/entry_home.html", {"nav_section": "entry", "sections": [], "survey": None})
    survey = surveys[0]
    sections = selectors.editable_sections(user=request.user, survey=survey)
    if len(sections) == 1:
        return redirect("survey:entry_section", survey.pk, sections[0].pk)
    responses = dict(SectionResponse.objects.filter(survey=survey, section__in=sections).values_list("section_id", "status"))
    rows = [(s, SectionResponse.Status(responses.get(s.pk, "not_started")).label) for s in sections[:500]]
    return render(request, "survey/entry_home.html", {"nav_section": "entry", "survey": survey, "rows": rows,
                                                      "sections": sections})


@handles_errors
def entry_section(request, survey_id: int, section_id: int):
    survey = _survey(request, survey_id)
    section = selectors.unit_get(user=request.user, unit_id=section_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "submit":
                services.section_submit(actor=request.user, survey=survey, section=section)
                messages.success(request, "提出しました。課の確認をお待ちください。")
            elif action in ("confirm", "reopen"):
                services.section_confirm(actor=request.user, survey=survey, section=section, reopen=action == "reopen")
                messages.success(request, "確認しました。" if action == "confirm" else "係に差し戻しました。")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("survey:entry_section", survey.pk, section.pk)
    tasks = list(selectors.tasks_visible(user=request.user, survey=survey).filter(section=section).order_by("sort_order", "id"))
    total = sum(t.hours for t in tasks)
    response = selectors.section_response_get(survey=survey, section=section)
    tree = selectors.org_tree(survey=survey)
    return render(request, "survey/entry_section.html", {
        **_ctx(request, survey), "nav_section": "entry", "section": section, "tasks": tasks, "total_hours": total,
        "total_py": total / survey.hours_per_person_year, "response": response, "crumbs": tree.chain(section.pk),
        "can_edit": can_edit_unit(request.user, section),
        "can_confirm": can_confirm_section(request.user, section),
        "headcount": section.headcount,
    })


@handles_errors
def entry_task(request, survey_id: int, section_id: int, task_id: int | None = None):
    survey = _survey(request, survey_id)
    section = selectors.unit_get(user=request.user, unit_id=section_id)
    task = selectors.task_get(user=request.user, task_id=task_id) if task_id else None
    if task is not None and task.section_id != section.pk:
        raise Http404
    errors: list[dict] = []
    if request.method == "POST":
        if request.POST.get("action") == "delete" and task is not None:
            try:
                services.task_delete(actor=request.user, task=task)
                messages.success(request, f"業務「{task.name}」を削除しました。")
                return redirect("survey:entry_section", survey.pk, section.pk)
            except ApplicationError as exc:
                messages.error(request, exc.message)
        code, task_fields, steps = task_form_data(request.POST)
        try:
            saved = services.task_save(actor=request.user, survey=survey, section=section, task=task, code=code,
                                       task_fields=task_fields, steps=steps)
            messages.success(request, f"業務「{saved.name}」を保存しました（年間 {saved.hours:,.1f} 時間）。")
            return redirect("survey:entry_section", survey.pk, section.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            errors = exc.details or []
        form_task = {"code": code, **task_fields}
        form_steps = steps
    else:
        form_task, form_steps = _task_initial(task, section, survey)
    return render(request, "survey/entry_task.html", {
        **_ctx(request, survey), "nav_section": "entry", "section": section, "task": task, "form_task": form_task,
        "form_steps": form_steps + [{}] * max(0, 3 - len(form_steps)), "errors": errors,
        "step_kinds": STEP_KINDS, "media": MEDIA, "workers": WORKER_TYPES, "categories": CATEGORIES_MAJOR,
        "step_keys": STEP_FIELD_KEYS, "header": HEADER,
        "field_errors": {(e.get("row"), e.get("column", "").split("（")[0]): e["message"] for e in errors},
    })


def _task_initial(task, section, survey):
    if task is None:
        from civicdx.survey.models import Task

        n = Task.objects.filter(survey=survey, section=section).count() + 1
        return {"code": f"{section.pk}-{n:03d}"}, []
    fmt = {True: "有", False: "無", None: ""}
    form_task = {"code": task.code, "task_name": task.name, "category_major": task.category_major,
                 "category_minor": task.category_minor, "legal_basis": task.legal_basis,
                 "core": {True: "コア", False: "ノンコア", None: ""}[task.is_core],
                 "routine": {True: "定型", False: "非定型", None: ""}[task.is_routine],
                 "expertise": fmt[task.needs_expertise], "busy_months": task.busy_months,
                 "task_hours": task.reported_hours if task.step_count == 0 else ""}
    steps = [{"step_name": s.name, "step_kind": s.kind, "minutes": _num(s.minutes_per_case), "cases": _num(s.cases_per_year),
              "hours": _num(s.reported_hours), "medium": s.medium, "seal": fmt[s.has_seal], "system": s.system,
              "worker": s.worker_type, "note": s.note} for s in task.steps.all()]
    return form_task, steps


def _num(value):
    if value is None:
        return ""
    return int(value) if float(value).is_integer() else value


# --- import ------------------------------------------------------------------------------------------------

@handles_errors
def import_page(request):
    recent = SurveyImport.objects.filter(created_by=request.user)[:10] if request.user.is_authenticated else []
    profiles = available_profiles(stored=selectors.stored_profiles(municipality_id=request.user.municipality_id))
    too_large = int(request.META.get("CONTENT_LENGTH") or 0) > settings.CIVICDX_MAX_UPLOAD_BYTES
    if request.method == "POST" and too_large:  # refuse before Django spools the upload to disk
        messages.error(request, f"ファイルが大きすぎます（上限 {settings.CIVICDX_MAX_UPLOAD_BYTES // 1048576:,} MB）。分けて取り込んでください。")
        form = ImportForm()
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                return _start_import(request, form)
            except ApplicationError as exc:
                messages.error(request, exc.message)
    else:
        form = ImportForm()
    return render(request, "survey/import.html", {"nav_section": "import", "form": form, "recent": recent,
                                                  "profiles": profiles, "max_mb": settings.CIVICDX_MAX_UPLOAD_BYTES // (1024 * 1024)})


def _start_import(request, form):
    from civicdx.survey.tasks import survey_import_task

    files = form.cleaned_data["files"]
    total = sum(f.size for f in files)
    if total > settings.CIVICDX_MAX_UPLOAD_BYTES:
        raise ApplicationError("upload_too_large", f"ファイルが大きすぎます（合計 {total / 1048576:,.1f} MB、上限 "
                                                   f"{settings.CIVICDX_MAX_UPLOAD_BYTES / 1048576:,.0f} MB）。")
    year = fiscal.parse_fiscal_year(form.cleaned_data["year"])
    profile = get_profile(form.cleaned_data["profile"] or "standard",
                          stored=selectors.stored_profiles(municipality_id=request.user.municipality_id))
    mode = form.cleaned_data["mode"]
    with tempfile.TemporaryDirectory() as tmp:
        sources = []
        for i, upload in enumerate(files):
            path = Path(tmp) / f"{i:04d}{Path(upload.name).suffix.lower()[:6]}"
            with path.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            sources.append(ImportSource(path=path, name=Path(upload.name).name))
        record = import_record_create(actor=request.user, sources=sources, fiscal_year=year, round=form.cleaned_data["round"],
                                      options={"municipality": form.cleaned_data["municipality"] or None,
                                               "partial": mode == "partial", "dry_run": mode == "dry_run",
                                               "create_org": form.cleaned_data["create_org"], "profile": profile.name})
    job = job_create(kind="survey_import", title=f"業務量調査の取込（{len(files)}ファイル）", actor=request.user,
                     municipality=request.user.municipality, params={"import_id": record.pk})
    record.job = job
    record.save(update_fields=["job"])
    survey_import_task.enqueue(import_id=record.pk, job_id=str(job.pk))
    result_url = reverse("survey:import_result", args=[record.pk])
    return redirect(f"{reverse('job', args=[job.pk])}?next={result_url}")


@handles_errors
def import_result(request, import_id: int):
    record = SurveyImport.objects.filter(pk=import_id).select_related("survey", "created_by").first()
    if record is None:
        raise Http404
    if record.created_by_id != request.user.pk and request.user.role not in ("admin", "dx"):
        raise PermissionDeniedError("この取込結果を見る権限がありません。")
    headers = ["ファイル", "シート", "行", "列", "値", "エラーコード", "内容"]
    rows = [[e.get("file"), e.get("sheet"), e.get("row"), e.get("column"), e.get("value"), e.get("code"), e.get("message")]
            for e in record.errors]
    exported = _export(request, f"取込エラー_{record.pk}", headers, rows)
    if exported:
        return exported
    return render(request, "survey/import_result.html", {"nav_section": "import", "record": record,
                                                         "files": record.files.all(), "errors": record.errors[:2000]})


# --- mapping profiles --------------------------------------------------------------------------------------

EXAMPLE_PROFILE = """name: my-vendor
label: 調査ツールの書出し形式
columns:
  task_name: [事務名]
  minutes: [処理時間(分)]
  cases: [処理件数]
values:
  core: {C: コア, N: ノンコア}
"""


@handles_errors
def profiles(request, profile_id: int | None = None):
    """List and edit the mapping profiles (DX office); the bundled ones are shown read-only."""
    from civicdx.core.permissions import check_dx
    from civicdx.survey.importing.profiles import parse_profile
    from civicdx.survey.models import MappingProfile

    check_dx(request.user)
    stored = MappingProfile.objects.filter(municipality_id=request.user.municipality_id)
    profile = stored.filter(pk=profile_id).first() if profile_id else None
    if profile_id and profile is None:
        raise Http404
    text = profile.yaml_text if profile else EXAMPLE_PROFILE
    error = None
    preview = None
    if request.method == "POST":
        text = request.POST.get("yaml_text", "")
        try:
            if request.POST.get("action") == "check":
                preview = parse_profile(text)
            else:
                saved = services.mapping_profile_save(actor=request.user, municipality=request.user.municipality,
                                                      yaml_text=text, profile=profile)
                messages.success(request, f"マッピング定義「{saved.name}」を保存しました。取込画面の「列の定義」で選べます。")
                return redirect("survey:profile", saved.pk)
        except ApplicationError as exc:
            error = exc.message
    elif profile is not None:
        preview = parse_profile(text)
    bundled = {k: v for k, v in available_profiles().items() if k != "standard"}
    mapping = sorted(preview.header_lookup().items(), key=lambda kv: kv[1]) if preview else []
    return render(request, "survey/profiles.html", {"nav_section": "import", "stored": stored, "profile": profile,
                                                    "text": text, "error": error, "preview": preview, "bundled": bundled,
                                                    "mapping": [(h, HEADER.get(k, k)) for h, k in mapping]})
