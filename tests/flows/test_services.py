"""civicdx.flows services, selectors and search on a real database with the hand-written survey of conftest.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from lxml import etree

from civicdx.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from civicdx.core.models import AuditEvent
from civicdx.flows import bpmn, search, selectors, services
from civicdx.flows.models import Flow, FlowVersion, Handover, Manual, ManualVersion, SearchDoc
from tests.flows.conftest import EXPECTED_HOURS, PATH_A

pytestmark = pytest.mark.django_db

NS = {"bpmn": bpmn.BPMN_NS, "bpmndi": bpmn.BPMNDI_NS, "dc": bpmn.DC_NS, "civicdx": bpmn.CIVICDX_NS}


def as_is(world, code: str) -> Flow:
    task = world.task(code)
    return Flow.objects.get(municipality_id=world.survey.municipality_id, section_path=task.section.path,
                            task_code=task.code, kind=Flow.Kind.AS_IS)


def current_xml(flow: Flow) -> str:
    return services.version_xml(flow)


def edited(xml: str, fn) -> str:
    root = etree.fromstring(xml.encode("utf-8"))
    fn(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")


def set_step(task_id: str, **attrs):
    def fn(root):
        (step,) = root.xpath(f"//*[@id='{task_id}']/bpmn:extensionElements/civicdx:step", namespaces=NS)
        for k, v in attrs.items():
            step.set(k, str(v))
    return fn


def rename(task_id: str, name: str):
    def fn(root):
        (el,) = root.xpath(f"//*[@id='{task_id}']", namespaces=NS)
        el.set("name", name)
    return fn


def codes(world, user, query: str) -> list[str]:
    rows = selectors.search_results(user=user, survey=world.survey, query=query)["rows"]
    return [r["task"].code for r in rows]


# ---------------------------------------------------------------------------------------------------------------
# flows_generate
# ---------------------------------------------------------------------------------------------------------------

def test_generate_one_as_is_flow_per_task_and_idempotent(world):
    result = services.flows_generate(survey=world.survey, actor=world.dx)
    assert result == {"created": 9, "already": 0}
    flows = Flow.objects.filter(municipality_id=world.survey.municipality_id)
    assert flows.count() == 9 and set(flows.values_list("kind", flat=True)) == {Flow.Kind.AS_IS}
    assert FlowVersion.objects.count() == 9 and set(FlowVersion.objects.values_list("no", flat=True)) == {1}
    for code, hours in EXPECTED_HOURS.items():
        flow = as_is(world, code)
        assert flow.version_no == 1 and flow.hours == pytest.approx(hours), code
        model = bpmn.parse_checked(current_xml(flow))
        assert model.hours() == pytest.approx(hours)
        assert flow.task_count == len(model.tasks()) == world.task(code).steps.count()
        assert flow.task_names.split("\n") == [t.name for t in model.tasks()]
        assert flow.versions.get().hours == pytest.approx(hours)
    a1 = bpmn.parse(current_xml(as_is(world, "A-1")))
    assert [t.name for t in a1.tasks()] == ["申込書の受付", "受験票の発送", "合否の決裁"]
    assert [t.lane for t in a1.tasks()] == ["窓口", "人事係", "課長決裁"]
    # the same 業務ID in two 係 gives two flows
    assert Flow.objects.filter(task_code="K-1").count() == 2
    assert AuditEvent.objects.filter(action="flows.generate").count() == 1
    assert SearchDoc.objects.filter(survey=world.survey).count() == 9

    again = services.flows_generate(survey=world.survey, actor=world.dx)
    assert again == {"created": 0, "already": 9}
    assert Flow.objects.count() == 9 and FlowVersion.objects.count() == 9


def test_generate_permissions(world):
    with pytest.raises(PermissionDeniedError):
        services.flows_generate(survey=world.survey, actor=world.editor_a)  # the whole survey: DX office only
    with pytest.raises(PermissionDeniedError):
        services.flows_generate(survey=world.survey, actor=world.editor_b, section_paths=[PATH_A])
    with pytest.raises(PermissionDeniedError):
        services.flows_generate(survey=world.survey, actor=world.viewer, section_paths=[PATH_A])
    assert Flow.objects.count() == 0
    result = services.flows_generate(survey=world.survey, actor=world.editor_a, section_paths=[PATH_A])
    assert result == {"created": 4, "already": 0}
    assert set(Flow.objects.values_list("section_path", flat=True)) == {PATH_A}
    assert services.flows_generate(survey=world.survey, actor=world.dx) == {"created": 5, "already": 4}


# ---------------------------------------------------------------------------------------------------------------
# flow_save
# ---------------------------------------------------------------------------------------------------------------

def test_flow_save_makes_a_new_version_and_updates_hours(generated):
    w = generated
    flow = as_is(w, "A-1")
    xml = edited(current_xml(flow), set_step("Activity_1", minutes=20))   # +10 min × 120 = +20 h
    version = services.flow_save(flow=flow, xml=xml, actor=w.editor_a, comment="受付時間を実測で修正")
    flow.refresh_from_db()
    assert version.no == 2 and flow.version_no == 2
    assert flow.hours == pytest.approx(56.0) and version.hours == pytest.approx(56.0)
    assert [v.no for v in flow.versions.all()] == [2, 1]
    assert services.version_xml(flow, 1) != services.version_xml(flow) == xml
    assert version.comment == "受付時間を実測で修正" and version.created_by == w.editor_a
    event = AuditEvent.objects.filter(action="flow.save").get()
    assert event.changes["version"] == [1, 2] and event.changes["hours"] == [36.0, 56.0]
    # the 係長 and the DX office may save too; bytes with a BOM are fine
    services.flow_save(flow=flow, xml=b"\xef\xbb\xbf" + xml.encode("utf-8"), actor=w.chief_a)
    services.flow_save(flow=flow, xml=xml, actor=w.dx)
    flow.refresh_from_db()
    assert flow.version_no == 4


@pytest.mark.parametrize("broken,message", [
    ("<bpmn:definitions", "XML として読めません"),
    ("<?xml version='1.0'?><root/>", "BPMN 2.0 の文書ではありません"),
    ("two_starts", "開始イベントは1つにしてください（現在 2 個）。"),
    ("negative", "の minutes「-3」は0以上の数値にしてください。"),
    ("cp932", "ファイルが UTF-8 ではありません"),
])
def test_flow_save_refuses_broken_xml_and_writes_nothing(generated, broken, message):
    w = generated
    flow = as_is(w, "A-1")
    xml = current_xml(flow)
    if broken == "two_starts":
        data = edited(xml, lambda r: _retag(r, "endEvent", "startEvent"))
    elif broken == "negative":
        data = edited(xml, set_step("Activity_2", minutes=-3))
    elif broken == "cp932":
        data = xml.replace('encoding="UTF-8"', 'encoding="Shift_JIS"').encode("cp932")
    else:
        data = broken
    with pytest.raises(bpmn.BpmnError) as info:
        services.flow_save(flow=flow, xml=data, actor=w.editor_a)
    assert any(message in m for m in info.value.messages), info.value.messages
    flow.refresh_from_db()
    assert flow.version_no == 1 and flow.hours == pytest.approx(36.0) and flow.task_count == 3
    assert FlowVersion.objects.filter(flow=flow).count() == 1
    assert not AuditEvent.objects.filter(action="flow.save").exists()


def _retag(root, old: str, new: str):
    for el in root.xpath(f"//bpmn:{old}", namespaces=NS):
        el.tag = f"{{{bpmn.BPMN_NS}}}{new}"


@pytest.mark.parametrize("who", ["editor_b", "viewer", "viewer_c", "successor_a_of_other_municipality"])
def test_flow_save_permission(generated, who):
    w = generated
    flow = as_is(w, "A-1")
    if who == "successor_a_of_other_municipality":
        from civicdx.core.models import Municipality

        other = Municipality.objects.create(name="他市", lg_code="131016")
        user = w.successor_a
        user.municipality = other
        user.save()
    else:
        user = getattr(w, who)
    with pytest.raises(PermissionDeniedError):
        services.flow_save(flow=flow, xml=current_xml(flow), actor=user)
    flow.refresh_from_db()
    assert flow.version_no == 1


def test_flow_create_generates_from_the_steps_when_no_xml_is_given(generated):
    w = generated
    Flow.objects.filter(task_code="B-1").delete()
    with pytest.raises(PermissionDeniedError):
        services.flow_create(task=w.task("B-1"), actor=w.editor_a)
    flow = services.flow_create(task=w.task("B-1"), actor=w.editor_b)
    assert (flow.kind, flow.title, flow.version_no, flow.task_count) == (Flow.Kind.AS_IS, "現行フロー", 1, 3)
    assert flow.hours == pytest.approx(66.0)
    model = bpmn.parse(current_xml(flow))
    assert [t.lane for t in model.tasks()] == ["給与係", "システム", "委託先"]
    assert current_xml(flow) == services.flow_xml_for_task(w.task("B-1"))


# ---------------------------------------------------------------------------------------------------------------
# Restricted flows, To-Be flows
# ---------------------------------------------------------------------------------------------------------------

def test_restricted_flow_is_read_only_by_its_unit(generated):
    w = generated
    flow = as_is(w, "A-3")
    with pytest.raises(PermissionDeniedError):
        services.flow_update_settings(flow=flow, actor=w.editor_b, restricted=True)
    services.flow_update_settings(flow=flow, actor=w.editor_a, restricted=True, title="懲戒処分フロー")
    flow.refresh_from_db()
    assert flow.restricted and flow.title == "懲戒処分フロー"
    for user in (w.editor_a, w.chief_a, w.viewer, w.dx):  # its 係, its 課, the DX office
        assert selectors.flow_get(user=user, flow_id=flow.pk) == flow
        assert selectors.task_flows(user=user, task=w.task("A-3")) == [flow]
    for user in (w.editor_b, w.viewer_c):
        with pytest.raises(PermissionDeniedError):
            selectors.flow_get(user=user, flow_id=flow.pk)
        assert selectors.task_flows(user=user, task=w.task("A-3")) == []
    # unrestricted flows of 係A stay readable by everyone in the municipality
    assert selectors.flow_get(user=w.editor_b, flow_id=as_is(w, "A-1").pk)
    with pytest.raises(NotFoundError):
        selectors.flow_get(user=w.dx, flow_id=999999)


def test_to_be_flow_shows_the_saving(generated):
    w = generated
    task = w.task("A-1")
    base = as_is(w, "A-1")
    with pytest.raises(ApplicationError) as info:
        services.flow_create(task=task, actor=w.editor_a)           # a second As-Is
    assert info.value.code == "flow_exists"
    with pytest.raises(PermissionDeniedError):
        services.flow_create(task=task, actor=w.editor_b, kind=Flow.Kind.TO_BE, from_flow=base)
    tobe = services.flow_create(task=task, actor=w.editor_a, kind=Flow.Kind.TO_BE, from_flow=base)
    assert tobe.kind == Flow.Kind.TO_BE and tobe.title == "改善案1" and tobe.version_no == 1
    assert tobe.hours == pytest.approx(36.0)
    assert bpmn.parse(current_xml(tobe)).semantics() == bpmn.parse(current_xml(base)).semantics()
    # 受付 10 → 2 minutes (−16 h) and 決裁 30 → 15 minutes (−3 h)
    xml = edited(edited(current_xml(tobe), set_step("Activity_1", minutes=2)), set_step("Activity_3", minutes=15))
    services.flow_save(flow=tobe, xml=xml, actor=w.editor_a, comment="電子申請化")
    overview = selectors.task_overview(user=w.editor_a, task=task)
    rows = {r["flow"].kind: r for r in overview["flows"]}
    assert rows[Flow.Kind.AS_IS]["delta"] is None
    assert rows[Flow.Kind.TO_BE]["delta"] == pytest.approx(-19.0)
    assert rows[Flow.Kind.TO_BE]["delta_pct"] == pytest.approx(-19.0 / 36.0 * 100)
    assert overview["as_is"] == base and overview["can_edit"] and not overview["can_approve"]
    assert [round(r["flow"].hours, 1) for r in overview["flows"]] == [36.0, 17.0]
    assert not selectors.task_overview(user=w.editor_b, task=task)["can_edit"]
    assert selectors.task_overview(user=w.chief_a, task=task)["can_approve"]
    second = services.flow_create(task=task, actor=w.dx, kind=Flow.Kind.TO_BE, from_flow=tobe)
    assert second.title == "改善案2" and second.hours == pytest.approx(17.0)
    # compare: As-Is v1 against To-Be v2
    diff = selectors.flow_compare(base, 1, tobe, 2)
    assert {c.id for c in diff.changed} == {"Activity_1", "Activity_3"} and diff.hours_delta == pytest.approx(-19.0)
    # an As-Is cannot be deleted, a To-Be can
    with pytest.raises(ApplicationError):
        services.flow_delete(flow=base, actor=w.editor_a)
    services.flow_delete(flow=second, actor=w.editor_a)
    assert not Flow.objects.filter(pk=second.pk).exists()


# ---------------------------------------------------------------------------------------------------------------
# Manuals
# ---------------------------------------------------------------------------------------------------------------

def test_manual_versions_conflicts_and_approval(generated):
    w = generated
    task = w.task("A-1")
    m = services.manual_save(task=task, body="# 採用試験\n\n初版", actor=w.editor_a, comment="初版")
    assert (m.version_no, m.status, m.owner) == (1, Manual.Status.DRAFT, w.editor_a)
    m = services.manual_save(task=task, body="# 採用試験\n\n第2版", actor=w.editor_a, expected_no=1)
    assert m.version_no == 2
    assert [v.no for v in m.versions.all()] == [2, 1]
    # a colleague still editing version 1
    with pytest.raises(ApplicationError) as info:
        services.manual_save(task=task, body="# 採用試験\n\n古い版から", actor=w.successor_a, expected_no=1)
    assert info.value.code == "manual_conflict" and "版 2" in info.value.message
    # saving the same body again adds no version
    assert services.manual_save(task=task, body="# 採用試験\n\n第2版", actor=w.editor_a).version_no == 2
    with pytest.raises(ApplicationError) as info:
        services.manual_save(task=task, body="本文\x00", actor=w.editor_a)
    assert info.value.code == "manual_invalid"
    for outsider in (w.editor_b, w.viewer):
        with pytest.raises(PermissionDeniedError):
            services.manual_save(task=task, body="他係", actor=outsider)
    assert ManualVersion.objects.filter(manual=m).count() == 2

    with pytest.raises(ApplicationError):
        services.manual_approve(manual=m, actor=w.chief_a)      # not submitted yet
    services.manual_submit(manual=m, actor=w.editor_a)
    m.refresh_from_db()
    assert m.status == Manual.Status.REVIEW
    with pytest.raises(ApplicationError):
        services.manual_submit(manual=m, actor=w.editor_a)      # already in review
    with pytest.raises(PermissionDeniedError):
        services.manual_approve(manual=m, actor=w.editor_a)     # the author, without approval rights
    with pytest.raises(PermissionDeniedError):
        services.manual_approve(manual=m, actor=w.editor_b)
    # sent back, resubmitted, approved by the 係長
    services.manual_approve(manual=m, actor=w.chief_a, send_back=True)
    m.refresh_from_db()
    assert m.status == Manual.Status.DRAFT and m.approved_no is None
    services.manual_submit(manual=m, actor=w.editor_a)
    m.refresh_from_db()
    services.manual_approve(manual=m, actor=w.chief_a)
    m.refresh_from_db()
    assert m.status == Manual.Status.APPROVED and m.approved_no == 2
    assert m.last_reviewed_at == timezone.localdate()
    v2 = m.versions.get(no=2)
    assert v2.approved_by == w.chief_a and v2.approved_at is not None
    assert selectors.manual_state(m) == "承認済み"
    assert selectors.manual_state(m, today=timezone.localdate() + dt.timedelta(days=400)) == "要見直し"
    # an edit after approval starts a new draft; the approved version stays recorded
    m = services.manual_save(task=task, body="# 採用試験\n\n第3版", actor=w.editor_a)
    assert (m.version_no, m.status, m.approved_no) == (3, Manual.Status.DRAFT, 2)
    assert selectors.manual_state(m) == "作成中"


def test_author_cannot_approve_own_version(generated):
    w = generated
    m = services.manual_save(task=w.task("A-2"), body="# 旅費\n\n係長が書いた版", actor=w.chief_a)
    services.manual_submit(manual=m, actor=w.chief_a)
    m.refresh_from_db()
    with pytest.raises(PermissionDeniedError) as info:
        services.manual_approve(manual=m, actor=w.chief_a)
    assert "自分が書いた版" in info.value.message
    m.refresh_from_db()
    assert m.status == Manual.Status.REVIEW
    services.manual_approve(manual=m, actor=w.dx)
    m.refresh_from_db()
    assert m.status == Manual.Status.APPROVED and m.versions.get(no=1).approved_by == w.dx


def _coverage_fixture(w):
    """A-1 approved, A-2 draft, B-2 in review; nothing else has a manual."""
    m1 = services.manual_save(task=w.task("A-1"), body="# A-1", actor=w.editor_a)
    services.manual_submit(manual=m1, actor=w.editor_a)
    m1.refresh_from_db()
    services.manual_approve(manual=m1, actor=w.chief_a)
    services.manual_save(task=w.task("A-2"), body="# A-2", actor=w.editor_a)
    m3 = services.manual_save(task=w.task("B-2"), body="# B-2", actor=w.editor_b)
    services.manual_submit(manual=m3, actor=w.editor_b)


def test_coverage_and_stale_tasks(generated):
    w = generated
    _coverage_fixture(w)
    rows = {r["division"]: r for r in selectors.coverage(user=w.dx, survey=w.survey)}
    assert set(rows) == {"人事課", "市民課"}
    jinji, shimin = rows["人事課"], rows["市民課"]
    assert (jinji["tasks"], jinji["flows"], jinji["manuals"], jinji["approved"], jinji["missing"]) == (6, 6, 3, 1, 3)
    assert jinji["manual_pct"] == pytest.approx(50.0)
    assert (shimin["tasks"], shimin["flows"], shimin["manuals"], shimin["approved"], shimin["missing"]) == (3, 3, 0, 0, 3)
    # a year on, the approved one needs a review
    later = timezone.localdate() + dt.timedelta(days=400)
    later_rows = {r["division"]: r for r in selectors.coverage(user=w.dx, survey=w.survey, today=later)}
    assert later_rows["人事課"]["approved"] == 1

    stale = selectors.stale_tasks(user=w.dx, survey=w.survey, division=w.units["div"])
    assert [(i["task"].code, i["state"]) for i in stale] == [
        ("A-2", "作成中"), ("A-3", "なし"), ("K-1", "なし"), ("B-1", "なし"), ("B-2", "承認待ち")]
    stale_later = selectors.stale_tasks(user=w.dx, survey=w.survey, division=w.units["div"], today=later)
    assert ("A-1", "要見直し") in [(i["task"].code, i["state"]) for i in stale_later]
    assert len(stale_later) == 6
    # mark reviewed resets the clock
    m1 = Manual.objects.get(task_code="A-1")
    with pytest.raises(PermissionDeniedError):
        services.manual_mark_reviewed(manual=m1, actor=w.editor_a)
    services.manual_mark_reviewed(manual=m1, actor=w.chief_a)
    with pytest.raises(PermissionDeniedError):
        selectors.coverage(user=_other_municipality_user(), survey=w.survey)


def _other_municipality_user():
    from civicdx.core.models import Municipality, User

    other = Municipality.objects.create(name="他市", lg_code="131016")
    return User.objects.create_user(username="other", password="x", role=User.Role.DX, municipality=other)


def test_coverage_stale_agrees_with_manual_state(generated):
    w = generated
    _coverage_fixture(w)
    for today in (None, timezone.localdate() + dt.timedelta(days=400)):
        rows = {r["division"]: r for r in selectors.coverage(user=w.dx, survey=w.survey, today=today)}
        states = [selectors.manual_state(m, today) for m in Manual.objects.all()]
        assert rows["人事課"]["stale"] == states.count("要見直し")


# ---------------------------------------------------------------------------------------------------------------
# 引継書
# ---------------------------------------------------------------------------------------------------------------

def test_handover_create_update_sign(generated):
    w = generated
    _coverage_fixture(w)
    tasks = [w.task("A-1"), w.task("A-2"), w.task("K-1@A")]
    with pytest.raises(ApplicationError):
        services.handover_create(actor=w.editor_a, survey=w.survey, tasks=[])
    h = services.handover_create(actor=w.editor_a, survey=w.survey, tasks=tasks, successor=w.successor_a,
                                 title="人事係 採用担当の引継ぎ")
    assert h.status == Handover.Status.DRAFT and h.task_ids == [t.pk for t in tasks]
    assert h.org_unit == w.units["A"] and h.author == w.editor_a and h.successor == w.successor_a
    body = h.body
    for t in tasks:
        assert f"## {t.name}（{t.code}）" in body
    assert "- 引き継ぐ業務: 3 件（年間 156 時間）" in body
    assert "## 年間スケジュール（繁忙月）" in body
    assert "| 職員採用試験の実施 |  |  | ● | ● |  |  |  |  |  |  |  |  |" in body
    assert "| 旅費の精算 | 通年 |" in body and "| 庁内照会への回答 | 通年 |" in body
    assert "1. 申込書の受付（窓口）\n2. 受験票の発送（人事係）\n3. 合否の決裁（課長決裁）" in body
    assert "マニュアル: 承認済み（最終確認 " in body
    assert "- ☐ マニュアルが作成中です（係長の承認が必要）。" in body
    assert "- ☐ マニュアルが未作成です。" in body
    assert "- 後任者: successor_a" in body

    with pytest.raises(PermissionDeniedError):
        services.handover_update(handover=h, actor=w.successor_a, body="後任者が書き換え")
    with pytest.raises(PermissionDeniedError):
        services.handover_update(handover=h, actor=w.viewer_c, body="無関係")
    services.handover_update(handover=h, actor=w.editor_a, body=body + "\n追記: 7月の試験会場は未予約。")
    h.refresh_from_db()
    assert h.body.endswith("7月の試験会場は未予約。")
    for not_successor in (w.editor_a, w.chief_a, w.dx):
        with pytest.raises(PermissionDeniedError):
            services.handover_sign(handover=h, actor=not_successor)
    h.refresh_from_db()
    assert h.status == Handover.Status.DRAFT and h.signed_at is None
    services.handover_sign(handover=h, actor=w.successor_a)
    h.refresh_from_db()
    assert h.status == Handover.Status.SIGNED and h.signed_at is not None
    with pytest.raises(ApplicationError) as info:
        services.handover_update(handover=h, actor=w.editor_a, body="署名後の変更")
    assert info.value.code == "handover_signed"
    # who sees it
    assert selectors.handover_get(user=w.successor_a, handover_id=h.pk) == h
    assert selectors.handover_get(user=w.viewer, handover_id=h.pk) == h
    with pytest.raises(NotFoundError):
        selectors.handover_get(user=w.viewer_c, handover_id=h.pk)


def test_handover_refuses_tasks_of_another_survey_or_successor_of_another_city(generated):
    w = generated
    other = _other_municipality_user()
    with pytest.raises(ApplicationError) as info:
        services.handover_create(actor=w.editor_a, survey=w.survey, tasks=[w.task("A-1")], successor=other)
    assert info.value.code == "handover_successor"


# ---------------------------------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------------------------------

MANUALS = {
    "B-2": "# 年末調整 業務マニュアル\n\n## 1. 申告書の配布 {#Activity_1}\n\n扶養控除等申告書を全職員に配布する。\n",
    "B-1": "# 給与計算\n\n年末調整との関係に注意する。\n\n- 振込は委託先が行う\n",
    "C-2": "# 転入届\n\n## 2. 住民票の作成 {#Activity_2}\n\nＲＰＡで住基システムへ転記する。\n",
    "A-3": "# 懲戒処分\n\n内部通報窓口からの情報は取り扱いに注意。\n",
}


@pytest.fixture
def searchable(generated):
    w = generated
    editors = {"A": w.editor_a, "B": w.editor_b, "C": w.dx}
    for code, body in MANUALS.items():
        services.manual_save(task=w.task(code), body=body, actor=editors[code[0]])
    manual = Manual.objects.get(task_code="A-3")
    services.manual_update_settings(manual=manual, actor=w.editor_a, restricted=True)
    return w


@pytest.mark.parametrize("query,expected", [
    ("住民票 交付", ["C-1"]),
    ("住民票の交付", ["C-1"]),
    ("旅費の精算", ["A-2"]),
    ("扶養控除", ["B-2"]),                        # only in a manual
    ("受験票", ["A-1"]),                          # only in a flow task name
    ("票", ["C-1", "C-2", "A-1"]),                # one character: 住民票 (name), 住民票の作成 (flow), 受験票 (flow)
    ("ＲＰＡ", ["C-2"]),                          # full width in the query and in the manual
    ("rpa", ["C-2"]),
    ("給与の計算", ["B-1"]),
    ("年末調整", ["B-2", "B-1"]),                 # 業務名 before a manual mention, though B-1 has more hours
    ("決裁", ["A-2", "A-1"]),                     # flow matches, larger 業務 first
    ("住民", ["C-2", "C-1"]),                     # both 業務名 (中分類 住民基本台帳), larger first
    ("庁内照会", ["K-1", "K-1"]),
    ("転記", ["C-2"]),                            # manual of C-2
    ("ドローン", []),
    ("", []),
    ("「」（）", []),
])
def test_search_finds_the_right_tasks(searchable, query, expected):
    assert codes(searchable, searchable.dx, query) == expected


def test_search_tiers_and_snippets(searchable):
    w = searchable
    result = selectors.search_results(user=w.dx, survey=w.survey, query="年末調整")
    assert result["total"] == 2 and result["terms"] == ["年末調整"]
    tiers = [(r["task"].code, r["tier"]) for r in result["rows"]]
    assert tiers == [("B-2", 3), ("B-1", 1)]
    b1 = result["rows"][1]
    assert [label for label, _ in b1["snippets"]] == ["マニュアル"]
    assert ("年末調整", True) in b1["snippets"][0][1]
    票 = selectors.search_results(user=w.dx, survey=w.survey, query="票")
    assert [(r["task"].code, r["tier"]) for r in 票["rows"]] == [("C-1", 3), ("C-2", 2), ("A-1", 2)]
    受験 = selectors.search_results(user=w.dx, survey=w.survey, query="受験票")["rows"][0]
    assert 受験["snippets"][0][0] == "フロー" and ("受験票", True) in 受験["snippets"][0][1]
    # paging
    hits, total, terms = search.search(survey=w.survey, query="票", scope=None, limit=1, offset=1)
    assert total == 3 and [h.task_id for h in hits] == [w.task("C-2").pk] and terms == ["票"]


def test_restricted_manual_is_found_only_inside_its_unit(searchable):
    w = searchable
    for user in (w.editor_a, w.chief_a, w.viewer, w.dx):
        assert codes(w, user, "内部通報") == ["A-3"], user
        assert codes(w, user, "懲戒処分") == ["A-3"]
    for user in (w.editor_b, w.viewer_c):
        assert codes(w, user, "内部通報") == [], user
        assert codes(w, user, "懲戒処分") == []
        assert selectors.search_results(user=user, survey=w.survey, query="内部通報")["total"] == 0
    # unrestricted manuals of other units are found by everyone
    assert codes(w, w.editor_b, "転記") == ["C-2"]
    # a restricted-manual hit found by 係A shows its manual snippet
    row = selectors.search_results(user=w.editor_a, survey=w.survey, query="内部通報")["rows"][0]
    assert [label for label, _ in row["snippets"]] == ["マニュアル"]


def test_index_follows_manual_and_flow_edits(searchable):
    w = searchable
    task = w.task("B-2")
    services.manual_save(task=task, body=MANUALS["B-2"].replace("扶養控除等申告書", "住宅ローン控除申告書"),
                         actor=w.editor_b)
    assert codes(w, w.dx, "扶養控除") == []
    assert codes(w, w.dx, "住宅ローン") == ["B-2"]
    # the previous manual words are gone, the 業務名 is still there
    assert codes(w, w.dx, "年末調整") == ["B-2", "B-1"]
    flow = as_is(w, "A-1")
    services.flow_save(flow=flow, xml=edited(current_xml(flow), rename("Activity_3", "合格者の電子決裁")),
                       actor=w.editor_a)
    assert codes(w, w.dx, "電子決裁") == ["A-1"]
    assert codes(w, w.dx, "合否") == []
    assert SearchDoc.objects.filter(survey=w.survey).count() == 9
    # a full rebuild gives the same answers
    assert search.index_rebuild(w.survey) == 9
    assert codes(w, w.dx, "住宅ローン") == ["B-2"] and codes(w, w.dx, "扶養控除") == []
    assert codes(w, w.dx, "電子決裁") == ["A-1"]


def test_restricting_later_hides_from_other_units(searchable):
    w = searchable
    assert codes(w, w.editor_a, "転入届") == ["C-2"]
    services.flow_update_settings(flow=as_is(w, "C-2"), actor=w.dx, restricted=True)
    assert codes(w, w.editor_a, "転入届") == []
    assert codes(w, w.viewer_c, "転入届") == ["C-2"]
    services.flow_update_settings(flow=as_is(w, "C-2"), actor=w.dx, restricted=False)
    assert codes(w, w.editor_a, "転入届") == ["C-2"]
