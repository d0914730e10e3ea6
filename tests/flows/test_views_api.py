"""Pages and REST endpoints of 業務フロー・マニュアル: login, roles and organisation scope on every one of them."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from docx import Document

from civicdx.core.services import api_token_create
from civicdx.flows import bpmn
from civicdx.flows.models import Flow, Handover, Manual
from civicdx.flows.services import flow_update_settings, manual_save

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def as_is(world, code: str) -> Flow:
    return Flow.objects.get(kind=Flow.Kind.AS_IS, **Flow.key_of(world.task(code)))


def test_every_page_needs_login(generated):
    flow = as_is(generated, "A-1")
    anonymous = Client()
    for url in (f"/flows/{generated.survey.pk}/", f"/flows/{generated.survey.pk}/search/?q=人事",
                f"/flows/task/{generated.task('A-1').pk}/", f"/flows/flow/{flow.pk}/", f"/flows/flow/{flow.pk}/xml",
                f"/flows/task/{generated.task('A-1').pk}/manual/", "/flows/handover/"):
        response = anonymous.get(url)
        assert response.status_code in (302, 401), url
        assert "/login" in response.get("Location", ""), url
    assert anonymous.get(f"/api/flows/{flow.pk}/xml").status_code == 401


def test_pages_open_for_a_colleague_of_another_section(generated):
    """Flows and manuals are readable city-wide: the editor of 係B opens 係A's pages (and cannot save)."""
    manual_save(task=generated.task("A-1"), body="# 手順\n\n## 受付 {#Activity_1}\n\n本人確認をする。",
                actor=generated.editor_a)
    flow = as_is(generated, "A-1")
    c = client_for(generated.editor_b)
    for url in (f"/flows/{generated.survey.pk}/", f"/flows/{generated.survey.pk}/stale/",
                f"/flows/task/{generated.task('A-1').pk}/", f"/flows/flow/{flow.pk}/",
                f"/flows/flow/{flow.pk}/compare/?a=1&b=1", f"/flows/task/{generated.task('A-1').pk}/manual/",
                f"/flows/flow/{flow.pk}/png"):
        assert c.get(url).status_code == 200, url
    page = c.get(f"/flows/flow/{flow.pk}/").content.decode()
    assert 'data-editable="0"' in page and "本人確認をする" in page
    xml = flow.versions.get(no=1).xml
    response = c.post(f"/flows/flow/{flow.pk}/xml", data=xml, content_type="application/xml")
    assert response.status_code == 403 and response.json()["ok"] is False
    assert c.get(f"/flows/task/{generated.task('A-1').pk}/manual/edit/").status_code == 403


def test_save_through_the_page_endpoint_reports_every_problem(generated):
    flow = as_is(generated, "A-1")
    c = client_for(generated.editor_a)
    xml = flow.versions.get(no=1).xml
    broken = xml.replace('<bpmn:endEvent id="EndEvent_1"', '<bpmn:intermediateThrowEvent id="EndEvent_1"').replace(
        "</bpmn:endEvent>", "</bpmn:intermediateThrowEvent>")
    response = c.post(f"/flows/flow/{flow.pk}/xml", data=broken.encode(), content_type="application/xml")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "終了イベントがありません。" in errors and any("出ていくフローがありません" in e for e in errors)
    flow.refresh_from_db()
    assert flow.version_no == 1
    response = c.post(f"/flows/flow/{flow.pk}/xml", data=xml.encode(), content_type="application/xml",
                      HTTP_X_COMMENT="%E7%A2%BA%E8%AA%8D")
    assert response.status_code == 200 and response.json()["version"] == 2
    assert flow.versions.get(no=2).comment == "確認"


def test_restricted_flow_hides_the_survey_answers_from_other_units(generated):
    task = generated.task("A-1")
    flow_update_settings(flow=as_is(generated, "A-1"), actor=generated.editor_a, restricted=True)
    outsider = client_for(generated.editor_b).get(f"/flows/task/{task.pk}/").content.decode()
    insider = client_for(generated.editor_a).get(f"/flows/task/{task.pk}/").content.decode()
    step_name = task.steps.order_by("no").first().name
    assert step_name in insider and step_name not in outsider
    assert client_for(generated.editor_b).get(f"/flows/flow/{as_is(generated, 'A-1').pk}/").status_code == 403


def test_dx_generates_missing_flows_as_a_job(world, django_capture_on_commit_callbacks):
    c = client_for(world.dx)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(f"/flows/{world.survey.pk}/generate/")
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    assert Flow.objects.filter(kind=Flow.Kind.AS_IS).count() == 9
    assert client_for(world.editor_a).post(f"/flows/{world.survey.pk}/generate/").status_code == 403


def test_manual_exports_are_word_and_pdf_with_the_flow(generated):
    task = generated.task("A-1")
    manual_save(task=task, body="# マニュアル\n\n## 受付 {#Activity_1}\n\n- 本人確認\n- 手数料", actor=generated.editor_a)
    c = client_for(generated.viewer)
    docx = c.get(f"/flows/task/{task.pk}/manual.docx")
    assert docx.status_code == 200
    doc = Document(io.BytesIO(docx.content))
    assert "本人確認" in "\n".join(p.text for p in doc.paragraphs) and len(doc.inline_shapes) == 1
    pdf = c.get(f"/flows/task/{task.pk}/manual.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_handover_only_for_own_tasks_and_only_parties_see_it(generated):
    c = client_for(generated.editor_a)
    mine, theirs = generated.task("A-1"), generated.task("B-1")
    response = c.post(f"/flows/{generated.survey.pk}/handover/new/",
                      {"task": [str(mine.pk)], "successor": str(generated.successor_a.pk)})
    assert response.status_code == 302
    handover = Handover.objects.get()
    assert handover.task_ids == [mine.pk]
    # 係B's 業務 is not offered to 係A's editor, and a forged POST is refused by the service.
    page = c.get(f"/flows/{generated.survey.pk}/handover/new/?unit={generated.units['B'].pk}")
    assert page.status_code == 403 and Handover.objects.count() == 1
    assert theirs.name not in c.get(f"/flows/{generated.survey.pk}/handover/new/").content.decode()
    assert client_for(generated.editor_b).get(f"/flows/handover/{handover.pk}/").status_code == 404
    for user in (generated.successor_a, generated.chief_a, generated.dx):
        assert client_for(user).get(f"/flows/handover/{handover.pk}/").status_code == 200
    export = client_for(generated.successor_a).get(f"/flows/handover/{handover.pk}.docx")
    assert export.status_code == 200
    assert any(mine.name in cell.text for table in Document(io.BytesIO(export.content)).tables
               for row in table.rows for cell in row.cells)


def test_rest_api_flows_and_manuals_with_a_token(generated):
    task = generated.task("A-1")
    flow = as_is(generated, "A-1")
    token = api_token_create(actor=generated.editor_a, user=generated.editor_a, name="test")
    c = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    listing = c.get(f"/api/tasks/{task.pk}/flows").json()
    assert [f["kind"] for f in listing["flows"]] == ["asis"]
    xml = c.get(f"/api/flows/{flow.pk}/xml").content.decode()
    assert bpmn.parse(xml).semantics() == bpmn.parse(flow.versions.get(no=1).xml).semantics()
    response = c.put(f"/api/flows/{flow.pk}/xml?comment=API", data=xml, content_type="application/xml")
    assert response.status_code == 200 and response.json()["version"] == 2
    response = c.put(f"/api/flows/{flow.pk}/xml", data="<nope", content_type="application/xml")
    assert response.status_code == 422 and "行目" in json.dumps(response.json(), ensure_ascii=False)
    assert c.get(f"/api/tasks/{task.pk}/manual").status_code == 404
    response = c.put(f"/api/tasks/{task.pk}/manual", data=json.dumps({"body": "# 人事\n\n採用の手順"}),
                     content_type="application/json")
    assert response.status_code == 200 and response.json()["version"] == 1
    assert c.get(f"/api/tasks/{task.pk}/manual").json()["body"] == "# 人事\n\n採用の手順"
    # the other section's token cannot write here
    other = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(actor=generated.editor_b, user=generated.editor_b, name='b')}")
    assert other.put(f"/api/flows/{flow.pk}/xml", data=xml, content_type="application/xml").status_code == 403
    assert other.put(f"/api/tasks/{task.pk}/manual", data=json.dumps({"body": "x"}),
                     content_type="application/json").status_code == 403
    assert Manual.objects.get(**Manual.key_of(task)).version_no == 1
    found = other.get(f"/api/surveys/{generated.survey.pk}/flows/search", {"q": "採用の手順"}).json()
    assert [r["task_id"] for r in found["results"]] == [task.pk] and found["results"][0]["match"] == "manual"
