"""Background jobs of the survey part (django-tasks; the database backend by default)."""

from __future__ import annotations

from pathlib import Path

from django_tasks import task

from civicdx.core.errors import ApplicationError
from civicdx.core.models import Job
from civicdx.core.services import JobProgress, job_finish, job_start
from civicdx.survey.importing.profiles import get_profile
from civicdx.survey.importing.service import ImportSource, survey_import
from civicdx.survey.models import SurveyImport
from civicdx.survey.selectors import stored_profiles
from civicdx.survey.signals import survey_imported


def run_import_job(*, import_id: int, job_id: str, echo=None) -> dict:
    """Run a recorded import with its stored files, reporting progress on its job."""
    record = SurveyImport.objects.select_related("created_by").get(pk=import_id)
    job = Job.objects.get(pk=job_id)
    job_start(job=job)
    sources = [ImportSource(path=Path(f.file.path), name=f.original_name) for f in record.files.all()]
    options = record.options
    try:
        outcome = survey_import(
            actor=record.created_by, sources=sources, fiscal_year=record.fiscal_year,
            municipality_code=options.get("municipality"), round=record.round, dry_run=options.get("dry_run", False),
            partial=options.get("partial", False), create_org=options.get("create_org", False),
            profile=get_profile(options.get("profile"), stored=stored_profiles(municipality_id=record.municipality_id)),
            progress=JobProgress(job, echo), record=record,
        )
    except ApplicationError as exc:
        SurveyImport.objects.filter(pk=record.pk).update(status=SurveyImport.Status.FAILED, errors=[{
            "file": "", "sheet": "", "row": None, "column": "", "value": "", "code": exc.code, "message": exc.message}])
        job_finish(job=job, ok=False, message=exc.message, result={"import_id": record.pk})
        return {"ok": False}
    except Exception as exc:  # an unexpected failure still ends the job visibly
        SurveyImport.objects.filter(pk=record.pk).update(status=SurveyImport.Status.FAILED)
        job_finish(job=job, ok=False, message=f"取込中に予期しないエラーが発生しました: {exc}", result={"import_id": record.pk})
        raise
    imported = outcome.as_json()["imported"]
    message = (f"{imported['tasks']:,}業務・{imported['steps']:,}手順・{imported['hours']:,.1f}時間を取り込みました。"
               if outcome.status in (SurveyImport.Status.IMPORTED, SurveyImport.Status.PARTIAL) else
               "チェックが終わりました。" if outcome.status == SurveyImport.Status.CHECKED else
               f"{len(outcome.errors):,}件の誤りがあるため、取り込みませんでした。")
    job_finish(job=job, ok=outcome.status != SurveyImport.Status.REJECTED, message=message,
               result={"import_id": record.pk, "status": outcome.status})
    if outcome.survey_id and outcome.status in (SurveyImport.Status.IMPORTED, SurveyImport.Status.PARTIAL):
        survey_imported.send(sender=SurveyImport, survey_id=outcome.survey_id)
    return {"ok": outcome.ok}


@task()
def survey_import_task(import_id: int, job_id: str) -> dict:
    return run_import_job(import_id=import_id, job_id=job_id)
