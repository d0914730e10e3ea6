"""業務フロー・マニュアル pages: overview and search, a 業務's flows and manual, the flow editor, comparison,
manual editing/approval, 引継書."""

from __future__ import annotations

import json
from urllib.parse import unquote

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from civicdx.core import fiscal
from civicdx.core.errors import ApplicationError, PermissionDeniedError
from civicdx.core.permissions import can_view_unit, is_dx_office
from civicdx.digilab.selectors import task_services
from civicdx.flows import bpmn, documents, manual as manual_text, render as flow_render, selectors, services
from civicdx.flows.models import Flow, Handover
from civicdx.survey import charts
from civicdx.survey import selectors as survey_selectors
from civicdx.survey.views import _quote, handles_errors


def _ctx(request, survey, **extra):
    return {"nav_section": "flows", "survey": survey,
            "survey_label": f"{fiscal.fiscal_year_label(survey.fiscal_year)} {survey.round}" if survey else "",
            "is_dx": is_dx_office(request.user), **extra}


def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@handles_errors
def home(request):
    survey = survey_selectors.survey_list(user=request.user).first()
    if survey is None:
        return redirect("survey:list")
    return redirect("flows:index", survey.pk)


@handles_errors
def index(request, survey_id: int):
    survey = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    rows = selectors.coverage(user=request.user, survey=survey)
    totals = {k: sum(r[k] for r in rows) for k in ("tasks", "flows", "manuals", "approved", "stale", "missing")}
    top = sorted(rows, key=lambda r: -r["tasks"])[:25]
    chart = charts.stacked_bar([r["division"] for r in top], {
        "承認済み": [r["approved"] for r in top], "作成中・承認待ち": [r["manuals"] - r["approved"] for r in top],
        "マニュアルなし": [r["missing"] for r in top]}, horizontal=True, unit="業務",
        colors=["#259d63", "#fbce2b", "#d9d9d9"])
    return render(request, "flows/index.html", _ctx(request, survey, rows=rows, totals=totals,
                                                    chart=charts.to_attr(chart)))


@handles_errors
@require_POST
def generate(request, survey_id: int):
    """DX office: a flow for every 業務 of the survey that has none, as a background job with a progress bar."""
    from civicdx.core.permissions import check_dx
    from civicdx.core.services import job_create
    from civicdx.flows.tasks import generate_task

    survey = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    check_dx(request.user)
    job = job_create(kind="flows_generate", title="業務フローの一括作成", actor=request.user,
                     municipality=survey.municipality, params={"survey_id": survey.pk})
    generate_task.enqueue(survey_id=survey.pk, job_id=str(job.pk), user_id=request.user.pk)
    return redirect(f"{reverse('job', args=[job.pk])}?next={reverse('flows:index', args=[survey.pk])}")


@handles_errors
def search(request, survey_id: int):
    survey = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    query = request.GET.get("q", "").strip()[:200]
    page = max(1, int(request.GET["page"])) if request.GET.get("page", "").isdigit() else 1
    result = selectors.search_results(user=request.user, survey=survey, query=query, limit=20,
                                      offset=(page - 1) * 20) if query else None
    template = "flows/_results.html" if request.headers.get("HX-Request") else "flows/search.html"
    return render(request, template, _ctx(request, survey, query=query, result=result, page=page,
                                          has_next=result is not None and result["total"] > page * 20))


@handles_errors
def task(request, task_id: int):
    task = selectors.task_get(user=request.user, task_id=task_id)
    overview = selectors.task_overview(user=request.user, task=task)
    # The survey's answers ride on the flow; a restricted 業務 keeps them to its own unit.
    steps = list(task.steps.order_by("no")) if selectors.task_readable(request.user, task) else []
    if not steps:
        overview["candidates"] = []
    applied = task_services(**Flow.key_of(task)) if steps else []
    chart = charts.bar([r["flow"].title for r in overview["flows"]], [round(r["flow"].hours, 1)
                                                                       for r in overview["flows"]], name="年間時間")
    return render(request, "flows/task.html", _ctx(request, task.survey, task=task, steps=steps, **overview,
                                                   chart=charts.to_attr(chart), applied=applied))


@handles_errors
@require_POST
def flow_new(request, task_id: int):
    task = selectors.task_get(user=request.user, task_id=task_id)
    kind = request.POST.get("kind", Flow.Kind.AS_IS)
    source = selectors.flow_get(user=request.user, flow_id=int(request.POST["from"])) \
        if request.POST.get("from", "").isdigit() else None
    upload = request.FILES.get("file")
    try:
        if upload is not None:
            as_is = next((f for f in selectors.task_flows(user=request.user, task=task) if f.kind == Flow.Kind.AS_IS),
                         None)
            if kind == Flow.Kind.AS_IS and as_is is not None:
                services.flow_save(flow=as_is, xml=upload.read(), actor=request.user,
                                   comment=f"{upload.name} から取込")
                messages.success(request, f"{upload.name} を現行フローの第{as_is.version_no}版として取り込みました。")
                return redirect("flows:flow", as_is.pk)
            flow = services.flow_create(task=task, actor=request.user, kind=kind, xml=upload.read(),
                                        title=request.POST.get("title", ""), comment=f"{upload.name} から取込")
        else:
            flow = services.flow_create(task=task, actor=request.user, kind=kind, from_flow=source,
                                        title=request.POST.get("title", ""))
    except bpmn.BpmnError as exc:
        for message in exc.messages[:20]:
            messages.error(request, message)
        return redirect("flows:task", task.pk)
    return redirect("flows:flow", flow.pk)


def _flow_and_task(request, flow_id: int):
    flow = selectors.flow_get(user=request.user, flow_id=flow_id)
    survey = None
    if request.GET.get("survey", "").isdigit():
        survey = survey_selectors.survey_get(user=request.user, survey_id=int(request.GET["survey"]))
    task = selectors.flow_task(flow, survey)
    if task is None:
        raise Http404("このフローの業務が調査にありません。")
    return flow, task


@handles_errors
def flow(request, flow_id: int):
    flow, task = _flow_and_task(request, flow_id)
    versions = list(flow.versions.select_related("created_by").defer("xml_z")[:50])
    no = int(request.GET["v"]) if request.GET.get("v", "").isdigit() else flow.version_no
    manual = selectors.readable_manual(request.user, task)
    version = selectors.manual_version(manual)
    manual_html = manual_text.render(version.body, lambda i: reverse("flows:attachment", args=[i])) if version else ""
    others = [f for f in selectors.task_flows(user=request.user, task=task) if f.pk != flow.pk]
    from civicdx.flows.permissions import can_edit

    return render(request, "flows/flow.html", _ctx(
        request, task.survey, flow=flow, task=task, versions=versions, no=no, others=others,
        editable=can_edit(request.user, flow) and no == flow.version_no, manual_html=manual_html,
        xml_url=reverse("flows:flow_xml", args=[flow.pk]) + f"?v={no}"))


@handles_errors
def flow_xml(request, flow_id: int):
    flow = selectors.flow_get(user=request.user, flow_id=flow_id)
    if request.method == "POST":
        try:
            version = services.flow_save(flow=flow, xml=request.body, actor=request.user,
                                         comment=unquote(request.headers.get("X-Comment", ""))[:300])
        except bpmn.BpmnError as exc:
            return JsonResponse({"ok": False, "errors": exc.messages}, status=422)
        except ApplicationError as exc:
            return JsonResponse({"ok": False, "errors": [exc.message]}, status=exc.status)
        return JsonResponse({"ok": True, "version": version.no, "hours": round(flow.hours, 1),
                             "task_count": flow.task_count})
    no = int(request.GET["v"]) if request.GET.get("v", "").isdigit() else flow.version_no
    version = flow.versions.filter(no=no).first()
    if version is None:
        raise Http404("その版はありません。")
    response = HttpResponse(version.xml, content_type="application/xml; charset=utf-8")
    if request.GET.get("download"):
        response["Content-Disposition"] = (f"attachment; filename*=UTF-8''"
                                           f"{_quote(f'{flow.task_code}_{flow.title}_v{no}.bpmn')}")
    return response


@handles_errors
def flow_png(request, flow_id: int):
    flow = selectors.flow_get(user=request.user, flow_id=flow_id)
    no = int(request.GET["v"]) if request.GET.get("v", "").isdigit() else flow.version_no
    model = bpmn.parse(flow.versions.get(no=no).xml)
    return HttpResponse(flow_render.flow_png(model), content_type="image/png")


@handles_errors
@require_POST
def flow_settings(request, flow_id: int):
    flow = selectors.flow_get(user=request.user, flow_id=flow_id)
    if request.POST.get("action") == "delete":
        task = selectors.flow_task(flow)
        services.flow_delete(flow=flow, actor=request.user)
        messages.success(request, "改善案を削除しました。")
        return redirect("flows:task", task.pk) if task else redirect("flows:home")
    services.flow_update_settings(flow=flow, actor=request.user, title=request.POST.get("title"),
                                  restricted=request.POST.get("restricted") == "1")
    messages.success(request, "フローの設定を保存しました。")
    return redirect("flows:flow", flow.pk)


def _version_ref(request, value: str, default_flow: Flow) -> tuple[Flow, int]:
    """'flowid:no' or 'no' (of the default flow)."""
    flow_part, _, no_part = value.rpartition(":")
    flow = selectors.flow_get(user=request.user, flow_id=int(flow_part)) if flow_part.isdigit() else default_flow
    no = int(no_part) if no_part.isdigit() else flow.version_no
    if not flow.versions.filter(no=no).exists():
        raise Http404("その版はありません。")
    return flow, no


@handles_errors
def flow_compare(request, flow_id: int):
    flow, task = _flow_and_task(request, flow_id)
    flow_a, no_a = _version_ref(request, request.GET.get("a", str(max(1, flow.version_no - 1))), flow)
    flow_b, no_b = _version_ref(request, request.GET.get("b", str(flow.version_no)), flow)
    diff = selectors.flow_compare(flow_a, no_a, flow_b, no_b)
    markers_b = {**{c.id: "added" for c in diff.added}, **{c.id: "changed" for c in diff.changed},
                 **{i: "moved" for i in diff.moved}}
    markers_a = {**{c.id: "removed" for c in diff.removed}, **{c.old_id: "changed" for c in diff.changed}}
    choices = [(f, v) for f in selectors.task_flows(user=request.user, task=task)
               for v in f.versions.defer("xml_z").order_by("-no")[:20]]
    return render(request, "flows/compare.html", _ctx(
        request, task.survey, flow=flow, task=task, diff=diff, flow_a=flow_a, no_a=no_a, flow_b=flow_b, no_b=no_b,
        choices=choices,
        url_a=reverse("flows:flow_xml", args=[flow_a.pk]) + f"?v={no_a}",
        url_b=reverse("flows:flow_xml", args=[flow_b.pk]) + f"?v={no_b}",
        markers_a=json.dumps(markers_a), markers_b=json.dumps(markers_b)))


# ---------------------------------------------------------------------------------------------------------------
# Manuals
# ---------------------------------------------------------------------------------------------------------------

def _attachment_url(i: int) -> str:
    return reverse("flows:attachment", args=[i])


@handles_errors
def manual(request, task_id: int):
    task = selectors.task_get(user=request.user, task_id=task_id)
    manual = selectors.manual_get(user=request.user, task=task)
    no = int(request.GET["v"]) if request.GET.get("v", "").isdigit() else None
    version = selectors.manual_version(manual, no)
    overview = selectors.task_overview(user=request.user, task=task)
    html = manual_text.render(version.body, _attachment_url) if version else ""
    return render(request, "flows/manual.html", _ctx(
        request, task.survey, task=task, manual=manual, version=version, html=html,
        sections=manual_text.sections(version.body) if version else [],
        history=selectors.manual_history(manual) if manual else [], state=selectors.manual_state(manual),
        attachments=list(manual.attachments.all()) if manual else [], as_is=overview["as_is"],
        can_edit=overview["can_edit"], can_approve=overview["can_approve"],
        owners=selectors.colleagues(municipality_id=task.survey.municipality_id, editors_only=True)
        if overview["can_edit"] and manual else []))


@handles_errors
def manual_edit(request, task_id: int):
    task = selectors.task_get(user=request.user, task_id=task_id)
    manual = selectors.manual_get(user=request.user, task=task)
    version = selectors.manual_version(manual)
    overview = selectors.task_overview(user=request.user, task=task)
    if not overview["can_edit"]:
        raise PermissionDeniedError("このマニュアルを編集する権限がありません。")
    body = version.body if version else ""
    error = ""
    if request.method == "POST":
        body = request.POST.get("body", "")
        expected = int(request.POST["expected"]) if request.POST.get("expected", "").isdigit() else None
        try:
            services.manual_save(task=task, body=body, actor=request.user, comment=request.POST.get("comment", ""),
                                 expected_no=expected)
            messages.success(request, "マニュアルを保存しました。")
            return redirect("flows:manual", task.pk)
        except ApplicationError as exc:
            error = exc.message
    as_is = overview["as_is"]
    flow_nodes = bpmn.parse(as_is.versions.get(no=as_is.version_no).xml).tasks() if as_is is not None else []
    if request.method != "POST" and not body:
        body = manual_text.draft_from_flow(task.name, task.legal_basis,
                                           [(n.id, n.name, n.attrs) for n in flow_nodes])
    flow_tasks = [(n.id, n.name) for n in flow_nodes]
    return render(request, "flows/manual_edit.html", _ctx(
        request, task.survey, task=task, manual=manual, body=body, error=error, flow_tasks=flow_tasks,
        expected=manual.version_no if manual else 0,
        attachments=list(manual.attachments.all()) if manual else []))


@handles_errors
@require_POST
def manual_action(request, task_id: int):
    task = selectors.task_get(user=request.user, task_id=task_id)
    manual = selectors.manual_get(user=request.user, task=task)
    action = request.POST.get("action")
    if action == "attach":
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError("attachment_missing", "ファイルを選んでください。")
        att = services.manual_attach(task=task, upload=upload, actor=request.user)
        messages.success(request, f"「{att.original_name}」を添付しました。本文には "
                                  f"{'![' + att.original_name + '](attachment:' + str(att.pk) + ')' if att.is_image else '[' + att.original_name + '](attachment:' + str(att.pk) + ')'}"
                                  " と書くと表示されます。")
        return redirect(request.POST.get("next") or reverse("flows:manual_edit", args=[task.pk]))
    if manual is None:
        raise ApplicationError("manual_missing", "マニュアルがまだありません。")
    if action == "submit":
        services.manual_submit(manual=manual, actor=request.user)
        messages.success(request, "承認を依頼しました。")
    elif action in ("approve", "send_back"):
        services.manual_approve(manual=manual, actor=request.user, send_back=action == "send_back")
        messages.success(request, "承認しました。" if action == "approve" else "差し戻しました。")
    elif action == "reviewed":
        services.manual_mark_reviewed(manual=manual, actor=request.user)
        messages.success(request, "内容を確認済みにしました（次の確認期限は1年後）。")
    elif action == "settings":
        owner = selectors.colleague_get(municipality_id=manual.municipality_id, user_id=request.POST.get("owner"))
        services.manual_update_settings(manual=manual, actor=request.user, owner=owner,
                                        restricted=request.POST.get("restricted") == "1")
        messages.success(request, "設定を保存しました。")
    return redirect("flows:manual", task.pk)


@handles_errors
def manual_diff(request, task_id: int):
    task = selectors.task_get(user=request.user, task_id=task_id)
    manual = selectors.manual_get(user=request.user, task=task)
    if manual is None or not manual.version_no:
        raise Http404("マニュアルがありません。")
    b = int(request.GET["b"]) if request.GET.get("b", "").isdigit() else manual.version_no
    a = int(request.GET["a"]) if request.GET.get("a", "").isdigit() else max(1, b - 1)
    va, vb = selectors.manual_version(manual, a), selectors.manual_version(manual, b)
    if va is None or vb is None:
        raise Http404("その版はありません。")
    lines = manual_text.line_diff(va.body, vb.body)
    return render(request, "flows/manual_diff.html", _ctx(
        request, task.survey, task=task, manual=manual, va=va, vb=vb, lines=lines,
        added=sum(op == "+" for op, _ in lines), removed=sum(op == "-" for op, _ in lines),
        history=selectors.manual_history(manual)))


@handles_errors
def attachment(request, attachment_id: int):
    att = selectors.attachment_get(user=request.user, attachment_id=attachment_id)
    response = FileResponse(att.file.open("rb"), content_type=att.content_type,
                            as_attachment=not att.is_image, filename=att.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _manual_document(task, manual, version, flow) -> dict:
    meta = [("業務名", task.name), ("業務ID", task.code), ("所属", task.section.path.replace("/", " ")),
            ("版", f"第{version.no}版（{version.created_at:%Y-%m-%d}）"),
            ("状態", selectors.manual_state(manual)),
            ("最終確認日", f"{manual.last_reviewed_at:%Y-%m-%d}" if manual.last_reviewed_at else "未確認"),
            ("管理者", manual.owner.label if manual.owner else "")]
    png = flow_render.flow_png(bpmn.parse(flow.versions.get(no=flow.version_no).xml)) if flow else None
    images = {a.pk: a for a in manual.attachments.all() if a.is_image}

    def attachment_image(i: int):
        att = images.get(i)
        if att is None:
            return None
        with att.file.open("rb") as fh:
            return fh.read()

    return {"title": f"{task.name} 業務マニュアル", "meta": meta, "body_blocks": manual_text.blocks(version.body),
            "flow_png": png, "attachment_image": attachment_image}


@handles_errors
def manual_export(request, task_id: int, fmt: str):
    task = selectors.task_get(user=request.user, task_id=task_id)
    manual = selectors.manual_get(user=request.user, task=task)
    version = selectors.manual_version(manual)
    if version is None:
        raise Http404("マニュアルがありません。")
    flow = next((f for f in selectors.task_flows(user=request.user, task=task) if f.kind == Flow.Kind.AS_IS), None)
    doc = _manual_document(task, manual, version, flow)
    if fmt == "docx":
        return _download(documents.manual_docx(**doc), f"{task.name}_マニュアル.docx", DOCX)
    if fmt == "pdf":
        return _download(documents.manual_pdf(**doc), f"{task.name}_マニュアル.pdf", "application/pdf")
    raise Http404("形式は docx か pdf です。")


@handles_errors
def stale(request, survey_id: int):
    survey = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    division = selectors.unit_get(municipality_id=survey.municipality_id, unit_id=request.GET.get("division", ""))
    rows = selectors.coverage(user=request.user, survey=survey)
    items = selectors.stale_tasks(user=request.user, survey=survey, division=division) if division else []
    return render(request, "flows/stale.html", _ctx(request, survey, rows=rows, division=division, items=items))


# ---------------------------------------------------------------------------------------------------------------
# 引継書
# ---------------------------------------------------------------------------------------------------------------

@handles_errors
def handover_list(request):
    return render(request, "flows/handover_list.html", {
        "nav_section": "flows", "handovers": selectors.handovers_for(user=request.user),
        "survey": survey_selectors.survey_list(user=request.user).first()})


@handles_errors
def handover_new(request, survey_id: int):
    survey = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    unit = request.user.org_unit
    if request.GET.get("unit"):
        unit = selectors.unit_get(municipality_id=survey.municipality_id, unit_id=request.GET["unit"])
        if unit is not None and not can_view_unit(request.user, unit):
            raise PermissionDeniedError("この所属の業務の引継書は作れません。")
    tasks = survey_selectors.unit_tasks(survey=survey, unit=unit) if unit is not None else []
    if request.method == "POST":
        chosen = [t for t in tasks if str(t.pk) in request.POST.getlist("task")]
        successor = selectors.colleague_get(municipality_id=survey.municipality_id,
                                            user_id=request.POST.get("successor"))
        handover = services.handover_create(actor=request.user, survey=survey, tasks=chosen, successor=successor,
                                            title=request.POST.get("title", ""))
        messages.success(request, "引継書を作成しました。内容を確認し、必要なことを書き足してください。")
        return redirect("flows:handover", handover.pk)
    return render(request, "flows/handover_new.html", _ctx(
        request, survey, unit=unit, tasks=tasks,
        colleagues=selectors.colleagues(municipality_id=survey.municipality_id, exclude_id=request.user.pk)))


@handles_errors
def handover(request, handover_id: int):
    handover = selectors.handover_get(user=request.user, handover_id=handover_id)
    if request.method == "POST":
        if request.POST.get("action") == "sign":
            services.handover_sign(handover=handover, actor=request.user)
            messages.success(request, "引継ぎを受けたことを確認しました。")
        else:
            successor = selectors.colleague_get(municipality_id=handover.survey.municipality_id,
                                                user_id=request.POST.get("successor"))
            services.handover_update(handover=handover, actor=request.user, body=request.POST.get("body", ""),
                                     successor=successor)
            messages.success(request, "引継書を保存しました。")
        return redirect("flows:handover", handover.pk)
    return render(request, "flows/handover.html", _ctx(
        request, handover.survey, handover=handover,
        colleagues=selectors.colleagues(municipality_id=handover.survey.municipality_id, exclude_id=handover.author_id),
        html=manual_text.render(handover.body, _attachment_url),
        can_edit=handover.status == Handover.Status.DRAFT and request.user.pk != handover.successor_id,
        can_sign=handover.status == Handover.Status.DRAFT and request.user.pk == handover.successor_id))


@handles_errors
def handover_export(request, handover_id: int, fmt: str):
    handover = selectors.handover_get(user=request.user, handover_id=handover_id)
    blocks = manual_text.blocks(handover.body)
    if fmt == "docx":
        return _download(documents.markdown_docx(title=handover.title, body_blocks=blocks),
                         f"{handover.title}.docx", DOCX)
    if fmt == "pdf":
        return _download(documents.markdown_pdf(title=handover.title, body_blocks=blocks),
                         f"{handover.title}.pdf", "application/pdf")
    raise Http404("形式は docx か pdf です。")

