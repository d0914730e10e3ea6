"""User journeys of the survey in a real browser."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from civicdx.core.models import User
from civicdx.survey.models import SectionResponse, Task

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def add_task(page, code: str, name: str, steps: list[tuple[str, str, str, str]]):
    page.click("text=業務を追加")
    page.fill("#f-code", code)
    page.fill("#f-name", name)
    page.select_option("#f-core", "ノンコア")
    page.select_option("#f-routine", "定型")
    page.select_option("#f-exp", "無")
    rows = page.locator("#steps .step-row")
    for i, (step, kind, minutes, cases) in enumerate(steps):
        row = rows.nth(i)
        row.locator("input[name=step-step_name]").fill(step)
        row.locator("select[name=step-step_kind]").select_option(kind)
        row.locator("input[name=step-minutes]").fill(minutes)
        row.locator("input[name=step-cases]").fill(cases)
    return page


def test_section_editor_enters_two_tasks_and_dx_sees_totals(city, login, live_server, tmp_path):
    editor = User.objects.get(username="kakari")
    section = editor.org_unit
    dx = login("dx")
    dx.goto(f"{live_server.url}/survey/{city.pk}/")
    before_tasks = int(dx.get_by_test_id("kpi-tasks").inner_text().replace(",", ""))
    before_hours = int(dx.get_by_test_id("kpi-hours").inner_text().replace(",", ""))
    SectionResponse.objects.filter(survey=city, section=section).update(status="draft")
    dx.goto(f"{live_server.url}/survey/{city.pk}/responses/")
    rate_before = float(dx.get_by_test_id("total-rate").inner_text())

    page = login("kakari")
    page.goto(f"{live_server.url}/survey/entry/")
    assert section.name in page.locator("h1").inner_text()
    add_task(page, "E2E-1", "住民票の写しの交付", [("申請の受付", "受付", "5分", "１,２００"), ("交付", "通知・発送", "3", "1200")])
    assert page.get_by_test_id("live-hours").inner_text() == "160.0"  # live total while typing: 100 + 60
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=を保存しました")
    add_task(page, "E2E-2", "旅費の精算", [("請求の受付", "受付", "1時間", "24")])
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=旅費の精算")
    page.click("button:has-text('課に提出する')")
    page.wait_for_selector("text=提出しました")
    assert page.get_by_test_id("section-status").inner_text() == "提出済"
    assert Task.objects.get(code="E2E-1").hours == pytest.approx(160.0)

    dx.goto(f"{live_server.url}/survey/{city.pk}/")
    assert int(dx.get_by_test_id("kpi-tasks").inner_text().replace(",", "")) == before_tasks + 2
    assert int(dx.get_by_test_id("kpi-hours").inner_text().replace(",", "")) == pytest.approx(before_hours + 184, abs=1)
    dx.goto(f"{live_server.url}/survey/{city.pk}/responses/")
    assert float(dx.get_by_test_id("total-rate").inner_text()) > rate_before
    dx.screenshot(path=str(tmp_path / "responses.png"), full_page=True)


def test_clerk_uploads_template_with_a_mistake_then_fixes_it(city, login, live_server, tmp_path):
    page = login("kakari")
    section = User.objects.get(username="kakari").org_unit
    page.goto(f"{live_server.url}/survey/{city.pk}/entry/{section.pk}/")
    with page.expect_download() as download:
        page.click("text=Excelテンプレート")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    workbook = load_workbook(template)
    sheet = workbook["調査票"]
    values = ["T-1", "窓口での証明書交付", "民生", "証明", "", "ノンコア", "定型", "無", 1, "申請の受付", "うけつけ", 5, 300]
    for col, value in enumerate(values, start=5):
        sheet.cell(row=2, column=col, value=value)
    workbook.save(template)

    page.goto(f"{live_server.url}/survey/import/")
    page.set_input_files("#id_files", str(template))
    page.click("button:has-text('取り込む')")
    page.wait_for_url(re.compile(r".*/survey/import/\d+/"))
    status = page.get_by_test_id("import-status").inner_text()
    assert "取込なし" in status
    table = page.get_by_test_id("error-table").inner_text()
    assert "template.xlsx" in table and "調査票" in table and "作業種類" in table and "うけつけ" in table
    assert "作業種類は次のいずれかで入力してください" in table
    assert not Task.objects.filter(code="T-1").exists()

    sheet.cell(row=2, column=15, value="受付")
    workbook.save(template)
    page.goto(f"{live_server.url}/survey/import/")
    page.set_input_files("#id_files", str(template))
    page.click("button:has-text('取り込む')")
    page.wait_for_url(re.compile(r".*/survey/import/\d+/"))
    assert "取込済" in page.get_by_test_id("import-status").inner_text()
    page.click("text=集計を見る")
    page.goto(f"{live_server.url}/survey/{city.pk}/entry/{section.pk}/")
    assert page.get_by_test_id("section-hours").inner_text() == "25.0"  # the re-import replaced the 係: 5 min × 300
    page.screenshot(path=str(tmp_path / "section.png"), full_page=True)
