"""AI議事録 in the browser: a 課 uploads a two-person recording, watches the upload and the recognition progress
(a real database job queue and worker), fixes a line, renames a speaker, downloads the Word minutes and finishes
them; the hours saved land in the デジラボ ledger."""

from __future__ import annotations

import io
import re
import threading

import pytest
from django_tasks_db.management.commands.db_worker import Worker
from docx import Document

from civicdx.digilab.models import LedgerEntry
from civicdx.minutes.models import Meeting
from tests.minutes.conftest import clip

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_division_turns_a_recording_into_minutes(city, login, live_server, settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    page = login("ka")
    page.goto(f"{live_server.url}/minutes/")
    form = page.locator("#minutes-upload")
    form.locator("input[name=title]").fill("E2E 窓口改善会議")
    form.locator("input[name=place]").fill("第3会議室")
    form.locator("textarea[name=attendees]").fill("市民課長\n窓口係長")
    form.locator("input[name=num_speakers]").fill("2")
    form.locator("input[name=audio]").set_input_files(str(clip("two_voices")))
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/minutes/\d+/$"))
    meeting = Meeting.objects.get(title="E2E 窓口改善会議")
    assert meeting.status == Meeting.Status.QUEUED
    progress = page.get_by_test_id("recognition-progress")
    assert progress.is_visible()

    # the database queue's worker, as `civicdx db_worker` runs it (in a thread: no signal handlers here)
    worker = threading.Thread(target=Worker(queue_names=["default"], interval=0.2, batch=True, backend_name="default",
                                            startup_delay=False, max_tasks=None, worker_id="e2e",
                                            excluded_queue_names=[]).run, daemon=True)
    worker.start()
    page.wait_for_selector("[data-testid=transcript]", timeout=120_000)  # the bar reached 100 % and the page moved on
    worker.join(timeout=60)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.REVIEW and len(meeting.transcript["speakers"]) == 2

    first = page.locator(".minutes-line").first
    text = first.locator(".minutes-line__text")
    text.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("それでは、市民課から窓口の混雑状況について御説明をお願いします。")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('.minutes-line .minutes-line__state').textContent.includes('保存しました')")
    meeting.refresh_from_db()
    assert meeting.transcript["segments"][0]["text"] == "それでは、市民課から窓口の混雑状況について御説明をお願いします。"

    label = meeting.transcript["segments"][0]["speaker"]
    page.get_by_test_id(f"speaker-name-{label}").fill("市民課長")
    page.get_by_test_id(f"speaker-name-{label}").press("Enter")
    page.wait_for_load_state()
    assert first.locator(".minutes-line__speaker option:checked").inner_text() == "市民課長"
    page.screenshot(path=str(tmp_path / "minutes-editor.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_test_id("export-docx").click()
    doc = Document(io.BytesIO(open(download.value.path(), "rb").read()))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "E2E 窓口改善会議"
    assert any(t.startswith("市民課長") for t in texts)
    assert "それでは、市民課から窓口の混雑状況について御説明をお願いします。" in "".join(texts)

    page.once("dialog", lambda d: d.accept())
    page.get_by_test_id("finish").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("meeting-status").inner_text() == "完成"
    meeting.refresh_from_db()
    entry = LedgerEntry.objects.get(pk=meeting.ledger_entry_id)
    assert entry.units == pytest.approx(meeting.duration_s / 60, abs=0.01) and entry.net_hours > 0
    assert page.get_by_test_id("saved-hours").is_visible()
