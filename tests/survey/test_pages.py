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
