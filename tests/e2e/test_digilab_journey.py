"""デジラボ in the browser: a 係 files a request for AI-OCR, the centre takes it from the queue, assigns it, records
the run in the ledger and closes it; the dashboard's net total grows by the entry's hours and the 係 is notified."""

from __future__ import annotations

import re

import pytest

from civicdx.core.models import User
from civicdx.digilab import ledger
from civicdx.digilab.demo import demo_load_digilab
from civicdx.digilab.models import LedgerEntry, Request, Service

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _number(text: str) -> float:
    return float(text.strip().replace(",", ""))


def _notif_count(page) -> int:
    badge = page.get_by_test_id("notif-count")
    return int(badge.inner_text()) if badge.count() else 0


def test_a_section_files_a_request_and_the_centre_records_the_saving(city, login, live_server):
    from django.utils import timezone

    demo_load_digilab(municipality=city.municipality, survey=city)
    year = ledger.fiscal_year_of(timezone.localdate())
    ocr = Service.objects.get(municipality=city.municipality, name="AI-OCR")
    dx = User.objects.get(username="dx")

    # 係: file the request
    kakari = login("kakari")
    kakari.goto(f"{live_server.url}/digilab/requests/new/")
    kakari.select_option("[data-testid=request-form] select[name=service]", value=str(ocr.pk))
    assert "AI-OCR" in kakari.locator("[data-testid=request-form] select[name=service] option:checked").inner_text()
    kakari.fill("[data-testid=request-form] input[name=title]", "E2E 補助金申請書の読み取り")
    kakari.fill("[data-testid=request-form] textarea[name=description]", "紙の申請書を年間800件受け付けている。")
    kakari.fill("[data-testid=request-form] input[name=volume]", "800")
    kakari.click("[data-testid=request-form] button[type=submit]")
    kakari.wait_for_url(re.compile(r"/digilab/requests/\d+/$"))
    assert kakari.get_by_test_id("request-status").inner_text() == "受付待ち"
    req = Request.objects.get(title="E2E 補助金申請書の読み取り")
    assert req.service_id == ocr.pk and req.volume == 800
    notified_before = _notif_count(kakari)

    # centre: the net total before, then the queue
    centre = login("dx")
    centre.goto(f"{live_server.url}/digilab/?year={year}")
    net_before = _number(centre.get_by_test_id("net-total").inner_text())
    centre.goto(f"{live_server.url}/digilab/queue/")
    centre.get_by_test_id("request-table").get_by_role("link", name="E2E 補助金申請書の読み取り").click()
    centre.wait_for_url(re.compile(rf"/digilab/requests/{req.pk}/$"))
    assert centre.get_by_test_id("request-status").inner_text() == "受付待ち"
    update = centre.get_by_test_id("request-update")
    update.locator("select[name=status]").select_option(label="対応中")
    update.locator("select[name=assignee]").select_option(value=str(dx.pk))
    update.locator("button").click()
    centre.wait_for_load_state()
    assert centre.get_by_test_id("request-status").inner_text() == "対応中"
    assert "担当: " in centre.get_by_test_id("request-history").inner_text()

    # centre: record the run and close the request
    form = centre.get_by_test_id("ledger-form")
    form.locator("input[name=units]").fill("500")
    form.locator("input[name=residual_minutes]").fill("60")
    form.get_by_label("記録して依頼を完了にする").check()
    form.get_by_role("button", name="記録する").click()
    centre.wait_for_selector("text=実績を台帳に記録しました")
    assert centre.get_by_test_id("request-status").inner_text() == "完了"
    entry = LedgerEntry.objects.get(request=req)
    assert entry.units == 500 and entry.residual_minutes == 60 and entry.baseline_minutes == 3.0
    assert entry.net_hours == pytest.approx(24.0)  # 500 × 3 min = 25 h, less 1 h of checking
    assert "500" in centre.locator("[data-testid=ledger-table]").inner_text()

    centre.goto(f"{live_server.url}/digilab/?year={year}")
    net_after = _number(centre.get_by_test_id("net-total").inner_text())
    assert abs((net_after - net_before) - entry.net_hours) <= 1  # the page shows whole hours

    # 係: notified in the header, and sees the request done
    kakari.goto(f"{live_server.url}/digilab/requests/")
    assert _notif_count(kakari) >= notified_before + 2  # taken on (status + assignee), then closed
    assert "完了" in kakari.get_by_test_id("request-table").inner_text()
    kakari.get_by_test_id("notif-count").click()
    assert "E2E 補助金申請書の読み取り" in kakari.locator("main, body").first.inner_text()
