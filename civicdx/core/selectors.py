"""Reads of the core part."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Q

from civicdx.core.errors import NotFoundError, PermissionDeniedError
from civicdx.core.models import AuditEvent, Job, Municipality, OrgUnit, User
from civicdx.core.permissions import can_edit_division, can_view_division, is_admin, scope_path, sees_everything
from civicdx.core.services import job_progress_key


def job_status(*, job_id, user: User | None = None) -> dict:
    """A job's state for the progress bar; live progress comes from the cache while it runs."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFoundError("ジョブが見つかりません。")
    if user is not None and not (is_admin(user) or job.created_by_id == user.pk or
                                 (sees_everything(user) and job.municipality_id in (None, user.municipality_id))):
        raise PermissionDeniedError("このジョブを見る権限がありません。")
    progress, total, message = job.progress, job.total, job.message
    if job.status in (Job.Status.READY, Job.Status.RUNNING):
        live = cache.get(job_progress_key(job.pk))
        if live:
            progress, total, message = live["progress"], live["total"], live["message"]
    percent = 100 if job.status == Job.Status.SUCCESSFUL else int(100 * progress / total) if total else 0
    return {"id": str(job.pk), "status": job.status, "status_label": job.get_status_display(), "progress": progress,
            "total": total, "percent": percent, "message": message or job.get_status_display(), "result": job.result}


def work_status(work, *, key: str, result_url: str) -> dict:
    """The progress-bar answer for a job-backed piece of work (a meeting, an OCR batch): its job's state, or FAILED
    with the work's own error once it failed or was cancelled, and where to go when the job has ended. ``key``
    names the work's own status in the answer."""
    data = job_status(job_id=work.job_id) if work.job_id else {"status": "SUCCESSFUL", "progress": 0, "total": 0}
    data[key] = work.status
    if work.status in ("failed", "cancelled"):
        data["status"] = "FAILED"
        data["message"] = work.error or work.get_status_display()
    data["result_url"] = result_url if data["status"] in ("SUCCESSFUL", "FAILED") else ""
    return data


def audit_events(*, user: User, limit: int = 200):
    qs = AuditEvent.objects.select_related("actor")
    if not is_admin(user):
        if not sees_everything(user):
            raise PermissionDeniedError("監査ログを見る権限がありません。")
        qs = qs.filter(municipality_id=user.municipality_id)
    return qs[:limit]


def division_scope_q(user: User, field: str = "division") -> Q:
    """Rows filed by a 課 that a (non-centre) user sees: the user's own 課 (a 係 member sees its 課's rows) or the
    課 under the user's unit."""
    scope = scope_path(user) or ""
    parts = scope.split("/")
    ancestors = ["/".join(parts[:i]) for i in range(1, len(parts))]
    return (Q(**{f"{field}__path": scope}) | Q(**{f"{field}__path__startswith": scope + "/"})
            | Q(**{f"{field}__path__in": ancestors}))


def divisions_for(*, user: User, municipality: Municipality, editable: bool = True) -> list[OrgUnit]:
    """The 課 of the newest organisation tree that the user may file for (or see)."""
    latest = OrgUnit.objects.filter(municipality=municipality).order_by("-valid_from").values_list("valid_from", flat=True).first()
    units = OrgUnit.objects.filter(municipality=municipality, valid_from=latest, kind=OrgUnit.Kind.DIVISION).order_by("sort_order")
    check = can_edit_division if editable else can_view_division
    return [u for u in units if check(user, u)]


def unit_get(*, municipality_id: int, unit_id) -> OrgUnit:
    """A unit of the city chosen in a form (permission is checked by the service that uses it)."""
    unit = OrgUnit.objects.filter(municipality_id=municipality_id, pk=unit_id).first() if str(unit_id).isdigit() else None
    if unit is None:
        raise NotFoundError("選んだ課が見つかりません。")
    return unit
