"""Background jobs of the BPR part."""

from __future__ import annotations

from django_tasks import task

from civicdx.core.models import Job
from civicdx.core.services import JobProgress, job_finish, job_start
from civicdx.survey.models import Survey


@task()
def similarity_task(survey_id: int, job_id: str) -> dict:
    from civicdx.bpr.services import candidates_compute, similarity_groups_compute

    job = Job.objects.get(pk=job_id)
    job_start(job=job)
    try:
        survey = Survey.objects.get(pk=survey_id)
        count = similarity_groups_compute(survey=survey, progress=JobProgress(job))
        candidates_compute(survey=survey)
    except Exception as exc:
        job_finish(job=job, ok=False, message=f"類似業務のグループ化に失敗しました: {exc}", result={})
        raise
    job_finish(job=job, ok=True, message=f"{count:,}の類似業務グループを作り、候補を計算し直しました。", result={"groups": count})
    return {"groups": count}


@task()
def candidates_task(survey_id: int) -> dict:
    """Recompute the BPR candidates of a survey in the background (after an import)."""
    from civicdx.bpr.services import candidates_compute

    run = candidates_compute(survey=Survey.objects.get(pk=survey_id))
    return {"seconds": run.seconds}


def candidates_after_import(sender, survey_id: int, **kwargs) -> None:
    """Receiver of survey_imported: the analysis pages open without recomputing on the first visit."""
    candidates_task.enqueue(survey_id=survey_id)
