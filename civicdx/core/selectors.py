"""Reads of the core part."""

from __future__ import annotations

from django.core.cache import cache

from civicdx.core.errors import NotFoundError, PermissionDeniedError
from civicdx.core.models import AuditEvent, Job, User
from civicdx.core.permissions import is_admin, sees_everything
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


def audit_events(*, user: User, limit: int = 200):
    qs = AuditEvent.objects.select_related("actor")
    if not is_admin(user):
        if not sees_everything(user):
            raise PermissionDeniedError("監査ログを見る権限がありません。")
        qs = qs.filter(municipality_id=user.municipality_id)
    return qs[:limit]
