"""AI-OCR in the browser: the centre registers a blank 申請書 and draws two field boxes on it; a 課 uploads two
scans (a real database job queue and worker read them), corrects the flagged field with the keyboard, downloads
the CSV and finishes the batch; the hours saved, net of the checking time, land in the デジラボ ledger."""

from __future__ import annotations

import csv
import io
import json
import re
import threading

import pytest
from django_tasks_db.management.commands.db_worker import Worker

from civicdx.digilab.models import LedgerEntry
from civicdx.ocr.models import Batch, FormDefinition, Page
from tests.ocr.conftest import DATA, form_files

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_centre_defines_a_form_and_a_division_turns_scans_into_csv(city, login, live_server, settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    template, fields = form_files("shinsei")
    boxes = {f["name"]: f["bbox"] for f in fields["fields"]}

    # 1. the centre registers the blank form and draws two boxes
    page = login("dx")
    page.goto(f"{live_server.url}/ocr/forms/")
    page.fill("input[name=name]", "交付申請書")
    page.set_input_files("input[name=template]", str(template))
    page.click("text=登録して枠を描く")
    page.wait_for_url(re.compile(r"/ocr/forms/\d+/$"))
    page.wait_for_function("document.querySelector('.ocr-stage__image') && document.querySelector('.ocr-stage__image').complete")

    def draw(bbox):
        x, y, w, h = bbox
        page.locator(".ocr-stage").scroll_into_view_if_needed()
        stage = page.locator(".ocr-stage").bounding_box()  # again each time: the page may have scrolled
        scale = stage["width"] / 1240
        page.mouse.move(stage["x"] + x * scale, stage["y"] + y * scale)
        page.mouse.down()
        page.mouse.move(stage["x"] + (x + w) * scale, stage["y"] + (y + h) * scale, steps=8)
        page.mouse.up()

    draw(boxes["申請日"])
    page.keyboard.press("Control+A")
    page.keyboard.type("申請日")
    page.select_option("#ocr-prop-type", "date")
    page.check("#ocr-prop-required")
    draw(boxes["住所"])
    page.keyboard.press("Control+A")
    page.keyboard.type("住所")
    page.fill("#ocr-prop-review_threshold", "100")  # the centre wants every 住所 looked at
    page.locator("#ocr-prop-review_threshold").dispatch_event("change")
    assert page.locator(".ocr-box").count() == 2
    page.screenshot(path=str(tmp_path / "ocr-editor.png"), full_page=True)
    page.get_by_test_id("save-definition").click()
    page.wait_for_load_state()
    definition = FormDefinition.objects.get(name="交付申請書")
    saved = definition.current.fields
    assert [f["name"] for f in saved] == ["申請日", "住所"] and saved[0]["type"] == "date"
    for f in saved:
        assert all(abs(a - b) <= 3 for a, b in zip(f["bbox"], boxes[f["name"]])), (f["bbox"], boxes[f["name"]])

    # 2. a 課 uploads two scans; the worker reads them while the page shows the progress
    page = login("ka")
    page.goto(f"{live_server.url}/ocr/")
    form = page.locator("#ocr-upload")
    form.locator("input[name=title]").fill("E2E 交付申請 11月分")
    form.locator("input[name=scans]").set_input_files([str(DATA / "shinsei_clean.jpg"), str(DATA / "shinsei_rotated.jpg")])
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/ocr/\d+/$"))
    batch = Batch.objects.get(title="E2E 交付申請 11月分")
    worker = threading.Thread(target=Worker(queue_names=["default"], interval=0.2, batch=True, backend_name="default",
                                            startup_delay=False, max_tasks=None, worker_id="e2e",
                                            excluded_queue_names=[]).run, daemon=True)
    worker.start()
    page.wait_for_selector("[data-testid=batch-summary]", timeout=120_000)
    worker.join(timeout=60)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.REVIEW and batch.pages.count() == 2
    assert int(page.get_by_test_id("waiting").inner_text()) == 2

    # 3. keyboard-first checking: the flagged 住所 is focused; fix it on the first page, Enter; Enter on the second
    page.get_by_test_id("start-check").click()
    page.wait_for_selector("[data-testid=ocr-check]")
    assert page.locator(".ocr-review__row").count() == 1  # only the field that needs a look
    field = page.locator(".ocr-review__row input").first
    assert field.evaluate("e => e === document.activeElement")
    page.screenshot(path=str(tmp_path / "ocr-check.png"), full_page=True)
    field.fill("北九州市小倉北区城内1番1号")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=ocr-check]")
    page.locator(".ocr-review__row input").first.press("Enter")
    page.wait_for_selector("[data-testid=batch-summary]")
    first = batch.pages.get(seq=1)
    assert first.status == Page.Status.DONE and first.values["住所"]["value"] == "北九州市小倉北区城内1番1号"
    assert first.values["住所"]["corrections"][0]["by"] == "ka" and first.check_seconds >= 1

    # 4. the CSV, then finish: ledger entry with the checking time as residual
    with page.expect_download() as download:
        page.get_by_test_id(f"csv-{definition.pk}").click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), "rb").read().decode("utf-8-sig"))))
    assert [r["ファイル"] for r in rows] == ["shinsei_clean.jpg", "shinsei_rotated.jpg"]
    assert rows[0]["住所"] == "北九州市小倉北区城内1番1号" and rows[0]["申請日"] == "2025-08-14"
    page.click("text=完了にする")
    page.wait_for_load_state()
    batch.refresh_from_db()
    entry = LedgerEntry.objects.get(pk=batch.ledger_entry_id)
    assert entry.units == 2 and entry.net_hours > 0 and float(entry.residual_minutes) > 0
    page.screenshot(path=str(tmp_path / "ocr-batch.png"), full_page=True)
