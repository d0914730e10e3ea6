"""デジラボ pages: KPI dashboard, the centre's queue, a department's requests, a request, the ledger, the service
catalogue with baselines, the plan's targets, notifications."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from civicdx.core import fiscal
from civicdx.core.errors import ApplicationError
from civicdx.core.exports import rows_to_xlsx_sheets
from civicdx.core.models import User
from civicdx.core.permissions import is_dx_office
from civicdx.digilab import ledger, selectors, services
from civicdx.digilab.models import Baseline, Initiative, LedgerEntry, Request, Service
from civicdx.survey import charts
from civicdx.survey import selectors as survey_selectors
from civicdx.survey.views import _quote, handles_errors


def _city(request):
    from civicdx.core.models import Municipality

    municipality = request.user.municipality or Municipality.objects.order_by("id").first()
    if municipality is None:
        raise ApplicationError("no_municipality", "団体がまだありません（業務量調査を取り込むか、デモを読み込んでください）。")
    services.services_ensure(municipality=municipality)
    return municipality


def _ctx(request, tab: str, **extra):
    return {"nav_section": "digilab", "tab": tab, "is_centre": is_dx_office(request.user), **extra}


def _date(value: str, label: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ApplicationError("date_invalid", f"{label}「{value}」は日付として読めません（例: 2026-04-01）。") from None


def _year(request, default: int) -> int:
    raw = request.GET.get("year", "")
    return fiscal.parse_fiscal_year(raw) if raw else default


@handles_errors
def dashboard(request):
    municipality = _city(request)
    year = _year(request, ledger.fiscal_year_of(timezone.localdate()))
    by_year = selectors.results_by_year(user=request.user, municipality=municipality)
    plan = selectors.plan(user=request.user, municipality=municipality, by_year=by_year)
    kpi = selectors.kpi(user=request.user, municipality=municipality, fiscal_year=year, plan_rows=plan)
    month = selectors.monthly(user=request.user, municipality=municipality, fiscal_year=year)
    results = _results_table(municipality, by_year)
    if request.GET.get("format") == "xlsx":
        return _council_workbook(kpi, plan, month, results, year)
    progress = []
    for p in plan:
        final_year = max(p["targets"]) if p["targets"] else None
        target = p["targets"].get(final_year) if final_year else None
        actual = p["actuals"].get(year, 0.0)
        progress.append({"name": p["name"], "target": target, "target_year": final_year, "actual": actual,
                         "pct": min(100.0, actual / target * 100) if target else None,
                         "year_target": p["targets"].get(year)})
    names = [s["service"] for s in kpi["services"]]
    chart_services = {
        "tooltip": {"trigger": "axis"}, "legend": {"top": 0},
        "grid": {"left": 190, "right": 30, "top": 40, "bottom": 30},
        "xAxis": {"type": "value", "name": "時間"}, "yAxis": {"type": "category", "data": names, "inverse": True},
        "series": [{"name": "総削減（導入前の時間）", "type": "bar", "data": [s["gross_hours"] for s in kpi["services"]]},
                   {"name": "純削減（確認・修正を差引）", "type": "bar", "data": [s["net_hours"] for s in kpi["services"]]},
                   {"name": "センターの作業", "type": "bar", "data": [s["centre_effort_hours"] for s in kpi["services"]]}]}
    chart_months = charts.stacked_bar(month["months"], {k: [round(v, 1) for v in vals]
                                                        for k, vals in month["series"].items()}, unit="時間")
    chart_months["series"].append({"name": "累計", "type": "line", "yAxisIndex": 1,
                                   "data": [round(v, 1) for v in month["cumulative"]]})
    chart_months["yAxis"] = [chart_months["yAxis"], {"type": "value", "name": "累計", "splitLine": {"show": False}}]
    chart_months["legend"]["data"] = list(month["series"]) + ["累計"]
    years = sorted({y for p in plan for y in list(p["targets"]) + list(p["actuals"])} | {year})
    return render(request, "digilab/dashboard.html", _ctx(
        request, "dashboard", municipality=municipality, year=year, year_label=fiscal.fiscal_year_label(year),
        years=[(y, fiscal.fiscal_year_label(y)) for y in years], kpi=kpi, progress=progress, results=results,
        departments=selectors.by_department(user=request.user, municipality=municipality, fiscal_year=year)[:20],
        chart_services=charts.to_attr(chart_services), chart_months=charts.to_attr(chart_months),
        plan_years=[(y, fiscal.fiscal_year_label(y)) for y in selectors.PLAN_YEARS],
        plan_rows=[{"name": p["name"], "cells": [(p["targets"].get(y), p["actuals"].get(y, 0.0))
                                                 for y in selectors.PLAN_YEARS]} for p in plan]))


def _results_table(municipality, by_service: dict[int, dict[int, float]]) -> dict:
    """主な実績: net hours per service and fiscal year of the plan, as the city publishes it."""
    years = list(selectors.PLAN_YEARS)
    rows = [{"service": s.name, "by_year": {y: by_service.get(s.pk, {}).get(y, 0.0) for y in years}}
            for s in selectors.services(municipality=municipality)]
    for r in rows:
        r["values"] = [r["by_year"][y] for y in years]
    totals = {y: sum(r["by_year"][y] for r in rows) for y in years}
    return {"years": [(y, fiscal.fiscal_year_label(y)) for y in years], "rows": rows, "totals": totals,
            "total_values": [totals[y] for y in years]}


def _council_workbook(kpi, plan, month, results, year) -> HttpResponse:
    label = fiscal.fiscal_year_label(year)
    sheets = [
        ("主な実績", ["サービス"] + [label for _y, label in results["years"]],
         [[r["service"]] + [round(r["by_year"][y], 1) for y, _l in results["years"]] for r in results["rows"]]
         + [["合計"] + [round(results["totals"][y], 1) for y, _l in results["years"]]]),
        (f"サービス別 {label}", ["サービス", "単位", "処理数", "総削減(時間)", "純削減(時間)", "センター作業(時間)",
                                "純−センター(時間)", "人役", "実測のみ"],
         [[s["service"], s["unit"], s["units"], s["gross_hours"], s["net_hours"], s["centre_effort_hours"],
           s["net_after_centre_hours"], s["person_years"], "はい" if s["measured"] else "見込みを含む"]
          for s in kpi["services"]]),
        (f"月別 {label}", ["サービス"] + month["months"],
         [[name] + [round(v, 1) for v in values] for name, values in month["series"].items()]),
        ("計画と実績", ["取組", "年度", "目標(時間)", "実績(時間)"],
         [[p["name"], fiscal.fiscal_year_label(y), p["targets"].get(y), round(p["actuals"].get(y, 0.0), 1)]
          for p in plan for y in selectors.PLAN_YEARS]),
    ]
    response = HttpResponse(rows_to_xlsx_sheets(sheets),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(f'デジラボ実績_{label}.xlsx')}"
    return response


def _request_list(request, *, queue: bool, default_status: str):
    municipality = _city(request)
    status = request.GET.get("status", default_status)
    reqs = list(selectors.requests_for(user=request.user, municipality=municipality, queue=queue, status=status)[:300])
    return render(request, "digilab/requests.html", _ctx(
        request, "queue" if queue else "mine", requests=reqs, status=status, statuses=Request.Status.choices,
        queue=queue, today=timezone.localdate()))


@handles_errors
def queue(request):
    """The centre's queue: every open request of the city."""
    return _request_list(request, queue=True, default_status="open")


@handles_errors
def my_requests(request):
    """The requests of the user's own units, all states."""
    return _request_list(request, queue=False, default_status="")


@handles_errors
def request_new(request):
    municipality = _city(request)
    survey = survey_selectors.survey_list(user=request.user).first()
    tasks = []
    if survey is not None and request.user.org_unit is not None:
        tasks = survey_selectors.unit_tasks(survey=survey, unit=request.user.org_unit)
    error, form = "", request.POST
    if request.method == "POST":
        try:
            service = Service.objects.get(pk=int(request.POST.get("service") or 0), municipality=municipality)
            task = next((t for t in tasks if str(t.pk) == request.POST.get("task")), None)
            req = services.request_create(
                actor=request.user, service=service, title=request.POST.get("title", ""),
                description=request.POST.get("description", ""), task=task, volume=request.POST.get("volume"),
                deadline=_date(request.POST.get("deadline", ""), "希望期限"), files=request.FILES.getlist("files"))
            messages.success(request, "依頼を出しました。センターが受け付けると通知が届きます。")
            return redirect("digilab:request", req.pk)
        except Service.DoesNotExist:
            error = "サービスを選んでください。"
        except ApplicationError as exc:
            if exc.status == 403:
                raise
            error = exc.message
    return render(request, "digilab/request_new.html", _ctx(
        request, "new", services=[s for s in selectors.services(municipality=municipality) if s.active],
        tasks=tasks, error=error, form=form))


@handles_errors
def request_detail(request, request_id: int):
    req = selectors.request_get(user=request.user, request_id=request_id)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "comment":
            services.request_comment(actor=request.user, req=req, body=request.POST.get("body", ""))
        elif action == "update":
            assignee = User.objects.filter(pk=request.POST.get("assignee") or 0,
                                           municipality_id=req.municipality_id).first()
            services.request_update(actor=request.user, req=req, status=request.POST.get("status") or None,
                                    assignee=assignee, sla_due=_date(request.POST.get("sla_due", ""), "対応期限"),
                                    comment=request.POST.get("body", ""))
        elif action == "ledger":
            with transaction.atomic():  # the entry and the closing stand or fall together
                _entry_from_post(request, req.service, request_obj=req)
                if request.POST.get("close") == "1" and req.status != Request.Status.DONE:
                    services.request_update(actor=request.user, req=req, status=Request.Status.DONE,
                                            comment="実績を台帳に記録して完了しました。")
            messages.success(request, "実績を台帳に記録しました。")
        return redirect("digilab:request", req.pk)
    can_work = services.can_work_request(request.user, req)
    return render(request, "digilab/request.html", _ctx(
        request, "queue" if can_work else "mine", req=req, comments=list(req.comments.select_related("author")),
        attachments=list(req.attachments.all()), entries=list(req.entries.select_related("service")),
        can_work=can_work, statuses=[(s, Request.Status(s).label) for s in services.TRANSITIONS.get(req.status, ())],
        staff=User.objects.filter(municipality_id=req.municipality_id, role__in=(User.Role.DX, User.Role.ADMIN)),
        overdue=req.is_open and req.sla_due is not None and req.sla_due < timezone.localdate(),
        baseline=services.baseline_for(req.service, services.department_of(req.org_unit), req.section_path,
                                       req.task_code),
        today=timezone.localdate()))


@handles_errors
def request_attachment(request, request_id: int, attachment_id: int):
    from django.http import FileResponse

    req = selectors.request_get(user=request.user, request_id=request_id)
    att = req.attachments.filter(pk=attachment_id).first()
    if att is None:
        raise ApplicationError("not_found", "添付ファイルがありません。", status=404)
    response = FileResponse(att.file.open("rb"), as_attachment=True, filename=att.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _entry_from_post(request, service: Service, request_obj: Request | None = None) -> LedgerEntry:
    task = survey_selectors.task_of_city(municipality_id=service.municipality_id, task_id=request.POST.get("task"))
    if task is None and request_obj is not None:
        task = survey_selectors.task_of_city(municipality_id=service.municipality_id,
                                             section_path=request_obj.section_path, code=request_obj.task_code)
    own_unit = None if is_dx_office(request.user) or task is not None else request.user.org_unit
    return services.ledger_entry_create(
        actor=request.user, service=service, request=request_obj, task=task, org_unit=own_unit,
        occurred_on=_date(request.POST.get("occurred_on", ""), "実施日") or timezone.localdate(),
        units=request.POST.get("units"), units_failed=request.POST.get("units_failed") or 0,
        baseline_minutes=request.POST.get("baseline_minutes") or None,
        residual_minutes=request.POST.get("residual_minutes") or 0,
        centre_minutes=request.POST.get("centre_minutes") or 0, measured=request.POST.get("projected") != "1",
        source=LedgerEntry.Source.MANUAL, note=request.POST.get("note", ""))


@handles_errors
def ledger_page(request):
    municipality = _city(request)
    year = _year(request, ledger.fiscal_year_of(timezone.localdate()))
    service_id = int(request.GET["service"]) if request.GET.get("service", "").isdigit() else None
    if request.method == "POST":
        if request.POST.get("action") == "delete":
            entry = LedgerEntry.objects.filter(pk=request.POST.get("entry") or 0, municipality=municipality).first()
            if entry is None:
                raise ApplicationError("ledger_missing", "その実績はありません。")
            services.ledger_entry_delete(actor=request.user, entry=entry, reason=request.POST.get("reason", ""))
            messages.success(request, "実績を取り消しました（監査ログに残ります）。")
        else:
            service = Service.objects.get(pk=int(request.POST.get("service") or 0), municipality=municipality)
            entry = _entry_from_post(request, service)
            messages.success(request, f"実績を記録しました: 純削減 {entry.net_hours:,.1f} 時間"
                                      f"（総 {entry.gross_hours:,.1f} − 確認・修正 {entry.residual_minutes / 60:,.1f}）。")
        return redirect(f"{request.path}?year={year}")
    entries = list(selectors.ledger_entries(user=request.user, municipality=municipality, fiscal_year=year,
                                            service_id=service_id))
    survey = survey_selectors.survey_list(user=request.user).first()
    tasks = survey_selectors.unit_tasks(survey=survey, unit=request.user.org_unit) \
        if survey is not None and request.user.org_unit is not None else []
    years = sorted(set(selectors.PLAN_YEARS) | {year, ledger.fiscal_year_of(timezone.localdate())})
    return render(request, "digilab/ledger.html", _ctx(
        request, "ledger", entries=entries, year=year, year_label=fiscal.fiscal_year_label(year),
        years=[(y, fiscal.fiscal_year_label(y)) for y in years],
        services=selectors.services(municipality=municipality), service_id=service_id, tasks=tasks,
        today=timezone.localdate()))


@handles_errors
def catalogue(request):
    municipality = _city(request)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "service":
            service = Service.objects.filter(pk=request.POST.get("service") or 0, municipality=municipality).first()
            services.service_save(actor=request.user, municipality=municipality, service=service, data={
                "name": request.POST.get("name"), "unit": request.POST.get("unit"), "kind": request.POST.get("kind"),
                "description": request.POST.get("description", ""),
                "default_baseline_minutes": request.POST.get("default_baseline_minutes"),
                "sla_days": request.POST.get("sla_days") or 10, "active": request.POST.get("active") == "1"})
            messages.success(request, "サービスを保存しました。")
        elif action == "baseline":
            service = Service.objects.get(pk=int(request.POST.get("service") or 0), municipality=municipality)
            task = survey_selectors.task_of_city(municipality_id=municipality.pk, task_id=request.POST.get("task"))
            if request.POST.get("from_survey") == "1":
                if task is None:
                    raise ApplicationError("baseline_task", "業務量調査から基準値を作るには業務を選んでください。")
                services.baseline_from_survey(actor=request.user, service=service, task=task)
            else:
                services.baseline_create(
                    actor=request.user, service=service, minutes_per_unit=request.POST.get("minutes_per_unit"),
                    task=task, sample_size=request.POST.get("sample_size"),
                    measured_by=request.POST.get("measured_by", ""),
                    measured_on=_date(request.POST.get("measured_on", ""), "計測日"), note=request.POST.get("note", ""))
            messages.success(request, "基準値を登録しました。")
        return redirect("digilab:services")
    items = selectors.services(municipality=municipality)
    baselines = list(Baseline.objects.filter(service__municipality=municipality).select_related("service", "org_unit")
                     .order_by("service__sort_order", "-measured_on", "-id")[:300])
    survey = survey_selectors.survey_list(user=request.user).first()
    return render(request, "digilab/services.html", _ctx(
        request, "services", items=items, baselines=baselines, kinds=Service.Kind.choices, survey=survey))


@handles_errors
def plan_edit(request):
    municipality = _city(request)
    initiatives = list(Initiative.objects.filter(municipality=municipality).prefetch_related("targets"))
    if request.method == "POST":
        for ini in initiatives:
            services.targets_save(actor=request.user, initiative=ini, targets={
                y: request.POST.get(f"t-{ini.pk}-{y}", "") for y in selectors.PLAN_YEARS})
        messages.success(request, "目標を保存しました。")
        return redirect("digilab:plan")
    plan = selectors.plan(user=request.user, municipality=municipality)
    return render(request, "digilab/plan.html", _ctx(
        request, "plan", plan=plan, years=[(y, fiscal.fiscal_year_label(y)) for y in selectors.PLAN_YEARS]))


@handles_errors
def notifications(request):
    from civicdx.digilab.models import Notification

    items = list(Notification.objects.filter(user=request.user)[:100])
    if request.method == "POST":
        services.notifications_read(user=request.user)
        return redirect("digilab:notifications")
    return render(request, "digilab/notifications.html", _ctx(request, "notifications", items=items))
