"""Pages and endpoints: login, scope, the editor's save, upload, verification by form post, exports, API."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from civicdx.ocr.models import Batch, FormDefinition, Page
from tests.ocr.conftest import DATA, client_for, form_files
from tests.ocr.test_services import forms, read  # noqa: F401  (fixtures)


@pytest.fixture
def batch(lab, forms):
    return read(lab, "shinsei_rotated.jpg", "mixed.pdf", engine="tesseract")


def test_every_page_needs_login(lab, batch):
    page = batch.pages.first()
    definition = FormDefinition.objects.first()
    anon = Client()
    for url in ("/ocr/", "/ocr/forms/", f"/ocr/forms/{definition.pk}/", f"/ocr/forms/{definition.pk}/v1.png",
                "/ocr/settings/", f"/ocr/{batch.pk}/", f"/ocr/{batch.pk}/status.json", f"/ocr/{batch.pk}/next/",
                f"/ocr/{batch.pk}/pages/{page.pk}/", f"/ocr/{batch.pk}/pages/{page.pk}/image",
                f"/ocr/{batch.pk}/export/{definition.pk}.csv"):
        response = anon.get(url)
        assert response.status_code in (302, 401, 403), url
        assert "login" in response.get("Location", "login"), url


def test_another_division_gets_404_everywhere(lab, batch):
    page = batch.pages.first()
    definition = page.version.definition
    other = client_for(lab.div_editor_c)
    for url in (f"/ocr/{batch.pk}/", f"/ocr/{batch.pk}/status.json", f"/ocr/{batch.pk}/pages/{page.pk}/",
                f"/ocr/{batch.pk}/pages/{page.pk}/image", f"/ocr/{batch.pk}/pages/{page.pk}/image?field=氏名",
                f"/ocr/{batch.pk}/export/{definition.pk}.csv", f"/ocr/{batch.pk}/export/{definition.pk}.xlsx",
                f"/api/ocr/batches/{batch.pk}", f"/api/ocr/batches/{batch.pk}/csv?form={definition.pk}"):
        assert other.get(url).status_code == 404, url
    assert other.post(f"/ocr/{batch.pk}/pages/{page.pk}/", {"v:氏名": "改ざん"}).status_code == 404
    assert other.post(f"/ocr/{batch.pk}/finish/").status_code == 404
    assert "テスト" not in other.get("/ocr/").content.decode()
    assert other.get("/api/ocr/batches").json() == []
    assert "テスト" in client_for(lab.editor_b).get("/ocr/").content.decode()


def test_verification_by_form_post_goes_to_the_next_page(lab, batch):
    c = client_for(lab.editor_a)
    start = c.get(f"/ocr/{batch.pk}/next/")
    page, *others = batch.pages.filter(status=Page.Status.REVIEW).order_by("seq")
    assert start["Location"].endswith(f"/ocr/{batch.pk}/pages/{page.pk}/")
    html = c.get(start["Location"]).content.decode()
    assert "確定して次へ" in html and "押印" in html and "白黒の画像" in html
    # the crop of a field is an image
    crop = c.get(f"/ocr/{batch.pk}/pages/{page.pk}/image?field=氏名")
    assert crop.status_code == 200 and crop["Content-Type"] == "image/png" and crop.content[:4] == b"\x89PNG"
    # a bad date is refused with its reason and nothing is saved
    bad = c.post(f"/ocr/{batch.pk}/pages/{page.pk}/", {"v:申請日": "令和5年2月30日", "seconds": "12"})
    assert bad.status_code == 200 and "存在しません" in bad.content.decode()
    ok = c.post(f"/ocr/{batch.pk}/pages/{page.pk}/", {"v:申請日": "令和7年12月22日", "marks": "押印", "seconds": "12"})
    assert ok.status_code == 302
    page.refresh_from_db()
    assert page.status == Page.Status.DONE and page.values["申請日"]["value"] == "2025-12-22"
    assert page.values["押印"]["value"] == "0" and page.check_seconds == 12
    for other in others:  # the next waiting page comes next; accepting it as read
        assert c.get(ok["Location"])["Location"].endswith(f"/ocr/{batch.pk}/pages/{other.pk}/")
        ok = c.post(f"/ocr/{batch.pk}/pages/{other.pk}/", {"seconds": "3"})
    assert c.get(ok["Location"])["Location"].endswith(f"/ocr/{batch.pk}/")  # nothing left: back to the batch
    finish = c.post(f"/ocr/{batch.pk}/finish/", follow=True)
    assert "実績台帳" in finish.content.decode()
    response = c.get(f"/ocr/{batch.pk}/export/{page.version.definition_id}.csv?encoding=cp932")
    assert response["Content-Type"] == "text/csv; charset=shift_jis"
    rows = list(csv.DictReader(io.StringIO(response.content.decode("cp932"))))
    assert rows[0]["申請日"] == "2025-12-22"


def test_viewer_sees_but_cannot_check(lab, batch):
    page = batch.pages.filter(status=Page.Status.REVIEW).first()
    c = client_for(lab.viewer)
    html = c.get(f"/ocr/{batch.pk}/pages/{page.pk}/").content.decode()
    assert "確定して次へ" not in html
    assert c.post(f"/ocr/{batch.pk}/pages/{page.pk}/", {"v:通数": "1"}).status_code == 403


def test_the_centre_defines_a_form_in_the_browser(lab):
    c = client_for(lab.dx)
    template, fields = form_files("shinsei")
    with open(template, "rb") as f:
        r = c.post("/ocr/forms/", {"name": "交付申請書", "csv_encoding": "utf-8-sig", "dpi": "150", "template": f})
    definition = FormDefinition.objects.get(name="交付申請書")
    assert r["Location"].endswith(f"/ocr/forms/{definition.pk}/")
    html = c.get(r["Location"]).content.decode()
    assert 'id="ocr-editor"' in html and 'data-width="1240"' in html
    assert c.get(f"/ocr/forms/{definition.pk}/v1.png")["Content-Type"] == "image/png"
    saved = c.post(f"/ocr/forms/{definition.pk}/", {"fields_json": json.dumps(fields["fields"]), "note": "初版"}, follow=True)
    assert "第1版" in saved.content.decode()
    assert len(definition.current.fields) == len(fields["fields"])
    dup = c.post(f"/ocr/forms/{definition.pk}/", {"fields_json": json.dumps(fields["fields"] * 2)}, follow=True)
    assert "重複" in dup.content.decode()
    # a department may look at the form but not change it
    div = client_for(lab.div_editor)
    assert 'id="ocr-editor"' not in div.get(f"/ocr/forms/{definition.pk}/").content.decode()
    assert div.post(f"/ocr/forms/{definition.pk}/", {"fields_json": "[]"}, follow=True).status_code == 200
    assert len(definition.current.fields) == len(fields["fields"])
    assert div.get("/ocr/settings/").status_code == 404


def test_upload_answers_json_for_the_progress_bar(lab, forms):
    c = client_for(lab.editor_a)
    with open(DATA / "shinsei_clean.jpg", "rb") as a, open(DATA / "mixed.pdf", "rb") as b:
        r = c.post("/ocr/new/", {"title": "11月分", "engine": "tesseract", "scans": [a, b]})
    assert r.status_code == 201, r.content
    batch = Batch.objects.get(title="11月分")
    assert r.json()["url"] == f"/ocr/{batch.pk}/" and batch.pages.count() == 3
    status = c.get(f"/ocr/{batch.pk}/status.json").json()
    assert status["status"] == "SUCCESSFUL" and status["result_url"] == f"/ocr/{batch.pk}/"
    html = c.get(f"/ocr/{batch.pk}/").content.decode()
    assert "読み取らなかったページ" in html and "確認が必要になった理由" in html
    bad = c.post("/ocr/new/", {"scans": [io.BytesIO(b"x")]})
    assert bad.status_code == 400 and "message" in bad.json()


def test_api_sends_scans_and_reads_values_and_csv(lab, forms):
    c = client_for(lab.div_editor)
    assert Client().get("/api/ocr/batches").status_code == 401
    with open(DATA / "shinsei_clean.jpg", "rb") as f:
        r = c.post("/api/ocr/batches", {"title": "API", "engine": "tesseract", "scans": [f]})
    assert r.status_code == 201, r.content
    data = c.get(f"/api/ocr/batches/{r.json()['id']}").json()
    assert data["status"] == "review" and data["pages"][0]["form"] == "shinsei"
    assert data["pages"][0]["fields"]["申請日"]["value"] == "2025-08-14"
    form_id = data["forms"][0]["id"]
    text = c.get(f"/api/ocr/batches/{data['id']}/csv?form={form_id}").content.decode("utf-8-sig")
    assert "2025-08-14" in text
