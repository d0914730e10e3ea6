"""Background jobs of the flows part."""

from __future__ import annotations

from django_tasks import task

from civicdx.core.models import Job, User
from civicdx.core.services import JobProgress, job_finish, job_start
from civicdx.survey.models import Survey


@task()
def generate_task(survey_id: int, job_id: str, user_id: int | None = None) -> dict:
    from civicdx.flows.services import flows_generate

    job = Job.objects.get(pk=job_id)
    job_start(job=job)
    try:
        actor = User.objects.filter(pk=user_id).first() if user_id else None
        result = flows_generate(survey=Survey.objects.get(pk=survey_id), actor=actor, progress=JobProgress(job))
    except Exception as exc:
        job_finish(job=job, ok=False, message=f"フローの作成に失敗しました: {exc}", result={})
        raise
    job_finish(job=job, ok=True, message=f"{result['created']:,}件の業務にフローを作成しました。", result=result)
    return result


@task()
def reindex_task(survey_id: int) -> dict:
    from civicdx.flows.search import index_rebuild

    return {"docs": index_rebuild(Survey.objects.get(pk=survey_id))}


def reindex_after_import(sender, survey_id: int, **kwargs) -> None:
    """Receiver of survey_imported: imported Task rows are new, so the search index is rebuilt."""
    reindex_task.enqueue(survey_id=survey_id)
