"""Every survey page renders for the DX office at small scale, with the figures the selectors compute."""

from __future__ import annotations

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from civicdx.survey import selectors

pytestmark = pytest.mark.django_db


def test_pages_render(client, demo_survey, users):
    client.force_login(users["dx"])
    tree = users["tree"]
    bureau = tree.chain(users["section"].pk)[0]
    task = selectors.tasks_visible(user=users["dx"], survey=demo_survey).first()
    sid = demo_survey.pk
    urls = [reverse("survey:dashboard", args=[sid]), reverse("survey:org", args=[sid]), reverse("survey:org_unit", args=[sid, bureau.pk]),
            reverse("survey:org_unit", args=[sid, users["section"].pk]), reverse("survey:task", args=[sid, task.pk]),
            reverse("survey:responses", args=[sid]), reverse("survey:quality", args=[sid]), reverse("survey:import"),
            reverse("survey:search", args=[sid]) + "?q=" + task.name[:3], reverse("survey:entry_home")]
    urls += [reverse("survey:summary", args=[sid, by]) for by in selectors.BY_CHOICES]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    total = selectors.survey_summary(user=users["dx"], survey=demo_survey)["total"]
    page = client.get(reverse("survey:dashboard", args=[sid])).content.decode()
    assert f"{total['tasks']:,}" in page and "デモデータ（合成）" in page


def test_exports_escape_formulas_and_template_downloads(client, demo_survey, users):
    from civicdx.survey.models import Task

    Task.objects.filter(pk=Task.objects.filter(survey=demo_survey, section=users["section"]).first().pk).update(name="=HYPERLINK(\"x\")")
    client.force_login(users["dx"])
    url = reverse("survey:org_unit", args=[demo_survey.pk, users["section"].pk])
    csv_text = client.get(url + "?format=csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    xlsx = client.get(url + "?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    response = client.get(reverse("survey:template", args=[demo_survey.pk]) + f"?section={users['section'].pk}")
    assert response.status_code == 200
    import io

    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[:2] == ["調査票", "記入方法"]
    assert workbook["調査票"].data_validations.dataValidation  # drop-down lists are there


def test_openapi_schema_is_served(client, demo_survey, users):
    client.force_login(users["dx"])
    schema = client.get("/api/openapi.json").json()
    assert "/api/surveys/{survey_id}/summary" in schema["paths"]


def test_quality_tables_export(client, demo_survey, users):
    client.force_login(users["dx"])
    for table in ("headcount", "outliers", "duplicates"):
        response = client.get(reverse("survey:quality", args=[demo_survey.pk]) + f"?table={table}&format=csv")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert response.content.startswith("\ufeff".encode())


def test_huge_upload_is_refused_before_reading(client, demo_survey, users, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from civicdx.survey.models import SurveyImport

    settings.CIVICDX_MAX_UPLOAD_BYTES = 1000
    client.force_login(users["dx"])
    big = SimpleUploadedFile("big.csv", b"x" * 5000, content_type="text/csv")
    response = client.post(reverse("survey:import"), {"files": big, "year": "R3", "round": "全体調査", "mode": "all"})
    assert response.status_code == 200 and "ファイルが大きすぎます" in response.content.decode()
    assert SurveyImport.objects.count() == 0


def test_web_import_reports_errors_with_location(client, demo_survey, users, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from civicdx.survey.models import SurveyImport
    from tests.conftest import std_row, write_csv

    client.force_login(users["dx"])
    org = [u.name for u in users["tree"].chain(users["section"].pk)]
    path = write_csv(tmp_path / "係.csv", [std_row(bureau=org[0], division=org[-2], section=org[-1], task_code="W-1",
                                                  task_name="テスト", core="コア", routine="定型", expertise="有",
                                                  step_name="受付", step_kind="受付", minutes="１０分", cases="abc")], encoding="cp932")
    upload = SimpleUploadedFile("係.csv", path.read_bytes(), content_type="text/csv")
    response = client.post(reverse("survey:import"), {"files": upload, "year": "令和3年度", "round": "全体調査", "mode": "all"}, follow=True)
    record = SurveyImport.objects.get()
    assert record.status == "rejected" and record.errors[0]["row"] == 2 and record.errors[0]["column"] == "年間件数"
    page = client.get(reverse("survey:import_result", args=[record.pk])).content.decode()
    assert "数値として読み取れません" in page and "abc" in page
    assert response.status_code == 200
