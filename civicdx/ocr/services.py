"""AI-OCR services: form definitions and their versions, batches of scans (upload, background reading, cancel),
verification (single or double check, with the time it took), CSV/Excel output and the bot folder, the ledger
entry when a batch is done, and the retention purge of scans."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import time
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from civicdx.core.errors import ApplicationError, PermissionDeniedError
from civicdx.core.exports import escape_cell, rows_to_xlsx
from civicdx.core.models import Job, Municipality, OrgUnit, User
from civicdx.core.permissions import can_edit_division, check_dx, is_dx_office
from civicdx.core.services import JobProgress, audit_record, job_create
from civicdx.ocr import imaging
from civicdx.ocr.fields import ENGINES, Field, parse_fields, validate_correction
from civicdx.ocr.models import Batch, BatchFile, FormDefinition, FormVersion, OcrSettings, Page
from civicdx.ocr.permissions import check_define, check_edit
from civicdx.ocr.reader import FormSpec, read_page

SCAN_EXTENSIONS = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp"}
MAX_CHECK_SECONDS = 600  # one page's checking time is capped: a page left open over lunch does not count
TRACE_COLUMNS = ["ファイル", "ページ", "帳票", "版", "確認状態", "確認者", "バッチ"]


def _audit(actor, action: str, obj, changes: dict | None = None) -> None:
    audit_record(actor=actor, action=action, obj=obj, changes=changes or {})


def _saved(user: User) -> User | None:
    """The command line acts as an unsaved administrator: it cannot be stored as a row's author."""
    return user if user.pk else None


def ocr_settings(municipality: Municipality) -> OcrSettings:
    return OcrSettings.objects.get_or_create(municipality=municipality)[0]


def ocr_settings_save(*, actor: User, municipality: Municipality, retention_days) -> OcrSettings:
    check_dx(actor)
    try:
        days = int(str(retention_days).strip())
    except ValueError:
        raise ApplicationError("retention_invalid", "保存日数は整数で入力してください。") from None
    if not 1 <= days <= 3650:
        raise ApplicationError("retention_invalid", "保存日数は1〜3650日で入力してください。")
    conf = ocr_settings(municipality)
    conf.retention_days = days
    conf.save()
    _audit(actor, "ocr.settings", conf, {"retention_days": days})
    return conf


# ---------------------------------------------------------------------------------------------------------------
# Form definitions
# ---------------------------------------------------------------------------------------------------------------

def _template_png(data: bytes, name: str, dpi: int) -> tuple[bytes, int, int]:
    """The blank form's first page as a grey PNG (PDFs rendered at the definition's dpi)."""
    first = next(imaging.load_pages(data, name, dpi=dpi), None)
    if first is None:
        raise ApplicationError("ocr_template_empty", f"「{name}」にページがありません。")
    gray = imaging.to_gray(first[1])
    if min(gray.shape) < 200:
        raise ApplicationError("ocr_template_small", f"「{name}」は小さすぎます（短辺200ピクセル以上の画像にしてください）。")
    return imaging.encode_png(gray), gray.shape[1], gray.shape[0]


def _read_upload(upload, limit: int) -> tuple[str, bytes]:
    name = Path(upload.name).name
    if Path(name).suffix.lower() not in SCAN_EXTENSIONS:
        raise ApplicationError("ocr_file_type", f"「{name}」は対応していない形式です（PDF・TIFF・PNG・JPEG）。")
    if upload.size > limit:
        raise ApplicationError("ocr_file_too_large", f"「{name}」は大きすぎます（{upload.size / 1024 ** 2:.0f} MB）。", status=413)
    return name, upload.read()


def _dpi(value) -> int:
    try:
        dpi = int(str(value or 150).strip())
    except ValueError:
        raise ApplicationError("ocr_dpi_invalid", "解像度は整数（dpi）で入力してください。") from None
    if not 72 <= dpi <= 400:
        raise ApplicationError("ocr_dpi_invalid", "解像度は72〜400dpiで入力してください。")
    return dpi


def _definition_attrs(data: dict, municipality: Municipality) -> dict:
    name = (data.get("name") or "").strip()
    if not name:
        raise ApplicationError("ocr_name_required", "帳票名を入力してください。")
    encoding = data.get("csv_encoding") or FormDefinition.Encoding.UTF8
    if encoding not in FormDefinition.Encoding.values:
        raise ApplicationError("ocr_encoding_invalid", "CSVの文字コードは UTF-8（BOM付き）か Shift_JIS（CP932）を選んでください。")
    division = data.get("division")
    if division not in (None, ""):
        division = OrgUnit.objects.filter(pk=getattr(division, "pk", division), municipality=municipality).first()
        if division is None:
            raise ApplicationError("ocr_division_invalid", "使用する課が見つかりません。")
    return {"name": name[:100], "description": (data.get("description") or "").strip()[:2000],
            "csv_encoding": encoding, "dpi": _dpi(data.get("dpi")), "division": division or None}


@transaction.atomic
def definition_create(*, actor: User, municipality: Municipality, data: dict, template, fields=None) -> FormDefinition:
    """A new 帳票定義 from a blank form (PDF/PNG/JPEG/TIFF). Fields may come now (CLI, API) or later (editor)."""
    check_define(actor)
    attrs = _definition_attrs(data, municipality)
    if FormDefinition.objects.filter(municipality=municipality, name=attrs["name"]).exists():
        raise ApplicationError("ocr_name_taken", f"帳票名「{attrs['name']}」はすでにあります。")
    if template is None:
        raise ApplicationError("ocr_template_required", "帳票の画像（白紙の様式）を選んでください。")
    name, data_bytes = _read_upload(template, settings.CIVICDX_MAX_UPLOAD_BYTES)
    png, width, height = _template_png(data_bytes, name, attrs["dpi"])
    parsed = [f.as_dict() for f in parse_fields(fields, width=width, height=height)] if fields else []
    definition = FormDefinition.objects.create(municipality=municipality, created_by=_saved(actor), **attrs)
    version = FormVersion(definition=definition, number=1, width=width, height=height, fields=parsed,
                          created_by=_saved(actor), note="作成")
    version.template.save("template_v1.png", ContentFile(png), save=False)
    version.save()
    _audit(actor, "ocr.form.create", definition, {"name": definition.name, "template": name, "fields": len(parsed)})
    return definition


@transaction.atomic
def definition_update(*, actor: User, definition: FormDefinition, data: dict) -> FormDefinition:
    check_define(actor)
    attrs = _definition_attrs(data, definition.municipality)
    if FormDefinition.objects.filter(municipality=definition.municipality, name=attrs["name"]).exclude(pk=definition.pk).exists():
        raise ApplicationError("ocr_name_taken", f"帳票名「{attrs['name']}」はすでにあります。")
    attrs["active"] = bool(data.get("active", definition.active))
    for key, value in attrs.items():
        setattr(definition, key, value)
    definition.save()
    _audit(actor, "ocr.form.update", definition, {k: str(v) for k, v in attrs.items()})
    return definition


@transaction.atomic
def version_save(*, actor: User, definition: FormDefinition, fields, note: str = "", template=None) -> FormVersion:
    """Save the editor's fields (and optionally a new blank form image).

    The current version is changed in place while no batch has used it; once a batch has, a new version is made,
    so every batch keeps the layout it was read with.
    """
    check_define(actor)
    if isinstance(fields, str):
        try:
            fields = json.loads(fields or "[]")
        except json.JSONDecodeError as exc:
            raise ApplicationError("ocr_fields_json", f"項目のJSONを読めません（{exc.lineno}行 {exc.colno}文字目）。") from None
    current = FormVersion.objects.select_for_update().filter(definition=definition).order_by("-number").first()
    png = None
    if template is not None:
        name, data_bytes = _read_upload(template, settings.CIVICDX_MAX_UPLOAD_BYTES)
        png, width, height = _template_png(data_bytes, name, definition.dpi)
    else:
        width, height = current.width, current.height
    parsed = [f.as_dict() for f in parse_fields(fields, width=width, height=height)]
    if current is not None and not current.batches.exists():
        version = current
        version.fields, version.width, version.height = parsed, width, height
        version.note = (note or version.note)[:200]
    else:
        version = FormVersion(definition=definition, number=(current.number + 1) if current else 1, width=width,
                              height=height, fields=parsed, created_by=_saved(actor), note=note[:200] or "項目の変更")
        if png is None:
            png = current.template.read()
            current.template.close()
    if png is not None:
        version.template.save(f"template_v{version.number}.png", ContentFile(png), save=False)
    version.save()
    _audit(actor, "ocr.form.version", definition, {"version": version.number, "fields": len(parsed), "note": note[:200]})
    return version


def form_spec(version: FormVersion) -> FormSpec:
    with version.template.open("rb") as f:
        image = imaging.decode(f.read())
    return FormSpec.build(version.pk, version.definition.name, image, parse_fields(version.fields))


def usable_versions(municipality: Municipality, divisions: list[OrgUnit]) -> list[FormVersion]:
    """The current version of every active definition these 課 may use: the city-wide ones and their own."""
    ids = {d.pk for d in divisions}
    result = []
    for definition in FormDefinition.objects.filter(municipality=municipality, active=True):
        if definition.division_id is not None and definition.division_id not in ids:
            continue
        version = definition.current
        if version is not None and version.fields:
            result.append(version)
    return result


# ---------------------------------------------------------------------------------------------------------------
# Batches: upload, reading job, cancel, delete
# ---------------------------------------------------------------------------------------------------------------

def batch_create(*, actor: User, data: dict, uploads: list, org_unit: OrgUnit | None = None) -> Batch:
    """Store a pile of scans and queue the reading. Every file is checked first: one bad file stops the whole
    upload with its name, and nothing is stored."""
    from civicdx.digilab.services import department_of

    unit = org_unit or actor.org_unit
    if unit is None:
        raise ApplicationError("unit_required", "依頼する所属（課）を選んでください。")
    division = department_of(unit)
    if not can_edit_division(actor, division):
        raise PermissionDeniedError("この所属の読取を依頼する権限がありません。")
    if not uploads:
        raise ApplicationError("ocr_files_required", "スキャンしたファイルを選んでください。")
    total = sum(u.size for u in uploads)
    if total > settings.CIVICDX_OCR_MAX_UPLOAD_BYTES:
        raise ApplicationError("ocr_upload_too_large", f"ファイルが大きすぎます（合計 {total / 1024 ** 2:.0f} MB、"
                               f"{settings.CIVICDX_OCR_MAX_UPLOAD_BYTES / 1024 ** 2:.0f} MB まで）。分けて登録してください。", status=413)
    versions = usable_versions(division.municipality, [division])
    wanted = [int(v) for v in data.get("forms") or [] if str(v).isdigit()]
    if wanted:
        versions = [v for v in versions if v.definition_id in wanted]
    if not versions:
        raise ApplicationError("ocr_no_forms", "読み取れる帳票定義がありません。デジラボに帳票の登録を依頼してください。")
    engine = data.get("engine") or ""
    if engine and engine not in ENGINES:
        raise ApplicationError("ocr_engine_invalid", f"読取エンジン「{engine}」は使えません。")
    files = []  # checked one at a time, so a big pile is never in memory at once
    for upload in uploads:
        name, content = _read_upload(upload, settings.CIVICDX_OCR_MAX_UPLOAD_BYTES)
        files.append((name, upload, imaging.count_pages(content, name)))
        del content
    title = (data.get("title") or "").strip() or f"{versions[0].definition.name}ほか {timezone.localdate():%Y-%m-%d}"
    with transaction.atomic():
        batch = Batch.objects.create(municipality_id=division.municipality_id, org_unit=unit, division=division,
                                     title=title[:200], engine=engine, created_by=actor,
                                     double_check=str(data.get("double_check", "")).lower() in ("1", "true", "on"))
        batch.versions.set(versions)
        for index, (name, upload, pages) in enumerate(files, start=1):
            upload.seek(0)
            item = BatchFile(batch=batch, name=name[:255], size=upload.size, pages=pages)
            item.file.save(f"scan{index:04d}{Path(name).suffix.lower()}", upload, save=False)
            item.save()
        batch.job = job_create(kind="ocr.read", title=f"AI-OCR: {batch.title}", actor=actor,
                               municipality=batch.municipality, params={"batch": batch.pk})
        batch.save()
        _audit(actor, "ocr.batch.create", batch, {"title": batch.title, "files": [f[0] for f in files],
                                                 "pages": sum(f[2] for f in files),
                                                 "forms": [v.definition.name for v in versions]})
    _enqueue(batch)
    return batch


def _enqueue(batch: Batch) -> None:
    from civicdx.ocr.tasks import read_batch_task

    read_batch_task.enqueue(batch_id=batch.pk, job_id=str(batch.job_id))


def batch_read(*, batch_id: int, progress: JobProgress | None = None) -> Batch:
    """The reading job: every page of every file is sorted, aligned and read; results are stored page by page."""
    batch = Batch.objects.get(pk=batch_id)
    if batch.cancel_requested or batch.status == Batch.Status.CANCELLED:
        return batch
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.RUNNING, error="")
    started = time.monotonic()
    try:
        versions = list(batch.versions.select_related("definition"))
        specs = [form_spec(v) for v in versions]
        dpi = max((v.definition.dpi for v in versions), default=150)
        total = sum(f.pages for f in batch.files.all()) or 1
        done = 0
        batch.pages.all().delete()
        for item in batch.files.all():
            with item.file.open("rb") as f:
                content = f.read()
            for number, image in imaging.load_pages(content, item.name, dpi=dpi):
                if Batch.objects.filter(pk=batch.pk, cancel_requested=True).exists():
                    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.CANCELLED)
                    _audit(None, "ocr.batch.cancelled", batch)
                    batch.refresh_from_db()
                    return batch
                result = read_page(image, specs, engine=batch.engine or None)
                done += 1
                _page_store(batch, item, number, done, result)
                if progress:
                    progress(f"{item.name} の {number} ページ目を読み取りました", done, total)
    except ApplicationError as exc:
        Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.FAILED, error=exc.message[:500])
        raise
    except Exception as exc:
        Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.FAILED, error=f"読取に失敗しました: {exc}"[:500])
        raise
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.REVIEW, read_seconds=time.monotonic() - started)
    batch.refresh_from_db()
    _audit(None, "ocr.batch.read", batch, {"pages": batch.pages.count(), "seconds": round(batch.read_seconds, 1)})
    return batch


def _page_store(batch: Batch, item: BatchFile, number: int, seq: int, result) -> Page:
    values = {name: r.as_dict() for name, r in result.fields.items()}
    flagged = sum(1 for r in result.fields.values() if r.needs_review)
    if not result.aligned:
        status = Page.Status.SET_ASIDE
    elif flagged:
        status = Page.Status.REVIEW
    else:
        status = Page.Status.DONE
    form = result.form if result.aligned else None
    page = Page(batch=batch, source=item, number=number, seq=seq, version_id=form.key if form else None,
                aligned=result.aligned, reason=result.reason[:200], inliers=result.inliers,
                error_px=round(result.error_px, 2), values=values, status=status, flagged=flagged)
    image = result.image if result.aligned else imaging.fit(result.image, 1800)
    page.image.save(f"page{seq:05d}.jpg", ContentFile(imaging.encode_jpeg(image)), save=False)
    page.save()
    return page


def batch_cancel(*, actor: User, batch: Batch) -> None:
    check_edit(actor, batch)
    if batch.status not in (Batch.Status.QUEUED, Batch.Status.RUNNING):
        raise ApplicationError("ocr_not_running", "読取中ではないため中止できません。")
    with transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(cancel_requested=True)
        if batch.status == Batch.Status.QUEUED:
            Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.CANCELLED)
            if batch.job_id:
                Job.objects.filter(pk=batch.job_id, status=Job.Status.READY).update(
                    status=Job.Status.FAILED, message="中止しました。", finished_at=timezone.now())
        _audit(actor, "ocr.batch.cancel", batch)


def scans_delete(batch: Batch) -> None:
    for item in batch.files.all():
        if item.file:
            item.file.delete(save=False)
    for page in batch.pages.exclude(image=""):
        page.image.delete(save=False)


@transaction.atomic
def batch_delete(*, actor: User, batch: Batch) -> None:
    check_edit(actor, batch)
    if batch.status == Batch.Status.FINISHED and not is_dx_office(actor):
        raise PermissionDeniedError("完了したバッチは削除できません（実績に計上済みです）。")
    if batch.status in (Batch.Status.QUEUED, Batch.Status.RUNNING):
        raise ApplicationError("ocr_busy", "読取中のバッチは削除できません。先に中止してください。")
    _audit(actor, "ocr.batch.delete", batch, {"title": batch.title})
    scans_delete(batch)
    batch.delete()


def scans_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the scans (originals and page images) of batches older than the city's retention period; the values
    stay."""
    now = now or timezone.now()
    count = 0
    for municipality in Municipality.objects.filter(pk__in=Batch.objects.values("municipality_id")):
        cutoff = now - dt.timedelta(days=ocr_settings(municipality).retention_days)
        for batch in Batch.objects.filter(municipality=municipality, created_at__lt=cutoff,
                                          scans_deleted_at__isnull=True).exclude(
                status__in=[Batch.Status.QUEUED, Batch.Status.RUNNING]):
            scans_delete(batch)
            BatchFile.objects.filter(batch=batch).update(file="")
            Page.objects.filter(batch=batch).update(image="")
            Batch.objects.filter(pk=batch.pk).update(scans_deleted_at=now)
            _audit(None, "ocr.scans.purge", batch, {"retention_days": ocr_settings(municipality).retention_days})
            count += 1
    return count


# ---------------------------------------------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------------------------------------------

def page_fields(page: Page) -> list[Field]:
    return parse_fields(page.version.fields) if page.version_id else []


@transaction.atomic
def page_check(*, actor: User, page: Page, values: dict, seconds=0) -> Page:
    """Accept a page after a person looked at it: corrections are kept with who made them and what was read.

    With double check on, the first acceptance sends the page to a second person, who must be someone else.
    """
    page = Page.objects.select_for_update(of=("self",)).select_related("batch", "version").get(pk=page.pk)
    check_edit(actor, page.batch)
    if page.batch.status != Batch.Status.REVIEW:
        raise ApplicationError("ocr_not_reviewable", f"このバッチは「{page.batch.get_status_display()}」のため確認できません。")
    if page.status not in (Page.Status.REVIEW, Page.Status.SECOND):
        raise ApplicationError("ocr_page_done", "このページは確認済みです。")
    second = page.status == Page.Status.SECOND
    if second and page.checked_by_id == actor.pk:
        raise ApplicationError("ocr_double_same_person", "ダブルチェックは1回目と別の人が行ってください。")
    try:
        spent = max(0.0, min(float(seconds or 0), MAX_CHECK_SECONDS))
    except (TypeError, ValueError):
        spent = 0.0
    problems, changes = [], {}
    new_values = dict(page.values)
    for spec in page_fields(page):
        if spec.name not in values:
            continue
        try:
            value = validate_correction(spec, values[spec.name])
        except ApplicationError as exc:
            problems.append(exc.message)
            continue
        entry = dict(new_values.get(spec.name) or {"value": "", "reasons": []})
        if value != entry.get("value"):
            history = list(entry.get("corrections") or [])
            history.append({"from": entry.get("value", ""), "to": value, "by": actor.username,
                            "at": timezone.now().isoformat(timespec="seconds"), "check": 2 if second else 1})
            entry["corrections"], entry["value"] = history, value
            changes[spec.name] = [history[-1]["from"], value]
        new_values[spec.name] = entry
    if problems:
        raise ApplicationError("ocr_values_invalid", " / ".join(problems), details=problems)
    page.values = new_values
    now = timezone.now()
    if second:
        page.second_checked_by, page.second_checked_at, page.second_check_seconds = actor, now, spent
        page.status = Page.Status.DONE
    else:
        page.checked_by, page.checked_at, page.check_seconds = actor, now, spent
        page.status = Page.Status.SECOND if page.batch.double_check else Page.Status.DONE
    page.save()
    _audit(actor, "ocr.page.check", page, {"batch": page.batch_id, "page": page.label, "check": 2 if second else 1,
                                           "seconds": round(spent, 1), "corrections": changes})
    return page


def check_seconds(batch: Batch) -> float:
    totals = batch.pages.aggregate(a=Sum("check_seconds"), b=Sum("second_check_seconds"))
    return (totals["a"] or 0) + (totals["b"] or 0)


# ---------------------------------------------------------------------------------------------------------------
# Finish: ledger entry and the bot folder
# ---------------------------------------------------------------------------------------------------------------

def _ocr_service(municipality: Municipality):
    from civicdx.digilab.models import Service
    from civicdx.digilab.services import services_ensure

    services_ensure(municipality=municipality)
    return Service.objects.filter(municipality=municipality, kind=Service.Kind.OCR, active=True).order_by("sort_order").first()


@transaction.atomic
def batch_finish(*, actor: User, batch: Batch) -> Batch:
    """All pages checked: lock the batch, write the ledger entry (units = forms read, residual = checking time)
    and leave the CSVs in the bot folder."""
    from civicdx.digilab.models import LedgerEntry
    from civicdx.digilab.services import ledger_entry_create

    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    check_edit(actor, batch)
    if batch.status != Batch.Status.REVIEW:
        raise ApplicationError("ocr_not_reviewable", f"このバッチは「{batch.get_status_display()}」のため完了にできません。")
    waiting = batch.pages.filter(status__in=[Page.Status.REVIEW, Page.Status.SECOND]).count()
    if waiting:
        raise ApplicationError("ocr_pages_waiting", f"確認待ちのページが{waiting}件あります。すべて確認してから完了にしてください。")
    forms = batch.pages.filter(aligned=True).count()
    minutes = round(check_seconds(batch) / 60, 2)
    service = _ocr_service(batch.municipality)
    entry = None
    if service is not None and forms:
        entry = ledger_entry_create(actor=None, service=service, occurred_on=timezone.localdate(), units=forms,
                                    org_unit=batch.division, residual_minutes=minutes,
                                    source=LedgerEntry.Source.SERVICE, note=f"AI-OCR「{batch.title}」")
    batch.status, batch.finished_at, batch.ledger_entry = Batch.Status.FINISHED, timezone.now(), entry
    batch.save()
    written = [str(p) for p in outbox_write(batch)]
    _audit(actor, "ocr.batch.finish", batch, {"forms": forms, "checking_minutes": minutes, "outbox": written,
                                              "net_hours": round(entry.net_hours, 2) if entry else None})
    return batch


def outbox_dir(batch: Batch) -> Path:
    """<outbox>/<団体コード>/<局_部_課>/: one folder per 課, named by its place in the organisation tree."""
    return Path(settings.CIVICDX_OCR_OUTBOX) / batch.municipality.lg_code / _safe(batch.division.path.replace("/", "_"))


def outbox_write(batch: Batch) -> list[Path]:
    """One CSV per form in the batch, written whole under a temporary name and then renamed, so a bot polling the
    folder never picks up half a file."""
    folder = outbox_dir(batch)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for definition in batch_definitions(batch):
        data = export_csv(batch, definition)
        target = folder / f"{_safe(definition.name)}_batch{batch.pk}.csv"
        temporary = target.with_suffix(".csv.part")
        temporary.write_bytes(data)
        os.replace(temporary, target)
        written.append(target)
    return written


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_（）()" else "_" for ch in name)[:80]


# ---------------------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------------------

def batch_definitions(batch: Batch) -> list[FormDefinition]:
    ids = batch.pages.filter(aligned=True).values_list("version__definition_id", flat=True).distinct()
    return list(FormDefinition.objects.filter(pk__in=set(ids)).order_by("name"))


def export_rows(batch: Batch, definition: FormDefinition) -> tuple[list[str], list[list[str]]]:
    """One row per form of this definition: the definition's columns in order, then where the form came from.

    Forms read with an older version use that version's fields; a column the older version lacks is left empty."""
    columns = [f.column for f in parse_fields(definition.current.fields)]
    pages = (batch.pages.filter(aligned=True, version__definition=definition)
             .select_related("source", "version", "checked_by").order_by("seq"))
    rows = []
    specs_by_version: dict[int, dict] = {}
    for page in pages:
        if page.version_id not in specs_by_version:
            specs_by_version[page.version_id] = {f.column: f for f in page_fields(page)}
        by_column = specs_by_version[page.version_id]
        row = []
        for column in columns:
            spec = by_column.get(column)
            row.append(str((page.values.get(spec.name) or {}).get("value", "")) if spec else "")
        row += [page.source.name, str(page.number), definition.name, str(page.version.number),
                page.get_status_display(), page.checked_by.username if page.checked_by else "", str(batch.pk)]
        rows.append(row)
    return columns + TRACE_COLUMNS, rows


def export_csv(batch: Batch, definition: FormDefinition, encoding: str | None = None) -> bytes:
    """The CSV in the definition's encoding (formulas neutralised). A character CP932 cannot hold is an error naming
    row and column, never a silent '?'."""
    header, rows = export_rows(batch, definition)
    encoding = encoding or definition.csv_encoding
    table = [[escape_cell(v) for v in row] for row in [header] + rows]
    if encoding == FormDefinition.Encoding.CP932:
        for r, row in enumerate(table, start=1):
            for c, value in enumerate(row):
                try:
                    value.encode("cp932")
                except UnicodeEncodeError as exc:
                    raise ApplicationError(
                        "ocr_cp932", f"{r}行目「{header[c]}」の「{value[exc.start:exc.end]}」は Shift_JIS（CP932）で"
                        "表せません。値を直すか、帳票定義の文字コードを UTF-8 にしてください。") from None
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(table)
    return out.getvalue().encode(encoding)


def export_xlsx(batch: Batch, definition: FormDefinition) -> bytes:
    """The same table as a workbook; values stay text, so 郵便番号 and 電話番号 keep their leading zeros."""
    header, rows = export_rows(batch, definition)
    return rows_to_xlsx(header, rows, sheet_title=_safe(definition.name)[:31] or "帳票")


def export_audited(*, actor: User, batch: Batch, definition: FormDefinition, fmt: str) -> None:
    _audit(actor, "ocr.export", batch, {"form": definition.name, "format": fmt})

