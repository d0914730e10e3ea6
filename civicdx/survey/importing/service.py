"""survey_import: files → validated rows → one transaction that replaces the imported 係' data."""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from civicdx.core import fiscal
from civicdx.core.bulk import bulk_insert, reserve_ids
from civicdx.core.errors import ApplicationError
from civicdx.core.models import Municipality, OrgUnit, User
from civicdx.core.permissions import can_edit_unit, check_dx, check_municipality, is_dx_office, path_in_scope, scope_path
from civicdx.core.services import audit_record, municipality_get_or_create, org_path, org_units_ensure
from civicdx.survey.importing.parser import ParseResult, ParsedTask, merge_results, parse_files, read_and_parse
from civicdx.survey.importing.profiles import MappingProfile, STANDARD
from civicdx.survey.models import SectionResponse, Step, Survey, SurveyImport, SurveyImportFile, Task
from civicdx.survey.selectors import org_version_date
from civicdx.survey.totals import section_totals_refresh

Progress = Callable[[str, int, int], None]
BATCH = 5000


@dataclass
class ImportSource:
    path: Path
    name: str  # what the user calls the file (the upload's name)


@dataclass
class ImportOutcome:
    ok: bool
    status: str
    tasks: int = 0
    steps: int = 0
    hours: float = 0.0
    sections: int = 0
    errors: list[dict] = field(default_factory=list)
    skipped_tasks: int = 0
    survey_id: int | None = None
    import_id: int | None = None

    def as_json(self) -> dict:
        return {"ok": self.ok, "status": self.status,
                "imported": {"tasks": self.tasks, "steps": self.steps, "hours": round(self.hours, 2),
                             "sections": self.sections, "skipped_tasks": self.skipped_tasks},
                "errors": self.errors, "survey_id": self.survey_id, "import_id": self.import_id}


def _noop(message: str, done: int, total: int) -> None:
    return None


def survey_import(*, actor: User | None, sources: list[ImportSource], fiscal_year: int | str,
                  municipality_code: str | None = None, round: str = "全体調査", dry_run: bool = False,
                  partial: bool = False, create_org: bool = False, profile: MappingProfile = STANDARD,
                  progress: Progress = _noop, record: SurveyImport | None = None, is_demo: bool = False) -> ImportOutcome:
    """Import standard-format files for one survey round.

    All-or-nothing by default: any error and nothing is written. ``partial`` writes the 業務 without errors
    and reports the rest; ``dry_run`` only checks. Re-importing a 係 replaces that 係's 業務 and nothing else.
    """
    year = fiscal.parse_fiscal_year(fiscal_year)
    if not sources:
        raise ApplicationError("no_files", "取り込むファイルが指定されていません。")

    result = _read_and_parse_all(sources, profile, progress)

    municipality = _resolve_municipality(actor, municipality_code, dry_run=dry_run, is_demo=is_demo)
    tree_date = org_version_date(municipality, fiscal.fiscal_year_bounds(year)[0]) if municipality else None
    tree_exists = tree_date is not None
    valid_from = tree_date or dt.date(year, 4, 1)
    units = {u.path: u for u in OrgUnit.objects.filter(municipality=municipality, valid_from=valid_from)} if municipality else {}
    _check_org_and_scope(actor, result, units, tree_exists, create_org)

    bad = [t for t in result.tasks if t.has_error]
    good = [t for t in result.tasks if not t.has_error]
    errors = sorted(result.errors, key=lambda e: (e["file"], e["sheet"], e["row"] or 0))
    if result.truncated:
        errors.append({"file": "", "sheet": "", "row": None, "column": "", "value": "", "code": "too_many_errors",
                       "message": "エラーが多いため、最初の5,000件だけを表示しています。"})
    outcome = ImportOutcome(ok=not errors, status="", errors=errors, skipped_tasks=len(bad))
    if not good and not errors:
        outcome.ok = False
        outcome.errors = [{"file": sources[0].name, "sheet": "", "row": None, "column": "", "value": "",
                           "code": "empty", "message": "取り込む業務がありません（見出し行の下にデータがありません）。"}]
    if dry_run or (outcome.errors and not partial) or not good:
        outcome.status = SurveyImport.Status.CHECKED if dry_run else SurveyImport.Status.REJECTED
        outcome.tasks = len(good) if dry_run else 0
        outcome.steps = sum(len(t.steps) for t in good) if dry_run else 0
        outcome.hours = sum(t.hours for t in good) if dry_run else 0.0
        _record(record, outcome, municipality, None)
        return outcome

    with transaction.atomic():
        if municipality is None:
            municipality = _resolve_municipality(actor, municipality_code, dry_run=False, is_demo=is_demo)
        survey, _ = Survey.objects.get_or_create(municipality=municipality, fiscal_year=year, round=round,
                                                 defaults={"is_demo": is_demo, "status": Survey.Status.OPEN})
        if survey.status == Survey.Status.FINAL:
            raise ApplicationError("survey_final", f"{survey}は確定済みのため取り込めません。")
        sections = org_units_ensure(municipality=municipality, valid_from=valid_from,
                                    org_tuples=dict.fromkeys(t.org for t in good), actor=actor)
        outcome.sections = len(sections)
        write_tasks(survey, good, sections, progress)
        outcome.ok = not outcome.errors
        outcome.status = SurveyImport.Status.IMPORTED if outcome.ok else SurveyImport.Status.PARTIAL
        outcome.tasks = len(good)
        outcome.steps = sum(len(t.steps) for t in good)
        outcome.hours = sum(t.hours for t in good)
        outcome.survey_id = survey.pk
        _record(record, outcome, municipality, survey)
        audit_record(actor=actor, action="survey.import", obj=survey, municipality=municipality,
                     changes={"summary": f"{outcome.sections}係 {outcome.tasks}業務 {outcome.steps}手順 "
                                         f"{outcome.hours:,.1f}時間を取込", "files": [s.name for s in sources][:50],
                              "import_id": outcome.import_id})
    return outcome


PARALLEL_MIN_FILES = 16
FILES_PER_CHUNK = 24


def _read_and_parse_all(sources: list[ImportSource], profile: MappingProfile, progress: Progress) -> ParseResult:
    """Read and validate every file; many files are spread over the CPU cores (separate processes, no database)."""
    workers = min(os.cpu_count() or 1, 8)
    parts: list[ParseResult] = []
    if workers > 1 and len(sources) >= PARALLEL_MIN_FILES:
        chunks = [[(s.path, s.name) for s in sources[i:i + FILES_PER_CHUNK]] for i in range(0, len(sources), FILES_PER_CHUNK)]
        # forkserver: workers start clean, without this process's database connections.
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
            for i, chunk_parts in enumerate(pool.map(parse_files, chunks, [profile] * len(chunks))):
                parts.extend(chunk_parts)
                progress(f"読込・検証中: {min((i + 1) * FILES_PER_CHUNK, len(sources)):,} / {len(sources):,} ファイル",
                         min((i + 1) * FILES_PER_CHUNK, len(sources)), len(sources))
    else:
        for i, source in enumerate(sources):
            progress(f"読込中: {source.name}", i, len(sources))
            parts.append(read_and_parse(source.path, source.name, profile))
    progress("検証が終わりました", len(sources), len(sources))
    return merge_results(parts)


def _resolve_municipality(actor: User | None, code: str | None, *, dry_run: bool, is_demo: bool) -> Municipality | None:
    if code:
        existing = Municipality.objects.filter(lg_code=code).first()
        if existing is None:
            from civicdx.core.lgcode import lookup, normalize_lg_code

            normal = normalize_lg_code(code)
            existing = Municipality.objects.filter(lg_code=normal).first()
            if existing is None:
                if actor is not None:
                    check_dx(actor)
                if dry_run:
                    if lookup(normal) is None:
                        raise ApplicationError("municipality_unknown", f"団体コード {normal} は同梱の団体一覧にありません。")
                    return None
                return municipality_get_or_create(lg_code=normal, actor=actor, is_demo=is_demo)
        if actor is not None:
            check_municipality(actor, existing)
        return existing
    if actor is not None and actor.municipality_id:
        return actor.municipality
    found = list(Municipality.objects.all()[:2])
    if len(found) == 1:
        return found[0]
    raise ApplicationError("municipality_required", "団体コードを指定してください（例: --municipality 401005）。")


def _check_org_and_scope(actor: User | None, result: ParseResult, units: dict[str, OrgUnit], tree_exists: bool,
                         create_org: bool) -> None:
    """Unknown units are errors once a tree exists (unless create_org); editors may import their own units only."""
    scope = scope_path(actor) if actor is not None else None
    checked: dict[tuple, str | None] = {}
    for task in result.tasks:
        if task.org not in checked:
            path = org_path(task.org)
            problem = None
            unit = units.get(path)
            if tree_exists and unit is None and not create_org:
                problem = (f"組織「{' '.join(n for n in task.org if n)}」はこの年度の組織にありません。"
                           "名称を確認するか、組織を追加して取り込んでください（--create-org）。")
            elif actor is not None and not path_in_scope(path, scope):
                problem = f"組織「{' '.join(n for n in task.org if n)}」のデータを取り込む権限がありません。"
            elif actor is not None and unit is not None and not can_edit_unit(actor, unit):
                problem = f"組織「{' '.join(n for n in task.org if n)}」のデータを取り込む権限がありません。"
            elif actor is not None and unit is None and not is_dx_office(actor):
                problem = "組織を新しく作れるのはDX推進担当だけです。"
            checked[task.org] = problem
            if problem:
                result.add_error(file=task.file, sheet=task.sheet, row=task.row, column="係", value=task.org[3],
                                 code="org_unknown" if "ありません" in problem else "permission_denied",
                                 message=problem, task=task)
        elif checked[task.org]:
            task.has_error = True


def write_tasks(survey: Survey, tasks: list[ParsedTask], sections: dict[tuple, OrgUnit], progress: Progress) -> None:
    """Replace the imported 係' tasks and steps with bulk inserts (the hot path of a city-scale import)."""
    section_ids = sorted({sections[t.org].pk for t in tasks})
    total_steps = sum(len(t.steps) for t in tasks)
    progress("以前のデータを置き換えています", 0, len(tasks) + total_steps)
    for start in range(0, len(section_ids), 500):
        chunk = section_ids[start:start + 500]
        Step.objects.filter(survey=survey, task__section_id__in=chunk)._raw_delete(connection.alias)
        Task.objects.filter(survey=survey, section_id__in=chunk)._raw_delete(connection.alias)

    task_columns = ("id", "survey_id", "section_id", "code", "name", "category_major", "category_minor",
                    "legal_basis", "is_core", "is_routine", "needs_expertise", "reported_hours", "busy_months", "note",
                    "hours", "step_count", "sort_order")
    step_columns = ("task_id", "survey_id", "no", "name", "kind", "minutes_per_case", "cases_per_year",
                    "reported_hours", "medium", "has_seal", "system", "worker_type", "note", "hours")
    first_id = reserve_ids(Task, len(tasks))
    survey_id = survey.pk
    done = 0
    for start in range(0, len(tasks), BATCH):
        batch = tasks[start:start + BATCH]
        bulk_insert(Task, task_columns, (
            (first_id + start + i, survey_id, sections[t.org].pk, t.code, t.name, t.category_major, t.category_minor,
             t.legal_basis, t.is_core, t.is_routine, t.needs_expertise, t.reported_hours, t.busy_months, t.note,
             t.hours, len(t.steps), start + i) for i, t in enumerate(batch)))
        bulk_insert(Step, step_columns, (
            (first_id + start + i, survey_id, s.no, s.name, s.kind, s.minutes_per_case, s.cases_per_year,
             s.reported_hours, s.medium, s.has_seal, s.system, s.worker_type, s.note, s.hours)
            for i, t in enumerate(batch) for s in t.steps))
        done += len(batch) + sum(len(t.steps) for t in batch)
        progress(f"書込中: {start + len(batch):,} / {len(tasks):,} 業務", done, len(tasks) + total_steps)

    # A whole-city import touches every 係: one pass over the survey beats chunked IN lists.
    everything = not Task.objects.filter(survey=survey).exclude(section_id__in=section_ids).exists() if len(section_ids) > 500 else False
    section_totals_refresh(survey=survey, section_ids=None if everything else section_ids)
    existing = set(SectionResponse.objects.filter(survey=survey, section_id__in=section_ids).values_list("section_id", flat=True))
    now = timezone.now()
    SectionResponse.objects.bulk_create(
        [SectionResponse(survey=survey, section_id=sid, status=SectionResponse.Status.SUBMITTED, submitted_at=now)
         for sid in section_ids if sid not in existing], batch_size=BATCH)
    SectionResponse.objects.filter(survey=survey, section_id__in=existing, status__in=[
        SectionResponse.Status.NOT_STARTED, SectionResponse.Status.DRAFT]).update(
        status=SectionResponse.Status.SUBMITTED, submitted_at=now)


def _record(record: SurveyImport | None, outcome: ImportOutcome, municipality: Municipality | None,
            survey: Survey | None) -> None:
    if record is None:
        return
    record.municipality = municipality or record.municipality
    record.survey = survey
    record.status = outcome.status
    record.errors = outcome.errors
    record.stats = outcome.as_json()["imported"]
    record.save()
    outcome.import_id = record.pk


def import_record_create(*, actor: User | None, sources: list[ImportSource], fiscal_year: int, round: str,
                         options: dict) -> SurveyImport:
    """Keep the original files of an import (the record is written before the import runs).

    Files are copied into MEDIA_ROOT/imports/<id>/ and hashed in the same pass; the rows go in one insert.
    """
    from django.conf import settings

    record = SurveyImport.objects.create(fiscal_year=fiscal_year, round=round, options=options,
                                         created_by=actor if actor and actor.is_authenticated else None,
                                         municipality=actor.municipality if actor and actor.is_authenticated else None)
    folder = Path(settings.MEDIA_ROOT) / "imports" / str(record.pk)
    folder.mkdir(parents=True, exist_ok=True)

    def store(item: tuple[int, ImportSource]) -> SurveyImportFile:
        i, source = item
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in Path(source.name).name)[-150:]
        target = folder / f"{i:05d}_{safe}"
        digest = hashlib.sha256()
        with source.path.open("rb") as src, target.open("wb") as dst:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                digest.update(chunk)
                dst.write(chunk)
        return SurveyImportFile(survey_import=record, file=str(target.relative_to(settings.MEDIA_ROOT)),
                                original_name=source.name[:255], size=target.stat().st_size, sha256=digest.hexdigest())

    with ThreadPoolExecutor(max_workers=4) as pool:  # file I/O and hashing release the GIL
        rows = list(pool.map(store, enumerate(sources)))
    SurveyImportFile.objects.bulk_create(rows, batch_size=1000)
    return record
