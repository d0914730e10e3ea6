"""Browser journeys of 業務フロー・マニュアル: edit a flow in bpmn-js and save it, write a manual and see its section
from the flow, compare As-Is with To-Be, find a 業務 by a Japanese phrase, hand over 業務 to a successor."""

from __future__ import annotations

import re

import pytest

from civicdx.core.models import User
from civicdx.flows.models import Flow, Handover, Manual
from civicdx.flows.services import flows_generate
from civicdx.survey.models import Task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def flows_city(city):
    flows_generate(survey=city, actor=None)
    kakari = User.objects.get(username="kakari")
    task = Task.objects.filter(survey=city, section=kakari.org_unit, step_count__gte=3).order_by("id").first()
    return city, task, Flow.objects.get(kind=Flow.Kind.AS_IS, **Flow.key_of(task))


def _shape_x(page, element_id: str) -> float:
    return page.evaluate("id => document.querySelector('[data-flow-editor]').civicdxModeler"
                         ".get('elementRegistry').get(id).x", element_id)


def test_move_a_task_save_reload_and_it_stayed_moved(flows_city, login, live_server):
    _city, task, flow = flows_city
    page = login("kakari")
    page.goto(f"{live_server.url}/flows/flow/{flow.pk}/")
    page.wait_for_selector("[data-flow-editor][data-ready='1']")
    before = _shape_x(page, "Activity_2")
    box = page.locator('[data-element-id="Activity_2"]').first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 20, cy + 4, steps=4)
    page.mouse.move(cx + 45, cy + 6, steps=4)
    page.mouse.up()
    assert _shape_x(page, "Activity_2") > before + 10
    assert page.locator("[data-action=save]").is_enabled()
    page.fill("[data-role=comment]", "受付の位置を右へ")
    page.click("[data-action=save]")
    page.wait_for_function("document.querySelector('[data-role=status]').textContent.includes('第2版')")
    flow.refresh_from_db()
    assert flow.version_no == 2
    assert flow.versions.get(no=2).comment == "受付の位置を右へ"

    page.reload()
    page.wait_for_selector("[data-flow-editor][data-ready='1']")
    assert _shape_x(page, "Activity_2") > before + 10
    # Undo is one click away in the editor.
    page.locator('[data-element-id="Activity_3"]').first.click()
    assert page.locator("[data-role=panel-title]").inner_text()


def test_manual_section_is_shown_from_the_flow_and_back(flows_city, login, live_server):
    _city, task, flow = flows_city
    page = login("kakari")
    page.goto(f"{live_server.url}/flows/task/{task.pk}/manual/edit/")
    body = page.locator("[data-testid=manual-textarea]").input_value()
    assert "{#Activity_1}" in body  # the draft has one section per task of the flow
    page.locator("[data-testid=manual-textarea]").fill(
        body.replace("（手順、注意点、使う様式を書いてください。）", "申請書の記載漏れを確認する。", 1))
    page.click("form:has(textarea) button[type=submit]")
    page.wait_for_selector("[data-testid=manual-body]")
    assert Manual.objects.get(**Manual.key_of(task)).version_no == 1
    page.locator("[data-testid=manual-body] .manual-flow-link").first.click()
    page.wait_for_selector("[data-flow-editor][data-ready='1']")
    assert "#task=Activity_1" in page.url
    assert "申請書の記載漏れを確認する" in page.locator("[data-role=panel-manual]").inner_text()


def test_to_be_shows_the_saving_and_the_comparison_colours_the_diagram(flows_city, login, live_server):
    _city, task, flow = flows_city
    page = login("kakari")
    page.goto(f"{live_server.url}/flows/task/{task.pk}/")
    page.fill("input[name=title]", "改善案: 電子申請")
    page.click("text=現行を写して改善案を作る")
    page.wait_for_selector("[data-flow-editor][data-ready='1']")
    to_be = Flow.objects.get(kind=Flow.Kind.TO_BE, **Flow.key_of(task))
    # Halve the minutes of the first task in the side panel, then save.
    page.locator('[data-element-id="Activity_1"]').first.click()
    minutes = page.locator("[data-attr=minutes]")
    old = float(minutes.input_value())
    minutes.fill(str(old / 2))
    minutes.press("Tab")
    page.click("[data-action=save]")
    page.wait_for_function("document.querySelector('[data-role=status]').textContent.includes('第2版')")
    to_be.refresh_from_db()
    assert to_be.hours < flow.hours

    page.goto(f"{live_server.url}/flows/task/{task.pk}/")
    delta = page.locator("[data-testid=delta]").inner_text()
    assert delta.startswith("-")
    page.click("text=現行と比較")
    page.wait_for_selector("[data-testid=diff-b][data-ready='1']")
    assert page.locator("[data-testid=diff-b] .djs-element.diff-changed").count() == 1
    assert "1件当たり時間(分)" in page.locator("[data-testid=diff-table]").inner_text()


def test_search_then_handover_signed_by_the_successor(flows_city, login, live_server):
    city, task, _flow = flows_city
    page = login("kakari")
    page.goto(f"{live_server.url}/flows/{city.pk}/search/")
    page.fill("input[name=q]", task.name)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=search-results]")
    assert task.name in page.locator("[data-testid=search-results] li").first.inner_text()
    assert page.locator("[data-testid=search-results] mark").count() >= 1

    page.goto(f"{live_server.url}/flows/{city.pk}/handover/new/")
    page.locator("input[name=task]").nth(0).check()
    page.locator("input[name=task]").nth(1).check()
    successor = User.objects.get(username="kakaricho")
    page.select_option("[data-testid=successor]", str(successor.pk))
    page.click("button[type=submit]:has-text('引継書を作る')")
    page.wait_for_selector("[data-testid=handover-body]")
    text = page.locator("[data-testid=handover-body]").inner_text()
    assert "年間スケジュール" in text and task.name in text
    handover = Handover.objects.get()
    assert handover.status == Handover.Status.DRAFT and len(handover.task_ids) == 2

    other = login("kakaricho")
    other.goto(f"{live_server.url}/flows/handover/{handover.pk}/")
    other.click("text=引継ぎを受けたことを確認する")
    other.wait_for_selector("[data-testid=handover-status]")
    assert re.search("引継完了", other.locator("[data-testid=handover-status]").inner_text())
    handover.refresh_from_db()
    assert handover.status == Handover.Status.SIGNED
