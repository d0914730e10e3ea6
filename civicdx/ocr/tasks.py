"""Background jobs of AI-OCR. Several db_worker processes may read batches side by side."""

from __future__ import annotations

from django_tasks import task

from civicdx.core.models import Job
from civicdx.core.services import JobProgress, job_finish, job_start


@task()
def read_batch_task(batch_id: int, job_id: str) -> dict:
    from civicdx.ocr.models import Batch, Page
    from civicdx.ocr.services import batch_read, scans_purge

    job = Job.objects.get(pk=job_id)
    if job.status != Job.Status.READY:  # cancelled before a worker took it
        return {}
    if not Batch.objects.filter(pk=batch_id).exists():  # deleted while it waited in the queue
        job_finish(job=job, ok=False, message="バッチは読取の前に削除されました。", result={})
        return {}
    job_start(job=job)
    try:
        batch = batch_read(batch_id=batch_id, progress=JobProgress(job))
    except Exception as exc:
        job_finish(job=job, ok=False, message=getattr(exc, "message", None) or f"読取に失敗しました: {exc}", result={})
        raise
    if batch.status == Batch.Status.CANCELLED:
        job_finish(job=job, ok=False, message="中止しました。", result={})
        return {}
    pages = batch.pages.all()
    result = {"pages": pages.count(), "review": pages.filter(status=Page.Status.REVIEW).count(),
              "aside": pages.filter(status=Page.Status.SET_ASIDE).count()}
    job_finish(job=job, ok=True, message=f"読取が終わりました（{result['pages']}ページ、確認が必要 {result['review']}、"
               f"対象外 {result['aside']}）。", result=result)
    scans_purge()
    return result
