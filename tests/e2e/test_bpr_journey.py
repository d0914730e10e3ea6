"""An analyst changes a rule threshold, sees the candidate count change, saves, and downloads the report."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_analyst_changes_a_rule_and_downloads_the_report(city, login, live_server, tmp_path):
    page = login("dx")
    page.goto(f"{live_server.url}/bpr/{city.pk}/")
    before = int(page.get_by_test_id("kpi-digital").locator(".kpi__value").inner_text().replace(",", ""))
    page.click("text=抽出ルール")
    text = page.locator("#yaml").input_value()
    # Lower the RPA volume threshold: more 業務 qualify for digitisation.
    rpa_at = text.index("  rpa:")
    changed = text[:rpa_at] + text[rpa_at:].replace("    min_cases: 500", "    min_cases: 1", 1).replace("    min_hours: 20", "    min_hours: 0", 1)
    page.fill("#yaml", changed)
    page.click("button:has-text('効果を確かめる')")
    after_preview = int(page.get_by_test_id("after-digital").inner_text().replace(",", ""))
    assert after_preview > before
    page.click("button:has-text('保存する')")
    page.wait_for_selector("text=ルールを保存しました")
    after = int(page.get_by_test_id("kpi-digital").locator(".kpi__value").inner_text().replace(",", ""))
    assert after == after_preview
    page.screenshot(path=str(tmp_path / "bpr.png"), full_page=True)
    with page.expect_download() as download:
        page.click("text=報告書 Excel")
    path = tmp_path / "report.xlsx"
    download.value.save_as(path)
    from openpyxl import load_workbook

    assert load_workbook(path).sheetnames[0] == "概要"
    # A broken rule is refused with a reason and nothing changes.
    page.click("text=抽出ルール")
    page.fill("#yaml", "digital:\n  rpa:\n    saving_rate: 3\n")
    page.click("button:has-text('保存する')")
    assert "0〜1" in page.locator(".alert--error").inner_text()
