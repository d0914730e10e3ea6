"""REST endpoints of デジラボ for the centre's own tools: requests, ledger entries, KPI (token or session auth)."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema

from civicdx.core.errors import ApplicationError
from civicdx.core.models import Municipality, OrgUnit, User
from civicdx.digilab import selectors, services
from civicdx.digilab.models import LedgerEntry, Request, Service

router = Router(tags=["デジラボ"])


def _city(user: User) -> Municipality:
    municipality = user.municipality or Municipality.objects.order_by("id").first()
    if municipality is None:
        raise ApplicationError("no_municipality", "団体がまだありません。", status=404)
    services.services_ensure(municipality=municipality)
    return municipality


def _service(municipality: Municipality, service_id: int) -> Service:
    service = Service.objects.filter(pk=service_id, municipality=municipality).first()
    if service is None:
        raise ApplicationError("no_service", f"サービス {service_id} はありません。", status=404)
    return service


def _request_json(r: Request) -> dict:
    return {"id": r.pk, "service": r.service.name, "service_id": r.service_id, "title": r.title,
            "description": r.description, "org_unit": r.org_unit.path, "requester": r.requester.username,
            "task_code": r.task_code, "task_name": r.task_name, "volume": r.volume,
            "deadline": r.deadline.isoformat() if r.deadline else None, "status": r.status,
            "status_label": r.get_status_display(), "assignee": r.assignee.username if r.assignee else None,
            "sla_due": r.sla_due.isoformat() if r.sla_due else None, "created_at": r.created_at.isoformat(),
            "closed_at": r.closed_at.isoformat() if r.closed_at else None}


def _entry_json(e: LedgerEntry) -> dict:
    return {"id": e.pk, "service": e.service.name, "service_id": e.service_id,
            "org_unit": e.org_unit.path if e.org_unit else None, "task_code": e.task_code,
            "request_id": e.request_id, "occurred_on": e.occurred_on.isoformat(), "fiscal_year": e.fiscal_year,
            "units": e.units, "units_failed": e.units_failed, "baseline_minutes": e.baseline_minutes,
            "residual_minutes": e.residual_minutes, "centre_minutes": e.centre_minutes,
            "gross_hours": round(e.gross_hours, 3), "net_hours": round(e.net_hours, 3),
            "centre_hours": round(e.centre_hours, 3), "measured": e.measured, "source": e.source, "note": e.note}


@router.get("/digilab/services", summary="サービスの一覧")
def list_services(request):
    return [{"id": s.pk, "name": s.name, "kind": s.kind, "unit": s.unit, "active": s.active,
             "default_baseline_minutes": s.default_baseline_minutes, "sla_days": s.sla_days}
            for s in selectors.services(municipality=_city(request.user))]


class RequestIn(Schema):
    service_id: int
    title: str
    description: str = ""
    org_unit_id: int | None = None
    volume: float | str | None = None  # 「１,２００」 and the like are parsed with Japanese errors
    deadline: dt.date | None = None


@router.get("/digilab/requests", summary="依頼（queue=true でセンターの窓口、既定は自分の部署の依頼）")
def list_requests(request, queue: bool = False, status: str | None = None, limit: int = 200):
    qs = selectors.requests_for(user=request.user, municipality=_city(request.user), queue=queue, status=status)
    return [_request_json(r) for r in qs[:max(1, min(limit, 1000))]]


@router.post("/digilab/requests", summary="依頼を出す")
def create_request(request, payload: RequestIn):
    municipality = _city(request.user)
    unit = OrgUnit.objects.filter(pk=payload.org_unit_id, municipality=municipality).first() \
        if payload.org_unit_id else None
    req = services.request_create(actor=request.user, service=_service(municipality, payload.service_id),
                                  title=payload.title, description=payload.description, org_unit=unit,
                                  volume=payload.volume, deadline=payload.deadline)
    return _request_json(req)


class RequestUpdate(Schema):
    status: str | None = None
    assignee: str | None = None
    sla_due: dt.date | None = None
    comment: str = ""


@router.get("/digilab/requests/{request_id}", summary="依頼の詳細")
def get_request(request, request_id: int):
    return _request_json(selectors.request_get(user=request.user, request_id=request_id))


@router.patch("/digilab/requests/{request_id}", summary="受付・担当・状態の変更（センター）")
def update_request(request, request_id: int, payload: RequestUpdate):
    req = selectors.request_get(user=request.user, request_id=request_id)
    assignee = User.objects.filter(username=payload.assignee, municipality_id=req.municipality_id).first() \
        if payload.assignee else None
    if payload.assignee and assignee is None:
        raise ApplicationError("no_user", f"職員「{payload.assignee}」がいません。")
    services.request_update(actor=request.user, req=req, status=payload.status, assignee=assignee,
                            sla_due=payload.sla_due, comment=payload.comment)
    req.refresh_from_db()
    return _request_json(req)


class EntryIn(Schema):
    service_id: int
    occurred_on: dt.date
    # Numbers may come as text (「１２」「1,200」): the service parses them and answers in Japanese.
    units: float | str
    units_failed: float | str = 0
    org_unit_id: int | None = None
    request_id: int | None = None
    baseline_minutes: float | str | None = None
    residual_minutes: float | str = 0
    centre_minutes: float | str = 0
    measured: bool = True
    note: str = ""


@router.get("/digilab/ledger", summary="実績台帳（年度・サービスで絞り込み）")
def list_entries(request, fiscal_year: int | None = None, service_id: int | None = None, limit: int = 200):
    return [_entry_json(e) for e in selectors.ledger_entries(
        user=request.user, municipality=_city(request.user), fiscal_year=fiscal_year, service_id=service_id,
        limit=max(1, min(limit, 5000)))]


@router.post("/digilab/ledger", summary="実績を1件記録する（サービスの実行ごと）")
def create_entry(request, payload: EntryIn):
    municipality = _city(request.user)
    unit = OrgUnit.objects.filter(pk=payload.org_unit_id, municipality=municipality).first() \
        if payload.org_unit_id else None
    req = selectors.request_get(user=request.user, request_id=payload.request_id) if payload.request_id else None
    entry = services.ledger_entry_create(
        actor=request.user, service=_service(municipality, payload.service_id), occurred_on=payload.occurred_on,
        units=payload.units, units_failed=payload.units_failed, org_unit=unit, request=req,
        baseline_minutes=payload.baseline_minutes, residual_minutes=payload.residual_minutes,
        centre_minutes=payload.centre_minutes, measured=payload.measured, source=LedgerEntry.Source.API,
        note=payload.note)
    return _entry_json(entry)


@router.get("/digilab/kpi", summary="年度の削減時間とKPI（CLI の digilab kpi --json と同じ形）")
def get_kpi(request, fiscal_year: int):
    return selectors.kpi(user=request.user, municipality=_city(request.user), fiscal_year=fiscal_year)
