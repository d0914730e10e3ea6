"""AI-OCR pages: batches (list with the upload form, progress, summary, verification, output), form definitions
(list, the box editor) and the centre's settings."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from civicdx.core import selectors as core_selectors
from civicdx.core.errors import ApplicationError, NotFoundError
from civicdx.core.permissions import can_edit_division, is_dx_office
from civicdx.core.selectors import divisions_for, unit_get
from civicdx.digilab.views import _city  # the city of the user (and the デジラボ catalogue ensured)
from civicdx.ocr import imaging, selectors, services
from civicdx.ocr.fields import ENGINES, TYPES
from civicdx.ocr.models import Batch, FormDefinition, Page
from civicdx.survey import charts
from civicdx.survey.views import _quote, handles_errors, json_errors


def _ctx(request, tab: str, **extra):
    return {"nav_section": "ocr", "tab": tab, "is_centre": is_dx_office(request.user), **extra}


# ---------------------------------------------------------------------------------------------------------------
# Batches
# ---------------------------------------------------------------------------------------------------------------

@handles_errors
def batch_list(request):
    municipality = _city(request)
    status = request.GET.get("status", "")
    divisions = divisions_for(user=request.user, municipality=municipality)
    forms = services.usable_versions(municipality, divisions)
    return render(request, "ocr/list.html", _ctx(
        request, "list", batches=selectors.batches_for(user=request.user, municipality=municipality, status=status)[:300],
        statuses=Batch.Status.choices, status=status, divisions=divisions, own_division=request.user.org_unit_id,
        forms=forms, engines=ENGINES, max_upload=settings.CIVICDX_OCR_MAX_UPLOAD_BYTES))


@json_errors
@require_POST
def batch_new(request):
    """Upload (sent with XMLHttpRequest for the progress bar); answers the batch's URL."""
    municipality = _city(request)
    unit = unit_get(municipality_id=municipality.pk, unit_id=request.POST["division"]) if request.POST.get("division") else None
    data = {**request.POST.dict(), "forms": request.POST.getlist("forms")}
    batch = services.batch_create(actor=request.user, data=data, uploads=request.FILES.getlist("scans"), org_unit=unit)
    return JsonResponse({"id": batch.pk, "url": reverse("ocr:batch", args=[batch.pk])}, status=201)


@handles_errors
def batch_page(request, batch_id: int):
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    can_edit = can_edit_division(request.user, batch.division)
    ctx = _ctx(request, "list", batch=batch, can_edit=can_edit)
    if batch.status in (Batch.Status.QUEUED, Batch.Status.RUNNING):
        job = core_selectors.job_status(job_id=batch.job_id) if batch.job_id else None
        pages = sum(f.pages for f in batch.files.all())
        return render(request, "ocr/progress.html", {**ctx, "job": job, "page_total": pages})
    summary = selectors.batch_summary(batch)
    chart = {
        "grid": {"left": 170, "right": 30, "top": 10, "bottom": 30},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "inverse": True, "data": [r for r, _ in summary["reasons"]]},
        "series": [{"type": "bar", "data": [n for _, n in summary["reasons"]], "label": {"show": True, "position": "right"}}],
        "tooltip": {"trigger": "axis"},
    }
    return render(request, "ocr/batch.html", {
        **ctx, "summary": summary, "definitions": services.batch_definitions(batch),
        "next_page": selectors.next_page(user=request.user, batch=batch) if can_edit else None,
        "reasons_chart": charts.to_attr(chart) if summary["reasons"] else "", "saved_hours": batch.ledger_entry.net_hours if batch.ledger_entry else None})


@json_errors
def batch_status(request, batch_id: int):
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    return JsonResponse(core_selectors.work_status(batch, key="batch_status", result_url=reverse("ocr:batch", args=[batch.pk])))


@handles_errors
@require_POST
def batch_action(request, batch_id: int, action: str):
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    try:
        if action == "finish":
            batch = services.batch_finish(actor=request.user, batch=batch)
            saved = batch.ledger_entry.net_hours if batch.ledger_entry else 0
            messages.success(request, f"バッチを完了にしました。CSVをボット用フォルダに置き、実績台帳に削減時間 {saved:.1f} 時間を記録しました。")
        elif action == "cancel":
            services.batch_cancel(actor=request.user, batch=batch)
            messages.success(request, "読取を中止しました。")
        elif action == "delete":
            services.batch_delete(actor=request.user, batch=batch)
            messages.success(request, "バッチを削除しました。")
            return redirect("ocr:list")
        else:
            raise NotFoundError()
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    return redirect("ocr:batch", batch.pk)


@handles_errors
def batch_next(request, batch_id: int):
    """Go to the next page waiting for this user, or back to the batch when none is left."""
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    after = int(request.GET.get("after", "0") or 0) if str(request.GET.get("after", "0")).isdigit() else 0
    page = selectors.next_page(user=request.user, batch=batch, after_seq=after)
    if page is None:
        messages.success(request, "確認が必要なページはもうありません。")
        return redirect("ocr:batch", batch.pk)
    return redirect("ocr:page", batch.pk, page.pk)


@handles_errors
def page_check(request, batch_id: int, page_id: int):
    """The verification screen: the crop of every field that needs a look beside its value; Enter accepts."""
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    page = selectors.page_get(user=request.user, batch=batch, page_id=page_id)
    can_edit = can_edit_division(request.user, batch.division)
    error = None
    if request.method == "POST":
        values = {key[2:]: value for key, value in request.POST.items() if key.startswith("v:")}
        # unchecked checkboxes send nothing: every mark field shown on the screen is listed in "marks"
        for name in request.POST.getlist("marks"):
            values.setdefault(name, "0")
        try:
            services.page_check(actor=request.user, page=page, values=values, seconds=request.POST.get("seconds"))
            return redirect(f"{reverse('ocr:next', args=[batch.pk])}?after={page.seq}")
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            error = exc
    show_all = request.GET.get("all") == "1"
    rows = selectors.review_rows(page, show_all=show_all)
    waiting = batch.pages.filter(status__in=[Page.Status.REVIEW, Page.Status.SECOND]).count()
    reviewable = can_edit and batch.status == Batch.Status.REVIEW and page.status in (Page.Status.REVIEW, Page.Status.SECOND)
    if page.status == Page.Status.SECOND and page.checked_by_id == request.user.pk:
        reviewable = False
    return render(request, "ocr/page.html", _ctx(
        request, "list", batch=batch, page=page, rows=rows, show_all=show_all, waiting=waiting, error=error,
        reviewable=reviewable, second=page.status == Page.Status.SECOND,
        hidden_count=len(page.values) - len([r for r in rows if r["flagged"]])))


@handles_errors
def page_image(request, batch_id: int, page_id: int):
    """The page (aligned to its form) or one field of it: ?field=NAME crops that field with a margin."""
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    page = selectors.page_get(user=request.user, batch=batch, page_id=page_id)
    if not page.image:
        return HttpResponse("スキャン画像は保存期間を過ぎて削除されました。", status=404, content_type="text/plain; charset=utf-8")
    with page.image.open("rb") as f:
        data = f.read()
    name = request.GET.get("field")
    if name:
        spec = next((f for f in services.page_fields(page) if f.name == name), None)
        if spec is None:
            raise NotFoundError("項目が見つかりません。")
        data = imaging.encode_png(imaging.crop(imaging.decode(data), spec.bbox, pad=12))
        response = HttpResponse(data, content_type="image/png")
    else:
        response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@handles_errors
def batch_export(request, batch_id: int, definition_id: int, fmt: str):
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    definition = next((d for d in services.batch_definitions(batch) if d.pk == definition_id), None)
    if definition is None or fmt not in ("csv", "xlsx"):
        raise NotFoundError("書き出せる帳票がありません。")
    if fmt == "csv":
        encoding = request.GET.get("encoding") or definition.csv_encoding
        if encoding not in FormDefinition.Encoding.values:
            raise ApplicationError("ocr_encoding_invalid", "文字コードは utf-8-sig か cp932 を指定してください。")
        body = services.export_csv(batch, definition, encoding)
        content_type = f"text/csv; charset={'shift_jis' if encoding == 'cp932' else 'utf-8'}"
    else:
        body = services.export_xlsx(batch, definition)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    services.export_audited(actor=request.user, batch=batch, definition=definition, fmt=fmt)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(definition.name)}_batch{batch.pk}.{fmt}"
    return response


# ---------------------------------------------------------------------------------------------------------------
# Form definitions and settings
# ---------------------------------------------------------------------------------------------------------------

@handles_errors
def form_list(request):
    municipality = _city(request)
    if request.method == "POST":
        try:
            definition = services.definition_create(actor=request.user, municipality=municipality, data=request.POST,
                                                    template=request.FILES.get("template"))
            messages.success(request, "帳票を登録しました。読み取る項目の枠を描いてください。")
            return redirect("ocr:form", definition.pk)
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            messages.error(request, exc.message)
    return render(request, "ocr/forms.html", _ctx(
        request, "forms", definitions=selectors.definitions_for(user=request.user, municipality=municipality),
        divisions=divisions_for(user=request.user, municipality=municipality, editable=False),
        encodings=FormDefinition.Encoding.choices))


@handles_errors
def form_page(request, definition_id: int):
    municipality = _city(request)
    definition = selectors.definition_get(user=request.user, municipality=municipality, definition_id=definition_id)
    version = definition.current
    if request.method == "POST":
        try:
            if request.POST.get("action") == "settings":
                services.definition_update(actor=request.user, definition=definition,
                                           data={**request.POST.dict(), "active": request.POST.get("active") == "on"})
                messages.success(request, "帳票の設定を保存しました。")
            else:
                version = services.version_save(actor=request.user, definition=definition,
                                                fields=request.POST.get("fields_json", "[]"),
                                                note=request.POST.get("note", ""), template=request.FILES.get("template"))
                messages.success(request, f"読取項目を保存しました（第{version.number}版、{len(version.fields)}項目）。")
            return redirect("ocr:form", definition.pk)
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            messages.error(request, exc.message)
            for detail in (exc.details or [])[1:] if isinstance(exc.details, list) else []:
                messages.error(request, detail)
    return render(request, "ocr/form.html", _ctx(
        request, "forms", definition=definition, version=version, versions=definition.versions.all(),
        fields_json=json.dumps(version.fields if version else [], ensure_ascii=False), types=TYPES,
        divisions=divisions_for(user=request.user, municipality=municipality, editable=False),
        encodings=FormDefinition.Encoding.choices))


@handles_errors
def form_template(request, definition_id: int, number: int):
    municipality = _city(request)
    definition = selectors.definition_get(user=request.user, municipality=municipality, definition_id=definition_id)
    version = definition.versions.filter(number=number).first()
    if version is None:
        raise NotFoundError("版が見つかりません。")
    with version.template.open("rb") as f:
        response = HttpResponse(f.read(), content_type="image/png")
    response["Cache-Control"] = "private, max-age=86400"
    return response


@handles_errors
def settings_page(request):
    municipality = _city(request)
    if not is_dx_office(request.user):
        raise NotFoundError()
    conf = services.ocr_settings(municipality)
    if request.method == "POST":
        try:
            services.ocr_settings_save(actor=request.user, municipality=municipality,
                                       retention_days=request.POST.get("retention_days", ""))
            messages.success(request, "保存期間を保存しました。")
            return redirect("ocr:settings")
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return render(request, "ocr/settings.html", _ctx(request, "settings", conf=conf,
                                                      outbox=settings.CIVICDX_OCR_OUTBOX))
