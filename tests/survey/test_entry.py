"""Online entry: a 係 enters 業務 in the browser forms' shape, submits; the 課 confirms; the DX office closes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicdx.core.errors import ApplicationError
from civicdx.core.models import AuditEvent
from civicdx.survey import selectors, services
from civicdx.survey.models import SectionResponse, SectionTotals, Task

pytestmark = pytest.mark.django_db

FIELDS = {"task_name": "窓口での住民票の交付", "category_major": "民生", "core": "ノンコア", "routine": "定型", "expertise": "無"}
STEPS = [{"step_name": "申請書の受付", "step_kind": "受付", "minutes": "５分", "cases": "1,200"},
         {"step_name": "交付", "step_kind": "通知・発送", "minutes": "1.5時間", "cases": "10"}]


def test_task_save_computes_hours_and_keeps_totals_in_step(demo_survey, users):
    editor, section = users["section_editor"], users["section"]
    before = selectors.survey_summary(user=users["dx"], survey=demo_survey)["total"]["hours"]
    task = services.task_save(actor=editor, survey=demo_survey, section=section, task=None, code="NEW-1",
                              task_fields=FIELDS, steps=STEPS)
    assert task.hours == pytest.approx(5 * 1200 / 60 + 90 * 10 / 60)  # 100 + 15
    after = selectors.survey_summary(user=users["dx"], survey=demo_survey)["total"]["hours"]
    assert after == pytest.approx(before + 115, abs=0.01)
    # Totals from the maintained aggregates equal a direct sum over the tasks.
    from django.db.models import Sum

    direct = Task.objects.filter(survey=demo_survey, section=section).aggregate(h=Sum("hours"))["h"]
    assert SectionTotals.objects.get(survey=demo_survey, section=section, dimension="all").hours == pytest.approx(direct)
    task = services.task_save(actor=editor, survey=demo_survey, section=section, task=task, code="NEW-1",
                              task_fields=FIELDS, steps=STEPS[:1])
    assert task.hours == pytest.approx(100) and task.steps.count() == 1
    event = AuditEvent.objects.filter(action="task.update").latest("id")
    assert event.changes["hours"] == [115.0, 100.0] and event.actor == editor


def test_validation_errors_name_the_step_and_field(demo_survey, users):
    with pytest.raises(ApplicationError) as exc:
        services.task_save(actor=users["section_editor"], survey=demo_survey, section=users["section"], task=None,
                           code="NEW-2", task_fields=FIELDS, steps=[{"step_name": "受付", "step_kind": "受付", "minutes": "たくさん", "cases": 3}])
    detail = exc.value.details[0]
    assert detail["row"] == 2 and detail["column"].startswith("1件当たり時間") and "時間として読み取れません" in detail["message"]
    assert not Task.objects.filter(code="NEW-2").exists()


def test_submit_confirm_and_close(demo_survey, users):
    section = users["section"]
    services.task_save(actor=users["section_editor"], survey=demo_survey, section=section, task=None, code="NEW-3",
                       task_fields=FIELDS, steps=STEPS)
    services.section_submit(actor=users["section_editor"], survey=demo_survey, section=section)
    with pytest.raises(ApplicationError):  # a 係 editor cannot confirm its own answer
        services.section_confirm(actor=users["section_editor"], survey=demo_survey, section=section)
    services.section_confirm(actor=users["division_editor"], survey=demo_survey, section=section)
    assert SectionResponse.objects.get(survey=demo_survey, section=section).status == "confirmed"
    with pytest.raises(ApplicationError) as exc:  # confirmed: the 係 can no longer edit
        services.task_delete(actor=users["section_editor"], task=Task.objects.get(code="NEW-3"))
    assert exc.value.code == "section_confirmed"
    with pytest.raises(ApplicationError):
        services.survey_status_set(actor=users["division_editor"], survey=demo_survey, status="closed")
    services.survey_status_set(actor=users["dx"], survey=demo_survey, status="closed")
    with pytest.raises(ApplicationError) as exc:
        services.task_save(actor=users["section_editor"], survey=demo_survey, section=section, task=None, code="NEW-4",
                           task_fields=FIELDS, steps=STEPS)
    assert exc.value.code == "survey_not_open"
    with pytest.raises(ApplicationError):
        services.survey_status_set(actor=users["dx"], survey=demo_survey, status="preparing")


def test_entry_form_post_creates_a_task(client, demo_survey, users):
    client.force_login(users["section_editor"])
    section = users["section"]
    url = reverse("survey:entry_task_new", args=[demo_survey.pk, section.pk])
    data = {"task_code": "WEB-1", "task_name": "旅費の精算", "core": "ノンコア", "routine": "定型", "expertise": "無",
            "step-step_name": ["請求の受付", "審査", ""], "step-step_kind": ["受付", "審査・確認", ""],
            "step-minutes": ["10", "20", ""], "step-cases": ["60", "60", ""], "step-medium": ["紙", "紙", ""],
            "step-seal": ["", "", ""], "step-system": ["", "", ""], "step-worker": ["", "", ""],
            "step-hours": ["", "", ""], "step-note": ["", "", ""]}
    response = client.post(url, data)
    assert response.status_code == 302
    task = Task.objects.get(code="WEB-1", section=section)
    assert task.hours == pytest.approx(30.0) and task.step_count == 2
    data["step-minutes"] = ["10", "abc", ""]
    response = client.post(reverse("survey:entry_task", args=[demo_survey.pk, section.pk, task.pk]), data)
    assert response.status_code == 200 and "時間として読み取れません" in response.content.decode()
    task.refresh_from_db()
    assert task.hours == pytest.approx(30.0)


def test_response_rate_counts_submitted_sections(demo_survey, users):
    rates = selectors.response_rates(user=users["dx"], survey=demo_survey)
    bureaus = [r for r in rates if r["unit"].kind == "bureau"]
    total = sum(r["sections"] for r in bureaus)
    submitted = SectionResponse.objects.filter(survey=demo_survey, status__in=["submitted", "confirmed"]).count()
    assert sum(r["submitted"] for r in bureaus) == submitted and 0 < submitted < total
