"""Reads of the AI-OCR part, scoped to what the user may see."""

from __future__ import annotations

from django.db.models import Count, Q

from civicdx.core.errors import NotFoundError
from civicdx.core.models import Municipality, User
from civicdx.core.permissions import can_view_division, is_dx_office
from civicdx.core.selectors import division_scope_q
from civicdx.ocr.fields import REASONS, TYPES, parse_fields
from civicdx.ocr.models import Batch, FormDefinition, Page
from civicdx.ocr.permissions import check_view


def batches_for(*, user: User, municipality: Municipality, status: str = ""):
    qs = (Batch.objects.filter(municipality=municipality).select_related("division", "created_by")
          .annotate(page_count=Count("pages"),
                    waiting=Count("pages", filter=Q(pages__status__in=[Page.Status.REVIEW, Page.Status.SECOND]))))
    if not is_dx_office(user):
        qs = qs.filter(division_scope_q(user))
    if status:
        qs = qs.filter(status=status)
    return qs


def batch_get(*, user: User, batch_id: int) -> Batch:
    batch = (Batch.objects.select_related("division", "municipality", "created_by", "ledger_entry")
             .filter(pk=batch_id).first())
    if batch is None:
        raise NotFoundError("読取バッチが見つかりません。")
    check_view(user, batch)
    return batch


def page_get(*, user: User, batch: Batch, page_id) -> Page:
    page = (Page.objects.select_related("source", "version__definition", "checked_by", "second_checked_by")
            .filter(batch=batch, pk=page_id).first() if str(page_id).isdigit() else None)
    if page is None:
        raise NotFoundError("ページが見つかりません。")
    return page


def definitions_for(*, user: User, municipality: Municipality):
    """The centre sees every definition; a 課 sees the city-wide ones and its own."""
    qs = FormDefinition.objects.filter(municipality=municipality).select_related("division").annotate(
        version_count=Count("versions"))
    if is_dx_office(user):
        return qs
    return [d for d in qs if d.division is None or can_view_division(user, d.division)]


def definition_get(*, user: User, municipality: Municipality, definition_id) -> FormDefinition:
    definition = FormDefinition.objects.filter(municipality=municipality, pk=definition_id).select_related("division").first()
    if definition is None or (definition.division is not None and not is_dx_office(user)
                              and not can_view_division(user, definition.division)):
        raise NotFoundError("帳票定義が見つかりません。")
    return definition


def next_page(*, user: User, batch: Batch, after_seq: int = 0) -> Page | None:
    """The next page waiting for this user: a first check, or a second check of someone else's first."""
    waiting = batch.pages.filter(Q(status=Page.Status.REVIEW) | (Q(status=Page.Status.SECOND) & ~Q(checked_by=user)))
    return waiting.filter(seq__gt=after_seq).order_by("seq").first() or waiting.order_by("seq").first()


def batch_summary(batch: Batch) -> dict:
    """Counts for the batch page: pages by status, fields read and flagged, reasons, per-form counts."""
    pages = list(batch.pages.select_related("source", "version__definition", "checked_by").order_by("seq"))
    by_status = {value: 0 for value in Page.Status.values}
    reasons: dict[str, int] = {}
    fields = flagged = corrected = 0
    forms: dict[str, int] = {}
    for page in pages:
        by_status[page.status] += 1
        if page.version_id:
            forms[page.version.definition.name] = forms.get(page.version.definition.name, 0) + 1
        for value in page.values.values():
            fields += 1
            if value.get("reasons"):
                flagged += 1
            if value.get("corrections"):
                corrected += 1
            for reason in value.get("reasons", []):
                reasons[reason] = reasons.get(reason, 0) + 1
    check_seconds = sum(p.check_seconds + p.second_check_seconds for p in pages)
    checked = sum(1 for p in pages if p.checked_at)
    return {
        "pages": len(pages), "rows": pages, "by_status": by_status, "fields": fields, "flagged": flagged, "corrected": corrected,
        "flagged_pct": 100 * flagged / fields if fields else 0,
        "reasons": sorted(((REASONS.get(k, k), v) for k, v in reasons.items()), key=lambda kv: -kv[1]),
        "forms": sorted(forms.items()), "check_minutes": check_seconds / 60,
        "seconds_per_checked": check_seconds / checked if checked else 0,
        "aside": [p for p in pages if p.status == Page.Status.SET_ASIDE],
    }


def review_rows(page: Page, *, show_all: bool = False) -> list[dict]:
    """The fields of a page for the verification screen: those needing a look (all of them with ``show_all``)."""
    if not page.version_id:
        return []
    rows = []
    for spec in parse_fields(page.version.fields):
        value = page.values.get(spec.name) or {}
        reasons = value.get("reasons", [])
        if not (reasons or show_all or value.get("corrections")):
            continue
        rows.append({"spec": spec, "type_label": TYPES[spec.type], "value": value.get("value", ""),
                     "raw": value.get("raw", ""), "confidence": value.get("confidence"),
                     "reasons": [REASONS.get(r, r) for r in reasons], "engines": value.get("engines", {}),
                     "corrections": value.get("corrections", []), "flagged": bool(reasons),
                     "mark": spec.type in ("checkbox", "stamp")})
    return rows

