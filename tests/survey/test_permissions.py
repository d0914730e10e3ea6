"""Scoping: a 係 editor reads and writes its own 係 only, through services, pages and the API alike."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicdx.core.errors import PermissionDeniedError
from civicdx.core.services import api_token_create
from civicdx.survey import selectors, services
from civicdx.survey.models import Task

pytestmark = pytest.mark.django_db


def other_task(demo_survey, users):
    return Task.objects.filter(survey=demo_survey, section=users["other_section"]).first()


def test_selectors_scope_totals_to_the_editors_section(demo_survey, users):
    editor = users["section_editor"]
    mine = selectors.survey_summary(user=editor, survey=demo_survey, by="section")
    assert [g["key"][3] for g in mine["groups"]] == [users["section"].name]
    everything = selectors.survey_summary(user=users["dx"], survey=demo_survey)
    assert mine["total"]["tasks"] < everything["total"]["tasks"]
    assert selectors.tasks_visible(user=editor, survey=demo_survey).exclude(section=users["section"]).count() == 0
    with pytest.raises(PermissionDeniedError):
        selectors.task_get(user=editor, task_id=other_task(demo_survey, users).pk)


def test_division_editor_sees_its_division(demo_survey, users):
    division = users["section"].parent
    visible = {t.section.parent_id for t in selectors.tasks_visible(user=users["division_editor"], survey=demo_survey).select_related("section")}
    assert visible == {division.pk}


def test_editor_cannot_write_another_section(demo_survey, users):
    task = other_task(demo_survey, users)
    with pytest.raises(PermissionDeniedError):
        services.task_delete(actor=users["section_editor"], task=task)
    with pytest.raises(PermissionDeniedError):
        services.section_submit(actor=users["section_editor"], survey=demo_survey, section=users["other_section"])
    with pytest.raises(PermissionDeniedError):
        services.task_save(actor=users["viewer"], survey=demo_survey, section=users["section"], task=None, code="X",
                           task_fields={"task_name": "x", "core": "コア", "routine": "定型", "expertise": "無"},
                           steps=[{"hours": 1}])
    assert Task.objects.filter(pk=task.pk).exists()


def test_pages_refuse_another_sections_data(client, demo_survey, users):
    client.force_login(users["section_editor"])
    task = other_task(demo_survey, users)
    assert client.get(reverse("survey:task", args=[demo_survey.pk, task.pk])).status_code == 403
    assert client.get(reverse("survey:org_unit", args=[demo_survey.pk, users["other_section"].pk])).status_code == 403
    assert client.get(reverse("survey:entry_section", args=[demo_survey.pk, users["other_section"].pk])).status_code == 403
    own = client.get(reverse("survey:org_unit", args=[demo_survey.pk, users["section"].pk]))
    assert own.status_code == 200 and users["section"].name in own.content.decode()
    # The CSV export of the city-wide table holds only the editor's own 係.
    csv_text = client.get(reverse("survey:summary", args=[demo_survey.pk, "section"]) + "?format=csv").content.decode("utf-8-sig")
    assert users["section"].name in csv_text and users["other_section"].name not in csv_text.split("\n", 1)[1].replace(users["section"].name, "")


def test_every_page_needs_login(client, demo_survey):
    for url in [reverse("survey:list"), reverse("survey:dashboard", args=[demo_survey.pk]), reverse("survey:import"),
                reverse("survey:org", args=[demo_survey.pk]), reverse("audit")]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/api/surveys").status_code == 401


def test_api_token_scoping(client, demo_survey, users):
    token = api_token_create(actor=users["section_editor"], user=users["section_editor"], name="test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    task = other_task(demo_survey, users)
    assert client.get(f"/api/tasks/{task.pk}", **auth).status_code == 403
    listed = client.get(f"/api/surveys/{demo_survey.pk}/tasks?limit=1000", **auth).json()
    assert listed and {t["section_id"] for t in listed} == {users["section"].pk}
    summary = client.get(f"/api/surveys/{demo_survey.pk}/summary?by=section", **auth).json()
    assert [g["key"][3] for g in summary["groups"]] == [users["section"].name]
    assert client.delete(f"/api/tasks/{task.pk}", **auth).status_code == 403
    assert client.get("/api/surveys", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_audit_log_is_admin_or_dx_only(client, demo_survey, users):
    client.force_login(users["section_editor"])
    assert client.get(reverse("audit")).status_code == 302
    client.force_login(users["dx"])
    assert "demo.load" in client.get(reverse("audit")).content.decode()


def test_login_is_throttled(client, demo_survey):
    for _ in range(5):
        client.post(reverse("login"), {"username": "dx", "password": "wrong-password"})
    response = client.post(reverse("login"), {"username": "dx", "password": "civicdx-demo-2021"})
    assert response.status_code == 200 and "しばらく" in response.content.decode()
