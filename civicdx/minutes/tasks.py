"""Background jobs of the AI議事録 part. Several db_worker processes may run them side by side."""

from __future__ import annotations

from django_tasks import task

from civicdx.core.models import Job
from civicdx.core.services import JobProgress, job_finish, job_start


@task()
def transcribe_task(meeting_id: int, job_id: str) -> dict:
    from civicdx.minutes.models import Meeting
    from civicdx.minutes.services import audio_purge, meeting_transcribe

    job = Job.objects.get(pk=job_id)
    if job.status != Job.Status.READY:  # cancelled before a worker took it
        return {}
    if not Meeting.objects.filter(pk=meeting_id).exists():  # deleted while it waited in the queue
        job_finish(job=job, ok=False, message="会議は認識の前に削除されました。", result={})
        return {}
    job_start(job=job)
    try:
        meeting = meeting_transcribe(meeting_id=meeting_id, progress=JobProgress(job))
    except Exception as exc:
        job_finish(job=job, ok=False, message=getattr(exc, "message", None) or f"認識に失敗しました: {exc}", result={})
        raise
    if meeting.status == Meeting.Status.CANCELLED:
        job_finish(job=job, ok=False, message="中止しました。", result={})
        return {}
    result = {"segments": len(meeting.transcript["segments"]), "speakers": len(meeting.transcript["speakers"]),
              "rtf": meeting.rtf}
    job_finish(job=job, ok=True, message=f"認識が終わりました（{result['segments']}発言、話者{result['speakers']}人）。",
               result=result)
    audio_purge()
    return result
