"""REST endpoints of AI-OCR: send scans, follow the reading, fetch the values and the CSV (token or session)."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from civicdx.core import selectors as core_selectors
from civicdx.core.errors import NotFoundError
from civicdx.ocr import selectors, services
from civicdx.ocr.models import Batch

router = Router(tags=["AI-OCR"])


def _batch_json(b: Batch, *, pages: bool = False) -> dict:
    data = {"id": b.pk, "title": b.title, "division": b.division.path, "status": b.status,
            "status_label": b.get_status_display(), "engine": b.engine or None, "double_check": b.double_check,
            "created_at": b.created_at.isoformat(), "finished_at": b.finished_at.isoformat() if b.finished_at else None,
            "scans_deleted": b.scans_deleted_at is not None, "ledger_entry_id": b.ledger_entry_id,
            "forms": [{"id": d.pk, "name": d.name} for d in services.batch_definitions(b)] if pages else None}
    if pages:
        data["pages"] = [{"id": p.pk, "file": p.source.name, "page": p.number,
                          "form": p.version.definition.name if p.version_id else None,
                          "version": p.version.number if p.version_id else None, "aligned": p.aligned,
                          "reason": p.reason, "status": p.status, "fields": p.values}
                         for p in b.pages.select_related("source", "version__definition").order_by("seq")]
    return data


class BatchIn(Schema):
    title: str = ""
    division_id: int | None = None
    engine: str = ""
    double_check: bool = False
    forms: list[int] = []


@router.get("/ocr/batches", summary="読取バッチの一覧（自分の課の分。デジラボは全庁）")
def list_batches(request, status: str = ""):
    from civicdx.digilab.api import _city

    return [_batch_json(b) for b in selectors.batches_for(user=request.user, municipality=_city(request.user),
                                                           status=status)[:500]]


@router.post("/ocr/batches", summary="スキャン（PDF・TIFF・画像、複数可）を送って読取を依頼する（multipart/form-data）",
             response={201: dict})
def create_batch(request, payload: Form[BatchIn], scans: File[list[UploadedFile]]):
    unit = core_selectors.unit_get(municipality_id=request.user.municipality_id, unit_id=payload.division_id) if payload.division_id else None
    batch = services.batch_create(actor=request.user, data=payload.dict(), uploads=scans, org_unit=unit)
    return 201, _batch_json(batch)


@router.get("/ocr/batches/{batch_id}", summary="バッチの進み具合、ページごとの帳票・値・信頼度・確認理由")
def get_batch(request, batch_id: int):
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    data = _batch_json(batch, pages=batch.status in (Batch.Status.REVIEW, Batch.Status.FINISHED))
    if batch.job_id and batch.status in (Batch.Status.QUEUED, Batch.Status.RUNNING):
        job = core_selectors.job_status(job_id=batch.job_id)
        data["progress"] = {"done": job["progress"], "total": job["total"], "message": job["message"]}
    return data


@router.get("/ocr/batches/{batch_id}/csv", summary="帳票ごとのCSV（encoding: utf-8-sig または cp932、既定は帳票定義の設定）")
def batch_csv(request, batch_id: int, form: int, encoding: str = ""):
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    definition = next((d for d in services.batch_definitions(batch) if d.pk == form), None)
    if definition is None:
        raise NotFoundError("このバッチにその帳票はありません。")
    body = services.export_csv(batch, definition, encoding or None)
    services.export_audited(actor=request.user, batch=batch, definition=definition, fmt="csv")
    charset = "shift_jis" if (encoding or definition.csv_encoding) == "cp932" else "utf-8"
    return HttpResponse(body, content_type=f"text/csv; charset={charset}")
