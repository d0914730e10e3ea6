"""Pages, the council workbook, the REST API and the command line of デジラボ: login, roles and organisation scope."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from civicdx.core import fiscal
from civicdx.core.services import api_token_create
from civicdx.digilab import ledger, selectors, services
from civicdx.digilab.models import Initiative, LedgerEntry, Request, RequestAttachment
from tests.digilab.conftest import client_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
FY_NOW = ledger.fiscal_year_of(timezone.localdate())


def pages(req_pk: int) -> list[str]:
    return ["/digilab/", f"/digilab/?year={FY_NOW}", "/digilab/requests/", "/digilab/requests/?status=open",
            "/digilab/requests/new/", f"/digilab/requests/{req_pk}/", "/digilab/ledger/",
            "/digilab/ledger/?year=R7", "/digilab/services/", "/digilab/plan/", "/digilab/notifications/"]


def bearer(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(actor=user, user=user, name='test')}")


def test_every_page_needs_login(lab):
    req = services.request_create(actor=lab.editor_a, service=lab.service("AI-OCR"), title="読み取り")
    anonymous = Client()
    for url in pages(req.pk) + ["/digilab/queue/", "/digilab/?format=xlsx"]:
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert "/login" in response["Location"], url
    response = anonymous.post("/digilab/requests/new/", {"service": lab.service("AI-OCR").pk, "title": "x"})
    assert response.status_code == 302 and "/login" in response["Location"]
    assert Request.objects.count() == 1
    for url in ("/api/digilab/services", "/api/digilab/requests", "/api/digilab/kpi?fiscal_year=2025",
                "/api/digilab/ledger"):
        assert anonymous.get(url).status_code == 401, url


def test_pages_open_for_the_centre_an_editor_and_a_viewer(lab):
    req = services.request_create(actor=lab.editor_a, service=lab.service("AI-OCR"), title="読み取り")
    services.ledger_entry_create(actor=lab.dx, service=lab.service("AI-OCR"), occurred_on=TODAY(), units=10,
                                 request=req)
    for user in (lab.dx, lab.editor_a, lab.viewer, lab.div_editor):
        c = client_for(user)
        for url in pages(req.pk):
            assert c.get(url).status_code == 200, (user.username, url)
    assert client_for(lab.dx).get("/digilab/queue/").status_code == 200
    for user in (lab.editor_a, lab.viewer, lab.div_editor):
        assert client_for(user).get("/digilab/queue/").status_code == 403, user.username
    # the centre's tools are on the centre's pages only
    assert b'data-testid="ledger-form"' in client_for(lab.dx).get(f"/digilab/requests/{req.pk}/").content
    assert b'data-testid="ledger-form"' not in client_for(lab.editor_a).get(f"/digilab/requests/{req.pk}/").content
    assert "依頼の窓口（センター）" not in client_for(lab.editor_a).get("/digilab/").content.decode()
    assert client_for(lab.editor_c).get(f"/digilab/requests/{req.pk}/").status_code == 404


def test_an_editor_files_a_request_and_the_centre_closes_it_with_a_ledger_entry(lab):
    editor = client_for(lab.editor_a)
    ocr = lab.service("AI-OCR")
    upload = SimpleUploadedFile("申請書の様式.pdf", b"%PDF-1.4 sample form", content_type="application/pdf")
    response = editor.post("/digilab/requests/new/", {
        "service": ocr.pk, "title": "申請書の読み取り", "description": "年間1,200件", "volume": "１,２００",
        "deadline": (TODAY() + dt.timedelta(days=20)).isoformat(), "task": str(lab.task("A-2").pk),
        "files": [upload]})
    assert response.status_code == 302
    req = Request.objects.get()
    assert response["Location"] == f"/digilab/requests/{req.pk}/"
    assert (req.title, req.volume, req.org_unit_id, req.task_code) == ("申請書の読み取り", 1200, lab.units["A"].pk, "A-2")
    att = RequestAttachment.objects.get(request=req)
    assert att.original_name == "申請書の様式.pdf" and att.size == len(b"%PDF-1.4 sample form")
    assert att.file.read() == b"%PDF-1.4 sample form"
    listing = editor.get("/digilab/requests/").content.decode()
    assert "申請書の読み取り" in listing and "受付待ち" in listing
    detail = editor.get(f"/digilab/requests/{req.pk}/").content.decode()
    assert "申請書の様式.pdf" in detail and 'data-testid="request-status">受付待ち<' in detail
    assert client_for(lab.div_editor_c).get(f"/digilab/requests/{req.pk}/").status_code == 404
    assert client_for(lab.editor_c).get(f"/digilab/requests/{req.pk}/").status_code == 404
    assert "申請書の読み取り" not in client_for(lab.editor_c).get("/digilab/requests/").content.decode()
    # the department cannot work the request
    response = editor.post(f"/digilab/requests/{req.pk}/", {"action": "update", "status": "progress"})
    assert response.status_code == 403
    response = editor.post(f"/digilab/requests/{req.pk}/", {"action": "ledger", "units": "500", "close": "1"})
    assert response.status_code == 403
    assert not LedgerEntry.objects.exists()

    centre = client_for(lab.dx)
    before = centre.get(f"/digilab/?year={FY_NOW}").context["kpi"]["total"]["net_hours"]
    assert "申請書の読み取り" in centre.get("/digilab/queue/").content.decode()
    response = centre.post(f"/digilab/requests/{req.pk}/", {"action": "update", "status": "progress",
                                                            "assignee": str(lab.dx2.pk), "body": "着手します"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Request.Status.IN_PROGRESS and req.assignee_id == lab.dx2.pk
    response = centre.post(f"/digilab/requests/{req.pk}/", {
        "action": "ledger", "occurred_on": TODAY().isoformat(), "units": "500", "units_failed": "0",
        "residual_minutes": "60", "centre_minutes": "30", "baseline_minutes": "", "note": "初回", "close": "1"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Request.Status.DONE and req.closed_at is not None
    entry = LedgerEntry.objects.get()
    assert entry.request_id == req.pk and entry.created_by_id == lab.dx.pk
    assert (entry.baseline_minutes, entry.gross_hours, entry.net_hours, entry.centre_hours) == (
        3.0, pytest.approx(25.0), pytest.approx(24.0), pytest.approx(0.5))
    assert entry.task_code == "A-2" and entry.org_unit_id == lab.units["div"].pk  # the request's 業務 and 課
    dashboard = centre.get(f"/digilab/?year={FY_NOW}")
    assert dashboard.context["kpi"]["total"]["net_hours"] == pytest.approx(before + 24.0)
    assert f'data-testid="net-total">{before + 24:,.0f}<' in dashboard.content.decode()
    assert "完了" in editor.get(f"/digilab/requests/{req.pk}/").content.decode()
    # the requester was told
    assert lab.editor_a.notifications.filter(read_at__isnull=True).count() >= 2
    assert b'data-testid="notif-count"' in editor.get("/digilab/").content
    editor.post("/digilab/notifications/")
    assert lab.editor_a.notifications.filter(read_at__isnull=True).count() == 0
    assert b'data-testid="notif-count"' not in editor.get("/digilab/").content


def test_request_form_errors_are_shown_and_viewers_are_refused(lab):
    editor = client_for(lab.editor_a)
    response = editor.post("/digilab/requests/new/", {"service": lab.service("AI-OCR").pk, "title": "期限切れ",
                                                      "deadline": "2000-01-01"})
    assert response.status_code == 200 and "過去の日付" in response.content.decode()
    assert 'value="期限切れ"' in response.content.decode()  # what was typed stays
    response = editor.post("/digilab/requests/new/", {"service": lab.service("AI-OCR").pk, "title": "日付",
                                                      "deadline": "来週"})
    assert "日付として読めません" in response.content.decode()
    response = editor.post("/digilab/requests/new/", {"service": "", "title": "x"})
    assert "サービスを選んでください" in response.content.decode()
    viewer = client_for(lab.viewer)
    response = viewer.post("/digilab/requests/new/", {"service": lab.service("AI-OCR").pk, "title": "閲覧者"})
    assert response.status_code == 403
    assert not Request.objects.exists()


def test_recording_and_closing_a_new_request_is_all_or_nothing(lab):
    req = services.request_create(actor=lab.editor_a, service=lab.service("AI-OCR"), title="読み取り")
    client_for(lab.dx).post(f"/digilab/requests/{req.pk}/", {"action": "ledger", "units": "500",
                                                             "residual_minutes": "60", "close": "1"})
    req.refresh_from_db()
    entries = LedgerEntry.objects.filter(request=req).count()
    assert (entries, req.status) in ((0, Request.Status.NEW), (1, Request.Status.DONE))


def test_a_department_request_shows_the_departments_baseline(lab):
    services.baseline_create(actor=lab.dx, service=lab.service("AI-OCR"), minutes_per_unit=7.5, sample_size=20,
                             org_unit=lab.units["div"])
    req = services.request_create(actor=lab.div_editor, service=lab.service("AI-OCR"), title="課の依頼")
    assert req.org_unit_id == lab.units["div"].pk
    response = client_for(lab.dx).get(f"/digilab/requests/{req.pk}/")
    assert response.context["baseline"] is not None and response.context["baseline"].minutes_per_unit == 7.5


def test_a_section_request_shows_the_departments_baseline(lab):
    services.baseline_create(actor=lab.dx, service=lab.service("AI-OCR"), minutes_per_unit=7.5, sample_size=20,
                             org_unit=lab.units["div"])
    req = services.request_create(actor=lab.editor_a, service=lab.service("AI-OCR"), title="係の依頼")
    response = client_for(lab.dx).get(f"/digilab/requests/{req.pk}/")
    assert response.context["baseline"].minutes_per_unit == 7.5
    assert "7.50 分/帳票（計測（時間計測のサンプル））" in response.content.decode()


def test_ledger_page_records_and_deletes(lab):
    centre = client_for(lab.dx)
    response = centre.post("/digilab/ledger/?year=R7", {
        "service": lab.service("AI議事録").pk, "occurred_on": "2025-06-10", "units": "60", "residual_minutes": "0"})
    assert response.status_code == 302
    entry = LedgerEntry.objects.get()
    assert entry.net_hours == pytest.approx(4.0) and entry.fiscal_year == 2025
    page = centre.get("/digilab/ledger/?year=R7").content.decode()
    assert 'data-testid="ledger-table"' in page and "AI議事録" in page
    response = centre.post("/digilab/ledger/?year=R7", {"action": "delete", "entry": entry.pk, "reason": ""})
    assert response.status_code == 400 and LedgerEntry.objects.exists()
    assert client_for(lab.div_editor).post("/digilab/ledger/", {"action": "delete", "entry": entry.pk,
                                                                 "reason": "x"}).status_code == 403
    centre.post("/digilab/ledger/?year=R7", {"action": "delete", "entry": entry.pk, "reason": "誤入力"})
    assert not LedgerEntry.objects.exists()
    response = centre.post("/digilab/ledger/", {"service": lab.service("AI-OCR").pk, "units": "-3"})
    assert response.status_code == 400 and "0以上" in response.content.decode()


def test_council_workbook_has_its_sheets_and_no_formulas(lab):
    for day, units in ((dt.date(2021, 6, 1), 600), (dt.date(2025, 6, 1), 300)):
        services.ledger_entry_create(actor=lab.dx, service=lab.service("AI-OCR"), occurred_on=day, units=units,
                                     org_unit=lab.units["div"])
    tricky = services.service_save(actor=lab.dx, municipality=lab.municipality,
                                   data={"name": "=HYPERLINK(\"http://x\")", "unit": "+件", "sla_days": 5,
                                         "default_baseline_minutes": "2"})
    services.ledger_entry_create(actor=lab.dx, service=tricky, occurred_on=dt.date(2025, 7, 1), units=60,
                                 org_unit=lab.units["div"])
    ini = Initiative.objects.create(municipality=lab.municipality, name="-目標")
    ini.services.set([lab.service("AI-OCR")])
    services.targets_save(actor=lab.dx, initiative=ini, targets={2025: 1000})
    response = client_for(lab.dx).get("/digilab/?year=2025&format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    label = fiscal.fiscal_year_label(2025)
    assert book.sheetnames == ["主な実績", f"サービス別 {label}", f"月別 {label}", "計画と実績"]
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert not (isinstance(cell.value, str) and cell.value.startswith("=")), (sheet.title, cell.value)
    results = {r[0]: r for r in book["主な実績"].iter_rows(min_row=2, values_only=True)}
    header = [c.value for c in book["主な実績"][1]]
    assert header[0] == "サービス" and header[1] == fiscal.fiscal_year_label(2021)
    assert results["AI-OCR"][1] == 30.0 and results["AI-OCR"][5] == 15.0
    assert results["合計"][5] == 17.0
    assert "'=HYPERLINK(\"http://x\")" in results
    per_service = {r[0]: r for r in book[f"サービス別 {label}"].iter_rows(min_row=2, values_only=True)}
    assert per_service["AI-OCR"][3:5] == (15.0, 15.0) and per_service["AI-OCR"][8] == "はい"
    plan_rows = list(book["計画と実績"].iter_rows(min_row=2, values_only=True))
    assert ("'-目標", label, 1000, 15.0) in plan_rows


def test_rest_api_with_tokens(lab):
    editor = bearer(lab.editor_a)
    listing = editor.get("/api/digilab/services").json()
    assert [s["name"] for s in listing] == ["AI議事録", "AI-OCR", "RPA集約処理", "ローコード支援・ヘルプデスク", "BPO"]
    ocr = next(s for s in listing if s["name"] == "AI-OCR")
    assert ocr["default_baseline_minutes"] == 3.0 and ocr["sla_days"] == 15

    response = editor.post("/api/digilab/requests", data=json.dumps({
        "service_id": ocr["id"], "title": "API からの依頼", "volume": 300,
        "deadline": (TODAY() + dt.timedelta(days=10)).isoformat()}), content_type="application/json")
    assert response.status_code == 200, response.content
    created = response.json()
    assert created["status"] == "new" and created["status_label"] == "受付待ち"
    assert created["org_unit"] == lab.units["A"].path and created["requester"] == "editor_a"
    assert created["sla_due"] == (TODAY() + dt.timedelta(days=15)).isoformat()
    rid = created["id"]
    response = editor.post("/api/digilab/requests", data=json.dumps({
        "service_id": ocr["id"], "title": "過去", "deadline": "2001-01-01"}), content_type="application/json")
    assert response.status_code == 400 and "過去" in response.json()["message"]
    response = editor.post("/api/digilab/requests", data=json.dumps({
        "service_id": 99999, "title": "ない"}), content_type="application/json")
    assert response.status_code == 404
    assert [r["id"] for r in editor.get("/api/digilab/requests").json()] == [rid]
    assert editor.get("/api/digilab/requests?queue=true").status_code == 403
    assert bearer(lab.editor_c).get(f"/api/digilab/requests/{rid}").status_code == 404
    assert bearer(lab.editor_c).get("/api/digilab/requests").json() == []

    response = editor.patch(f"/api/digilab/requests/{rid}", data=json.dumps({"status": "triaged"}),
                            content_type="application/json")
    assert response.status_code == 403 and "センター" in response.json()["message"]
    centre = bearer(lab.dx)
    response = centre.patch(f"/api/digilab/requests/{rid}", data=json.dumps({"status": "triaged",
                                                                            "assignee": "dx_second"}),
                            content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "triaged" and response.json()["assignee"] == "dx_second"
    response = centre.patch(f"/api/digilab/requests/{rid}", data=json.dumps({"assignee": "nobody"}),
                            content_type="application/json")
    assert response.status_code == 400 and "nobody" in response.json()["message"]
    response = centre.patch(f"/api/digilab/requests/{rid}", data=json.dumps({"status": "new"}),
                            content_type="application/json")
    assert response.status_code == 400 and "変えられません" in response.json()["message"]
    assert [r["id"] for r in centre.get("/api/digilab/requests?queue=true").json()] == [rid]

    department = bearer(lab.div_editor)
    response = department.post("/api/digilab/ledger", data=json.dumps({
        "service_id": ocr["id"], "occurred_on": "2025-06-10", "units": 200, "residual_minutes": 90,
        "centre_minutes": 45, "org_unit_id": lab.units["div"].pk, "request_id": rid}),
        content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["gross_hours"], body["net_hours"], body["centre_hours"]) == (10.0, 8.5, 0.75)
    assert body["source"] == "api" and body["request_id"] == rid and body["fiscal_year"] == 2025
    response = department.post("/api/digilab/ledger", data=json.dumps({
        "service_id": ocr["id"], "occurred_on": "2025-06-10", "units": -5, "org_unit_id": lab.units["div"].pk}),
        content_type="application/json")
    assert 400 <= response.status_code < 500 and "0以上" in response.json()["message"]
    response = department.post("/api/digilab/ledger", data=json.dumps({
        "service_id": ocr["id"], "occurred_on": "2025-06-10", "units": 5, "org_unit_id": lab.units["div_c"].pk}),
        content_type="application/json")
    assert response.status_code == 403
    assert LedgerEntry.objects.count() == 1

    k = centre.get("/api/digilab/kpi?fiscal_year=2025").json()
    assert k["fiscal_year"] == 2025 and k["total"]["net_hours"] == 8.5
    assert k == selectors.kpi(user=lab.dx, municipality=lab.municipality, fiscal_year=2025)
    assert [e["net_hours"] for e in department.get("/api/digilab/ledger?fiscal_year=2025").json()] == [8.5]
    assert bearer(lab.div_editor_c).get("/api/digilab/ledger").json() == []


def test_rest_api_a_non_numeric_number_gets_a_japanese_message(lab):
    response = bearer(lab.dx).post("/api/digilab/ledger", data=json.dumps({
        "service_id": lab.service("AI-OCR").pk, "occurred_on": "2025-06-10", "units": "たくさん",
        "org_unit_id": lab.units["div"].pk}), content_type="application/json")
    assert 400 <= response.status_code < 500
    text = json.dumps(response.json(), ensure_ascii=False)
    assert "処理した単位数" in text or "数として読めません" in text


def test_cli_kpi_json(lab):
    ini = Initiative.objects.create(municipality=lab.municipality, name="AIによる削減")
    ini.services.set([lab.service("AI-OCR")])
    services.targets_save(actor=lab.dx, initiative=ini, targets={2021: 100})
    services.ledger_entry_create(actor=lab.dx, service=lab.service("AI-OCR"), occurred_on=dt.date(2021, 6, 1),
                                 units=200, residual_minutes=90, centre_minutes=45, org_unit=lab.units["div"])
    services.ledger_entry_create(actor=lab.dx, service=lab.service("AI議事録"), occurred_on=dt.date(2022, 3, 31),
                                 units=60, measured=False, org_unit=lab.units["div"])
    services.ledger_entry_create(actor=lab.dx, service=lab.service("AI議事録"), occurred_on=dt.date(2022, 4, 1),
                                 units=600, org_unit=lab.units["div"])  # FY2022: not in R3
    out = io.StringIO()
    call_command("digilab", "kpi", "--year", "R3", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert {"fiscal_year", "services", "total", "targets"} <= set(data)
    assert data["fiscal_year"] == 2021
    rows = {s["service"]: s for s in data["services"]}
    assert set(rows) == {"AI-OCR", "AI議事録"}
    for s in data["services"]:
        assert {"service", "gross_hours", "net_hours", "centre_effort_hours", "measured"} <= set(s)
    assert (rows["AI-OCR"]["gross_hours"], rows["AI-OCR"]["net_hours"], rows["AI-OCR"]["centre_effort_hours"],
            rows["AI-OCR"]["measured"]) == (10.0, 8.5, 0.8, True)
    assert rows["AI議事録"]["net_hours"] == 4.0 and rows["AI議事録"]["measured"] is False
    assert data["total"]["net_hours"] == 12.5 and data["total"]["measured"] is False
    assert data["targets"] == [{"initiative": "AIによる削減", "target_hours": 100, "actual_hours": 8.5}]
    text = io.StringIO()
    call_command("digilab", "kpi", "--year", "令和3年度", stdout=text)
    assert "令和3年度" in text.getvalue() and "AI-OCR" in text.getvalue() and "目標未設定" not in text.getvalue()
    err = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("digilab", "kpi", "--year", "R99X", stderr=err)
    assert exc.value.code == 1 and "エラー" in err.getvalue()


def test_request_attachment_download_is_scoped(lab):
    from civicdx.digilab.services import request_create, services_ensure

    service = services_ensure(municipality=lab.municipality)[0]
    req = request_create(actor=lab.editor_a, service=service, title="録音の文字起こし", org_unit=lab.editor_a.org_unit,
                         files=[SimpleUploadedFile("会議.txt", "議題: 予算".encode())])
    att = req.attachments.get()
    url = f"/digilab/requests/{req.pk}/files/{att.pk}/"
    own = client_for(lab.editor_a).get(url)
    assert own.status_code == 200 and b"".join(own.streaming_content).decode() == "議題: 予算"
    assert client_for(lab.dx).get(url).status_code == 200
    assert client_for(lab.editor_c).get(url).status_code == 404
