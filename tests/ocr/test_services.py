"""Batches on a real database: definitions and versions, reading, verification, output, ledger, scope, retention.

The test settings run jobs immediately, so creating a batch reads it (with real engines) before returning."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook

from civicdx.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from civicdx.core.models import AuditEvent
from civicdx.digilab.models import LedgerEntry
from civicdx.ocr import selectors, services
from civicdx.ocr.models import Batch, FormDefinition, Page
from tests.ocr.conftest import DATA, form_files, upload


def define(lab, name="shinsei", **data):
    template, fields = form_files(name)
    return services.definition_create(actor=lab.dx, municipality=lab.municipality, data={"name": name, **data},
                                      template=upload(template), fields=fields)


def read(lab, *names, user=None, **data):
    return services.batch_create(actor=user or lab.editor_a, data={"title": "テスト", **data},
                                 uploads=[upload(DATA / n) for n in names])


@pytest.fixture
def forms(lab):
    return define(lab, "shinsei"), define(lab, "todoke", csv_encoding="cp932")


def test_only_the_centre_defines_forms_and_every_field_problem_is_named(lab):
    template, fields = form_files("shinsei")
    with pytest.raises(PermissionDeniedError, match="デジラボ"):
        services.definition_create(actor=lab.div_editor, municipality=lab.municipality, data={"name": "x"},
                                   template=upload(template), fields=fields)
    bad = {"fields": fields["fields"] + [{"name": fields["fields"][0]["name"], "bbox": [0, 0, 50, 50]}]}
    with pytest.raises(ApplicationError, match="重複"):
        services.definition_create(actor=lab.dx, municipality=lab.municipality, data={"name": "x"},
                                   template=upload(template), fields=bad)
    with pytest.raises(ApplicationError, match="読める画像ではありません"):
        services.definition_create(actor=lab.dx, municipality=lab.municipality, data={"name": "x"},
                                   template=SimpleUploadedFile("様式.png", b"garbage"), fields=fields)
    assert not FormDefinition.objects.exists()
    definition = define(lab)
    with pytest.raises(ApplicationError, match="すでにあります"):
        define(lab)
    assert definition.current.number == 1 and len(definition.current.fields) == len(fields["fields"])


def test_a_pdf_template_is_rendered_at_the_definitions_dpi(lab):
    _, fields = form_files("todoke")
    definition = services.definition_create(
        actor=lab.dx, municipality=lab.municipality, data={"name": "届出書PDF", "dpi": 150},
        template=upload(DATA / "mixed.pdf"), fields=fields)
    assert abs(definition.current.width - 1240) <= 2 and abs(definition.current.height - 1754) <= 2


def test_versions_change_in_place_until_a_batch_used_them(lab, forms):
    shinsei, _ = forms
    fields = shinsei.current.fields
    v1 = services.version_save(actor=lab.dx, definition=shinsei, fields=json.dumps(fields[:-1]), note="押印を外す")
    assert v1.number == 1 and len(v1.fields) == len(fields) - 1
    batch = read(lab, "shinsei_clean.jpg", engine="tesseract")
    v2 = services.version_save(actor=lab.dx, definition=shinsei, fields=fields, note="押印を戻す")
    assert v2.number == 2 and len(v2.fields) == len(fields)
    assert batch.pages.get().version.number == 1  # the batch keeps the layout it was read with
    with pytest.raises(ApplicationError, match="JSONを読めません"):
        services.version_save(actor=lab.dx, definition=shinsei, fields="[{")


def test_a_pile_is_sorted_read_checked_exported_and_counted(lab, forms):
    shinsei, todoke = forms
    batch = read(lab, "shinsei_clean.jpg", "shinsei_rotated.jpg", "mixed.pdf", engine="both")
    batch.refresh_from_db()
    assert batch.status == Batch.Status.REVIEW
    pages = list(batch.pages.order_by("seq"))
    assert [p.version.definition.name if p.version else None for p in pages] == ["shinsei", "shinsei", "todoke", None]
    aside = pages[3]
    assert aside.status == Page.Status.SET_ASIDE and aside.reason
    # the rotated scan is grey: its 押印 needs a person, so the page waits for review
    rotated = pages[1]
    assert rotated.status == Page.Status.REVIEW and "no_colour" in rotated.values["押印"]["reasons"]
    rows = selectors.review_rows(rotated)
    assert rows and all(r["flagged"] for r in rows)
    with pytest.raises(ApplicationError, match="確認待ち"):
        services.batch_finish(actor=lab.editor_a, batch=batch)
    # check every waiting page; on the rotated one, correct 住所 and set the stamp by hand
    for page in batch.pages.filter(status=Page.Status.REVIEW):
        values = {"押印": "0"} if page.pk == rotated.pk else {}
        if page.pk == rotated.pk:
            values["住所"] = "北九州市小倉北区城内１番１号"
        services.page_check(actor=lab.editor_b, page=page, values=values, seconds=42)
    rotated.refresh_from_db()
    assert rotated.values["住所"]["value"] == "北九州市小倉北区城内1番1号"
    assert rotated.values["住所"]["corrections"][0]["by"] == "editor_b"
    assert rotated.check_seconds == 42
    assert AuditEvent.objects.filter(action="ocr.page.check").exists()
    batch = services.batch_finish(actor=lab.editor_a, batch=batch)
    entry = batch.ledger_entry
    assert entry.source == LedgerEntry.Source.SERVICE and entry.units == 3
    assert float(entry.residual_minutes) == pytest.approx(services.check_seconds(batch) / 60, abs=0.01)
    assert entry.service.kind == "ocr" and entry.org_unit == lab.units["div"]
    # CSV for each form: UTF-8 with BOM for 申請書, CP932 for 届出書; the bot folder has the same files
    utf8 = services.export_csv(batch, shinsei)
    assert utf8.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(utf8.decode("utf-8-sig"))))
    assert len(table) == 2 and table[1]["住所"] == "北九州市小倉北区城内1番1号" and table[1]["ページ"] == "1"
    assert table[0]["ファイル"] == "shinsei_clean.jpg" and table[0]["申請日"] == "2025-08-14"
    sjis = services.export_csv(batch, todoke)
    rows = list(csv.DictReader(io.StringIO(sjis.decode("cp932"))))
    assert rows[0]["団体コード"] == "141003" and rows[0]["ファイル"] == "mixed.pdf"
    folder = services.outbox_dir(batch)
    assert sorted(p.name for p in folder.iterdir()) == [f"shinsei_batch{batch.pk}.csv", f"todoke_batch{batch.pk}.csv"]
    assert (folder / f"todoke_batch{batch.pk}.csv").read_bytes() == sjis
    book = load_workbook(io.BytesIO(services.export_xlsx(batch, shinsei)))
    sheet = book.active
    assert sheet.cell(1, 1).value == shinsei.current.fields[0]["name"]
    assert sheet.max_row == 3


def test_double_check_needs_a_second_person(lab, forms):
    batch = read(lab, "shinsei_rotated.jpg", engine="tesseract", double_check="1")
    page = batch.pages.get()
    assert page.status == Page.Status.REVIEW
    services.page_check(actor=lab.editor_a, page=page, values={"通数": "４"}, seconds=30)
    page.refresh_from_db()
    assert page.status == Page.Status.SECOND
    assert selectors.next_page(user=lab.editor_a, batch=batch) is None
    assert selectors.next_page(user=lab.editor_b, batch=batch) == page
    with pytest.raises(ApplicationError, match="別の人"):
        services.page_check(actor=lab.editor_a, page=page, values={}, seconds=5)
    services.page_check(actor=lab.editor_b, page=page, values={"通数": "5"}, seconds=20)
    page.refresh_from_db()
    assert page.status == Page.Status.DONE and page.values["通数"]["value"] == "5"
    assert [c["check"] for c in page.values["通数"]["corrections"]][-2:] == [1, 2]
    assert page.check_seconds + page.second_check_seconds == 50


def test_bad_corrections_are_refused_and_nothing_is_saved(lab, forms):
    batch = read(lab, "shinsei_rotated.jpg", engine="tesseract")
    page = batch.pages.get()
    before = page.values
    with pytest.raises(ApplicationError, match="存在しません") as err:
        services.page_check(actor=lab.editor_a, page=page, values={"申請日": "令和5年2月30日", "郵便番号": "12"})
    assert len(err.value.details) == 2
    page.refresh_from_db()
    assert page.values == before and page.status == Page.Status.REVIEW


def test_another_division_cannot_see_a_batch_and_a_viewer_cannot_check(lab, forms):
    batch = read(lab, "shinsei_rotated.jpg", engine="tesseract")
    for user in (lab.editor_a, lab.editor_b, lab.div_editor, lab.viewer, lab.dx):
        assert selectors.batch_get(user=user, batch_id=batch.pk) == batch
    for user in (lab.editor_c, lab.div_editor_c):
        with pytest.raises(NotFoundError):
            selectors.batch_get(user=user, batch_id=batch.pk)
        assert batch not in selectors.batches_for(user=user, municipality=lab.municipality)
        with pytest.raises(NotFoundError):
            services.page_check(actor=user, page=batch.pages.get(), values={})
    with pytest.raises(PermissionDeniedError):
        services.page_check(actor=lab.viewer, page=batch.pages.get(), values={})
    with pytest.raises(PermissionDeniedError):
        read(lab, "shinsei_clean.jpg", user=lab.viewer)


def test_cp932_output_names_the_character_it_cannot_hold(lab, forms):
    _, todoke = forms
    batch = read(lab, "mixed.pdf", engine="tesseract")
    page = batch.pages.filter(aligned=True).get()
    page.values["事業者名"]["value"] = "株式会社𠮷野家"
    page.save()
    with pytest.raises(ApplicationError, match="「𠮷」は Shift_JIS"):
        services.export_csv(batch, todoke)
    assert "𠮷" in services.export_csv(batch, todoke, "utf-8-sig").decode("utf-8-sig")


def test_formula_like_values_stay_text(lab, forms):
    shinsei, _ = forms
    batch = read(lab, "shinsei_clean.jpg", engine="tesseract")
    page = batch.pages.get()
    page.values["住所"]["value"] = "=HYPERLINK(\"http://x\")"
    page.save()
    text = services.export_csv(batch, shinsei).decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_bad_uploads_store_nothing(lab, forms):
    with pytest.raises(ApplicationError, match="対応していない形式"):
        services.batch_create(actor=lab.editor_a, data={}, uploads=[SimpleUploadedFile("a.docx", b"x")])
    with pytest.raises(ApplicationError, match="壊れ.*|読める画像ではありません") as err:
        services.batch_create(actor=lab.editor_a, data={}, uploads=[upload(DATA / "shinsei_clean.jpg"),
                                                                    SimpleUploadedFile("scan2.jpg", b"\xff\xd8broken")])
    assert "scan2.jpg" in err.value.message
    with override_settings(CIVICDX_OCR_MAX_UPLOAD_BYTES=1000):
        with pytest.raises(ApplicationError, match="大きすぎます"):
            read(lab, "shinsei_clean.jpg")
    assert not Batch.objects.exists()


def test_no_forms_means_a_clear_message(lab):
    with pytest.raises(ApplicationError, match="帳票定義がありません"):
        read(lab, "shinsei_clean.jpg")


def test_scans_are_deleted_after_the_retention_period_and_values_stay(lab, forms):
    batch = read(lab, "shinsei_clean.jpg", engine="tesseract")
    page = batch.pages.get()
    image_path, scan_path = page.image.path, batch.files.get().file.path
    services.ocr_settings_save(actor=lab.dx, municipality=lab.municipality, retention_days=7)
    assert services.scans_purge(now=timezone.now() + dt.timedelta(days=6)) == 0
    assert services.scans_purge(now=timezone.now() + dt.timedelta(days=8)) == 1
    page.refresh_from_db()
    batch.refresh_from_db()
    import os

    assert not os.path.exists(image_path) and not os.path.exists(scan_path)
    assert batch.scans_deleted_at and not page.image and page.values["申請日"]["value"]
    with pytest.raises(PermissionDeniedError):
        services.ocr_settings_save(actor=lab.div_editor, municipality=lab.municipality, retention_days=1)


def test_a_batch_deleted_in_the_queue_ends_its_job_without_an_error(lab):
    from civicdx.core.models import Job
    from civicdx.core.services import job_create
    from civicdx.ocr.tasks import read_batch_task

    job = job_create(kind="ocr.read", title="x", actor=lab.dx, municipality=lab.municipality, params={})
    assert read_batch_task.call(batch_id=987654, job_id=str(job.pk)) == {}
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "削除" in job.message
