"""REST endpoints for 業務フロー (BPMN XML in and out) and 業務マニュアル (Markdown)."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Router, Schema

from civicdx.core.errors import ApplicationError
from civicdx.flows import bpmn, selectors, services
from civicdx.flows.models import Flow

router = Router(tags=["業務フロー・マニュアル"])


def _flow_json(flow: Flow) -> dict:
    return {"id": flow.pk, "kind": flow.kind, "title": flow.title, "version": flow.version_no,
            "hours": round(flow.hours, 2), "task_count": flow.task_count, "restricted": flow.restricted,
            "updated_at": flow.updated_at.isoformat()}


@router.get("/tasks/{task_id}/flows", summary="業務のフロー一覧（現行と改善案）")
def task_flows(request, task_id: int):
    task = selectors.task_get(user=request.user, task_id=task_id)
    return {"task": {"id": task.pk, "code": task.code, "name": task.name, "section": task.section.path},
            "flows": [_flow_json(f) for f in selectors.task_flows(user=request.user, task=task)]}


@router.get("/flows/{flow_id}/xml", summary="フローの BPMN 2.0 XML（version を省略すると最新版）")
def flow_xml(request, flow_id: int, version: int | None = None):
    flow = selectors.flow_get(user=request.user, flow_id=flow_id)
    found = flow.versions.filter(no=version or flow.version_no).first()
    if found is None:
        raise ApplicationError("no_version", "その版はありません。", status=404)
    return HttpResponse(found.xml, content_type="application/xml; charset=utf-8")


@router.put("/flows/{flow_id}/xml", summary="フローを新しい版として保存（本文に BPMN 2.0 XML）")
def flow_put(request, flow_id: int, comment: str = ""):
    flow = selectors.flow_get(user=request.user, flow_id=flow_id)
    try:
        version = services.flow_save(flow=flow, xml=request.body, actor=request.user, comment=comment)
    except bpmn.BpmnError as exc:
        raise ApplicationError("invalid_bpmn", "BPMN を保存できません。", details=exc.messages, status=422) from None
    return {**_flow_json(flow), "version": version.no}


class ManualIn(Schema):
    body: str
    comment: str = ""
    expected_version: int | None = None


@router.get("/tasks/{task_id}/manual", summary="業務マニュアル（Markdown、最新版）")
def manual_get(request, task_id: int):
    task = selectors.task_get(user=request.user, task_id=task_id)
    manual = selectors.manual_get(user=request.user, task=task)
    version = selectors.manual_version(manual)
    if version is None:
        raise ApplicationError("no_manual", "この業務のマニュアルはまだありません。", status=404)
    return {"task_id": task.pk, "version": version.no, "status": manual.status,
            "state": selectors.manual_state(manual), "approved_version": manual.approved_no,
            "last_reviewed_at": manual.last_reviewed_at.isoformat() if manual.last_reviewed_at else None,
            "owner": manual.owner.username if manual.owner else None, "body": version.body,
            "updated_at": version.created_at.isoformat()}


@router.put("/tasks/{task_id}/manual", summary="業務マニュアルを新しい版として保存")
def manual_put(request, task_id: int, payload: ManualIn):
    task = selectors.task_get(user=request.user, task_id=task_id)
    manual = services.manual_save(task=task, body=payload.body, actor=request.user, comment=payload.comment,
                                  expected_no=payload.expected_version)
    return {"task_id": task.pk, "version": manual.version_no, "status": manual.status}


@router.get("/surveys/{survey_id}/flows/search", summary="業務名・フロー・マニュアルの全文検索")
def search(request, survey_id: int, q: str, limit: int = 20, offset: int = 0):
    from civicdx.survey import selectors as survey_selectors

    survey = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    result = selectors.search_results(user=request.user, survey=survey, query=q[:200], limit=max(1, min(limit, 100)),
                                      offset=max(0, offset))
    return {"total": result["total"], "terms": result["terms"], "results": [
        {"task_id": r["task"].pk, "code": r["task"].code, "name": r["task"].name, "section": r["task"].section.path,
         "hours": round(r["task"].hours, 1), "match": {3: "name", 2: "flow", 1: "manual"}[r["tier"]],
         "manual_state": r["manual_state"],
         "snippets": [{"field": label, "text": "".join(t for t, _m in pieces),
                       "highlights": [t for t, m in pieces if m]} for label, pieces in r["snippets"]]}
        for r in result["rows"]]}
