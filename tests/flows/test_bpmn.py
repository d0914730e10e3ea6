"""civicdx.flows.bpmn without a database: generation (valid BPMN 2.0 + BPMNDI), reading back, layout, checks,
hours and diffs, on hand-made 業務."""

from __future__ import annotations

import importlib.resources
import math
import random

import pytest
from lxml import etree

from civicdx.flows import bpmn
from civicdx.flows.bpmn import BpmnError, StepInput

NS = {"bpmn": bpmn.BPMN_NS, "bpmndi": bpmn.BPMNDI_NS, "dc": bpmn.DC_NS, "di": bpmn.DI_NS, "civicdx": bpmn.CIVICDX_NS}


# ---------------------------------------------------------------------------------------------------------------
# Hand-made 業務
# ---------------------------------------------------------------------------------------------------------------

def counter_steps() -> list[StepInput]:
    """窓口業務: 受付 first, 通知・発送 last. (10+20+5+3+1)*120/60 + 2*120/60 = 78 + 4 = 82 h."""
    return [
        StepInput(1, "申請書の受付", "受付", 10, 120, hours=20, medium="紙", worker="正規職員"),
        StepInput(2, "申請内容の審査", "審査・確認", 20, 120, hours=40, medium="紙"),
        StepInput(3, "住基システムへの入力", "入力・転記", 5, 120, hours=10, medium="電子", system="住基システム"),
        StepInput(4, "交付の決裁", "起案・決裁", 3, 120, hours=6, seal=True),
        StepInput(5, "封入封かん", "保管・整理", 2, 120, hours=4, worker="委託"),
        StepInput(6, "交付通知の発送", "通知・発送", 1, 120, hours=2, medium="紙", flags=("RPA", "電子申請")),
    ]


def internal_steps() -> list[StepInput]:
    """庁内業務: 審査 first, a 委託 step, 起案・決裁 last. (15*40 + 30*40 + 60*4)/60 = 10 + 20 + 4 = 34 h."""
    return [
        StepInput(3, "決裁文書の起案", "起案・決裁", 60, 4, hours=4),   # given out of order on purpose
        StepInput(1, "見積書の確認", "審査・確認", 15, 40, hours=10),
        StepInput(2, "データ作成の委託", "入力・転記", 30, 40, hours=20, worker="委託", medium="電子", system="表計算"),
    ]


HOSTILE = 'A&B <script>alert("x")</script> \'引用\' > 終わり'
LONG = "国民健康保険被保険者資格証明書及び短期被保険者証の交付並びに高額療養費の支給申請に係る審査事務" * 3

CASES = {
    "counter": ("住民票の写しの交付", "住民記録係", counter_steps()),
    "internal": ("物品の購入（委託あり）", "契約係", internal_steps()),
    "empty": ("庁内照会への回答", "庶務係", []),
    "hostile": (HOSTILE, 'A係 <&"\'>', [StepInput(1, HOSTILE, "受付", 1, 1), StepInput(2, '"二重"&\'一重\'', "その他", 2, 3)]),
    "long": (LONG, LONG[:40], [StepInput(1, LONG, "審査・確認", 7.5, 8), StepInput(2, LONG[::-1], "通知・発送", 0.5, 1000)]),
}


@pytest.fixture(scope="module")
def schema():
    path = importlib.resources.files("SpiffWorkflow") / "bpmn/parser/schema/BPMN20.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def gen(case: str) -> str:
    name, section, steps = CASES[case]
    return bpmn.generate(name, section, steps)


def edit(xml: str, fn) -> str:
    root = etree.fromstring(xml.encode("utf-8"))
    fn(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")


def one(root, xpath: str):
    found = root.xpath(xpath, namespaces=NS)
    assert len(found) == 1, (xpath, found)
    return found[0]


def lane_by_name(model: bpmn.FlowModel) -> dict[str, str]:
    return {name: lid for lid, name in model.lanes}


# ---------------------------------------------------------------------------------------------------------------
# Generation: schema, contents
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_flow_is_valid_bpmn_20(schema, case):
    xml = gen(case)
    doc = etree.fromstring(xml.encode("utf-8"))
    assert schema.validate(doc), [str(e) for e in schema.error_log]
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')


@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_flow_passes_its_own_check_and_reads_back(case):
    name, _section, steps = CASES[case]
    model = bpmn.parse(gen(case))
    assert bpmn.check(model) == []
    bpmn.parse_checked(gen(case))  # does not raise
    tasks = model.tasks()
    # one task per 作業, in 手順No order, names exactly as given (special characters survive escaping)
    assert [t.name for t in tasks] == [s.name.strip() for s in sorted(steps, key=lambda s: s.no)]
    assert [t.attrs["no"] for t in tasks] == [str(s.no) for s in sorted(steps, key=lambda s: s.no)]
    assert [n.tag for n in model.nodes.values()].count("startEvent") == 1
    assert [n.tag for n in model.nodes.values()].count("endEvent") == 1
    assert len(model.edges) == len(steps) + 1
    root = etree.fromstring(gen(case).encode("utf-8"))
    assert one(root, "//bpmn:process").get("name") == name
    assert one(root, "//bpmn:participant").get("name") == name


def test_zero_steps_gives_start_to_end_in_the_section_lane():
    model = bpmn.parse(gen("empty"))
    assert model.tasks() == []
    assert model.lanes == [("Lane_section", "庶務係")]
    assert [(e.source, e.target) for e in model.edges] == [("StartEvent_1", "EndEvent_1")]
    assert model.nodes["StartEvent_1"].lane == model.nodes["EndEvent_1"].lane == "庶務係"
    assert model.hours() == 0


def test_step_attributes_ride_on_the_task():
    model = bpmn.parse(gen("counter"))
    first = model.nodes["Activity_1"]
    assert first.attrs == {"no": "1", "kind": "受付", "minutes": "10", "cases": "120", "hours": "20", "medium": "紙",
                           "worker": "正規職員"}
    assert model.nodes["Activity_4"].attrs["seal"] == "true"
    assert model.nodes["Activity_6"].attrs["flags"] == "RPA,電子申請"
    long_model = bpmn.parse(gen("long"))
    assert long_model.nodes["Activity_1"].attrs["minutes"] == "7.5"
    assert long_model.nodes["Activity_2"].attrs["minutes"] == "0.5"


def test_hostile_names_are_escaped_not_markup():
    xml = gen("hostile")
    assert "<script>" not in xml
    root = etree.fromstring(xml.encode("utf-8"))
    assert root.xpath("//script") == []
    model = bpmn.parse(xml)
    assert model.nodes["Activity_1"].name == HOSTILE
    assert model.nodes["Activity_2"].name == '"二重"&\'一重\''
    assert dict(model.lanes)["Lane_section"] == 'A係 <&"\'>'


# ---------------------------------------------------------------------------------------------------------------
# Lanes
# ---------------------------------------------------------------------------------------------------------------

def test_lanes_of_a_counter_flow():
    model = bpmn.parse(gen("counter"))
    lanes = {n.id: n.lane for n in model.nodes.values()}
    assert lanes == {
        "StartEvent_1": "住民",          # the resident applies
        "Activity_1": "窓口",            # 受付
        "Activity_2": "住民記録係",      # the 係 lane carries the 係's name
        "Activity_3": "システム",        # 入力・転記, 電子, with a system
        "Activity_4": "課長決裁",        # 起案・決裁
        "Activity_5": "委託先",          # 担い手 = 委託
        "Activity_6": "住民記録係",      # 通知・発送 is done by the 係 ...
        "EndEvent_1": "住民",            # ... and received by the resident
    }
    assert [name for _id, name in model.lanes] == ["住民", "窓口", "住民記録係", "課長決裁", "システム", "委託先"]
    assert model.nodes["Activity_3"].tag == "serviceTask"
    assert model.nodes["Activity_1"].tag == "userTask"
    assert model.nodes["StartEvent_1"].name == "申請・相談"
    assert model.nodes["EndEvent_1"].name == "通知を受け取る"


def test_lanes_of_an_internal_flow():
    model = bpmn.parse(gen("internal"))
    tasks = model.tasks()
    assert [t.name for t in tasks] == ["見積書の確認", "データ作成の委託", "決裁文書の起案"]
    assert [t.lane for t in tasks] == ["契約係", "委託先", "課長決裁"]
    # 委託 wins over 入力・転記 + 電子 + system: the contractor does it, not the system
    assert tasks[1].tag == "userTask"
    assert model.nodes["StartEvent_1"].lane == "契約係" and model.nodes["StartEvent_1"].name == "開始"
    assert model.nodes["EndEvent_1"].lane == "課長決裁" and model.nodes["EndEvent_1"].name == "完了"
    assert "住民" not in [name for _id, name in model.lanes]
    assert "窓口" not in [name for _id, name in model.lanes]


@pytest.mark.parametrize("step,lane", [
    (StepInput(1, "x", "受付"), "窓口"),
    (StepInput(1, "x", "相談・窓口対応"), "窓口"),
    (StepInput(1, "x", "起案・決裁"), "課長決裁"),
    (StepInput(1, "x", "起案・決裁", worker="委託"), "委託先"),
    (StepInput(1, "x", "入力・転記", medium="電子", system="財務会計"), "システム"),
    (StepInput(1, "x", "計算", medium="電子", system="財務会計"), "システム"),
    (StepInput(1, "x", "入力・転記", medium="紙", system="財務会計"), "係"),
    (StepInput(1, "x", "入力・転記", medium="電子"), "係"),
    (StepInput(1, "x", "審査・確認", medium="電子", system="財務会計"), "係"),
    (StepInput(1, "x", ""), "係"),
])
def test_lane_for(step, lane):
    assert bpmn.lane_for(step) == lane


# ---------------------------------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------------------------------

def _inside(inner, outer) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return ox <= x and oy <= y and x + w <= ox + ow and y + h <= oy + oh


def _overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _on_boundary(point, node: bpmn.Node) -> bool:
    px, py = point
    x, y, w, h = node.bounds
    if node.tag.endswith("Event"):  # a circle
        return math.isclose(math.hypot(px - (x + w / 2), py - (y + h / 2)), w / 2, abs_tol=0.51)
    on_vertical = px in (x, x + w) and y <= py <= y + h
    on_horizontal = py in (y, y + h) and x <= px <= x + w
    return on_vertical or on_horizontal


@pytest.mark.parametrize("case", sorted(CASES))
def test_layout_is_tidy(case):
    model = bpmn.parse(gen(case))
    lane_ids = lane_by_name(model)
    assert set(model.lane_bounds) == set(lane_ids.values())
    nodes = list(model.nodes.values())
    for node in nodes:
        assert node.lane, f"{node.id} is in no lane"
        assert node.bounds is not None and node.bounds[2] > 0 and node.bounds[3] > 0
        assert _inside(node.bounds, model.lane_bounds[lane_ids[node.lane]]), (node.id, node.bounds, node.lane)
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            assert not _overlap(a.bounds, b.bounds), (a.id, b.id)
    lanes = list(model.lane_bounds.values())
    for i, a in enumerate(lanes):
        for b in lanes[i + 1:]:
            assert not _overlap(a, b)
    for edge in model.edges:
        assert len(edge.waypoints) >= 2
        assert _on_boundary(edge.waypoints[0], model.nodes[edge.source]), (edge.id, edge.waypoints[0])
        assert _on_boundary(edge.waypoints[-1], model.nodes[edge.target]), (edge.id, edge.waypoints[-1])
        # orthogonal segments only
        for (x1, y1), (x2, y2) in zip(edge.waypoints, edge.waypoints[1:]):
            assert x1 == x2 or y1 == y2


def test_columns_follow_the_flow_left_to_right():
    model = bpmn.parse(gen("counter"))
    order = ["StartEvent_1"] + [t.id for t in model.tasks()] + ["EndEvent_1"]
    xs = [model.nodes[i].bounds[0] + model.nodes[i].bounds[2] / 2 for i in order]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)


# ---------------------------------------------------------------------------------------------------------------
# Round trip through what an external tool might do
# ---------------------------------------------------------------------------------------------------------------

def _reformat(xml: str, seed: int) -> str:
    """Re-indent, shuffle the attribute order of every element, and rename the namespace prefixes."""
    rng = random.Random(seed)
    parser = etree.XMLParser(remove_blank_text=True)
    root = etree.fromstring(xml.encode("utf-8"), parser)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        items = list(el.attrib.items())
        rng.shuffle(items)
        el.attrib.clear()
        for k, v in items:
            el.set(k, v)
    out = etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode("utf-8")
    out = out.replace("  ", "\t")
    return out.replace("xmlns:bpmn=", "xmlns:semantic=").replace("<bpmn:", "<semantic:").replace("</bpmn:", "</semantic:")


@pytest.mark.parametrize("case", sorted(CASES))
def test_semantics_and_layout_survive_reformatting(case):
    xml = gen(case)
    other = _reformat(xml, seed=len(case))
    assert other != xml
    assert "semantic:userTask" in other or case == "empty"
    a, b = bpmn.parse(xml), bpmn.parse(other)
    assert a.semantics() == b.semantics()
    assert a.layout() == b.layout()
    assert bpmn.check(b) == []
    d = bpmn.diff(a, b)
    assert d.is_empty() and d.moved == [] and d.hours_delta == 0


def test_semantics_ignore_layout_but_layout_sees_a_move():
    xml = gen("counter")
    moved = edit(xml, lambda r: one(r, "//bpmndi:BPMNShape[@bpmnElement='Activity_2']/dc:Bounds").set("x", "520"))
    a, b = bpmn.parse(xml), bpmn.parse(moved)
    assert a.semantics() == b.semantics()
    assert a.layout() != b.layout()


# ---------------------------------------------------------------------------------------------------------------
# check(): messages for hand-edited broken flows
# ---------------------------------------------------------------------------------------------------------------

def _add_second_start(root):
    process = one(root, "//bpmn:process")
    ev = etree.SubElement(process, f"{{{bpmn.BPMN_NS}}}startEvent", id="StartEvent_2", name="別の開始")
    etree.SubElement(ev, f"{{{bpmn.BPMN_NS}}}outgoing").text = "Flow_x"
    etree.SubElement(process, f"{{{bpmn.BPMN_NS}}}sequenceFlow", id="Flow_x", sourceRef="StartEvent_2",
                     targetRef="Activity_2")
    lane = one(root, "//bpmn:lane[@id='Lane_section']")
    etree.SubElement(lane, f"{{{bpmn.BPMN_NS}}}flowNodeRef").text = "StartEvent_2"
    plane = one(root, "//bpmndi:BPMNPlane")
    shape = etree.SubElement(plane, f"{{{bpmn.BPMNDI_NS}}}BPMNShape", id="StartEvent_2_di", bpmnElement="StartEvent_2")
    etree.SubElement(shape, f"{{{bpmn.DC_NS}}}Bounds", x="420", y="340", width="36", height="36")


def _end_to_intermediate(root):
    end = one(root, "//bpmn:endEvent")
    end.tag = f"{{{bpmn.BPMN_NS}}}intermediateThrowEvent"


def _drop_target(root):
    del one(root, "//bpmn:sequenceFlow[@id='Flow_3']").attrib["targetRef"]


def _unlane(root):
    ref = one(root, "//bpmn:flowNodeRef[text()='Activity_2']")
    ref.getparent().remove(ref)


def _drop_shape(root):
    shape = one(root, "//bpmndi:BPMNShape[@bpmnElement='Activity_2']")
    shape.getparent().remove(shape)


def _negative_minutes(root):
    one(root, "//bpmn:userTask[@id='Activity_1']//civicdx:step").set("minutes", "-5")


def _text_cases(root):
    one(root, "//bpmn:userTask[@id='Activity_1']//civicdx:step").set("cases", "たくさん")


@pytest.mark.parametrize("breaker,expected", [
    (_add_second_start, "開始イベントは1つにしてください（現在 2 個）。"),
    (_end_to_intermediate, "終了イベントがありません。"),
    (_drop_target, "シーケンスフロー (Flow_3) の接続先「（なし）」が図にありません。"),
    (_unlane, "タスク『申請内容の審査』(Activity_2) がどのレーンにも属していません。"),
    (_drop_shape, "タスク『申請内容の審査』(Activity_2) に図の位置情報（BPMNDI）がありません。"),
    (_negative_minutes, "タスク『申請書の受付』(Activity_1) の minutes「-5」は0以上の数値にしてください。"),
    (_text_cases, "タスク『申請書の受付』(Activity_1) の cases「たくさん」は0以上の数値にしてください。"),
])
def test_check_names_the_problem_in_japanese(breaker, expected):
    xml = edit(gen("counter"), breaker)
    model = bpmn.parse(xml)
    problems = bpmn.check(model)
    assert expected in problems, problems
    with pytest.raises(BpmnError) as info:
        bpmn.parse_checked(xml)
    assert expected in info.value.messages
    assert expected in str(info.value)


def test_check_flags_dangling_flow_and_missing_incoming():
    xml = edit(gen("counter"), _drop_target)
    problems = bpmn.check(bpmn.parse(xml))
    # Activity_3 lost its only incoming flow
    assert "タスク『住基システムへの入力』(Activity_3) に入ってくるフローがありません。" in problems


def test_check_duplicate_ids():
    def dup(root):
        one(root, "//bpmn:sequenceFlow[@id='Flow_2']").set("id", "Activity_1")
    problems = bpmn.check(bpmn.parse(edit(gen("counter"), dup)))
    assert "ID「Activity_1」が重複しています。" in problems


def test_task_outside_lanes_is_fine_when_there_are_no_lanes():
    def no_lanes(root):
        ls = one(root, "//bpmn:laneSet")
        ls.getparent().remove(ls)
    model = bpmn.parse(edit(gen("counter"), no_lanes))
    assert model.lanes == []
    assert bpmn.check(model) == []


# ---------------------------------------------------------------------------------------------------------------
# parse(): refusals
# ---------------------------------------------------------------------------------------------------------------

def _refused(data) -> list[str]:
    with pytest.raises(BpmnError) as info:
        bpmn.parse(data)
    return info.value.messages


def test_parse_refuses_non_xml_with_the_line():
    messages = _refused("これは XML ではありません")
    assert len(messages) == 1 and "XML として読めません" in messages[0] and "1 行目" in messages[0]
    broken = gen("counter").replace("</bpmn:laneSet>", "", 1)
    messages = _refused(broken)
    assert "行目" in messages[0]
    line = int(messages[0].split("（")[1].split(" 行目")[0])
    assert line > 5


def test_parse_refuses_other_xml():
    assert "ルート要素が bpmn:definitions ではありません" in _refused("<root><a/></root>")[0]
    assert "ルート要素" in _refused('<definitions xmlns="http://example.com/not-bpmn"/>')[0]
    assert _refused(f'<bpmn:definitions xmlns:bpmn="{bpmn.BPMN_NS}"/>') == ["プロセス（bpmn:process）がありません。"]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="P">
<bpmn:task id="T" name="&lol3;"/></bpmn:process></bpmn:definitions>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="P">
<bpmn:task id="T" name="x">&xxe;</bpmn:task></bpmn:process></bpmn:definitions>"""

DOCTYPE_ONLY = """<?xml version="1.0"?>
<!DOCTYPE bpmn:definitions SYSTEM "http://example.com/bpmn.dtd">
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="P"/></bpmn:definitions>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE, DOCTYPE_ONLY, BILLION_LAUGHS.encode("utf-8")])
def test_parse_refuses_doctype_and_entities(data):
    assert _refused(data) == ["DOCTYPE や ENTITY 宣言を含む XML は受け付けません（BPMN には不要です）。"]


def test_entity_declaration_late_in_the_file_is_refused_too():
    xml = gen("counter")
    padded = xml.replace("?>\n", "?>\n<!--" + "あ" * 2000 + '-->\n<!DOCTYPE d [<!ENTITY e "x">]>\n', 1)
    assert len(padded.encode("utf-8").split(b"<!DOCTYPE")[0]) > 2048
    assert "DOCTYPE" in _refused(padded)[0]


def test_entity_declaration_in_utf16_is_refused():
    body = gen("counter").split("\n", 1)[1].replace('name="申請書の受付"', 'name="&e;"')
    data = ('<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE d [<!ENTITY e "展開された">]>\n' + body).encode("utf-16")
    messages = _refused(data)
    assert "DOCTYPE" in messages[0]


def test_parse_refuses_more_than_5_mb():
    xml = gen("counter")
    big = xml.replace("</bpmn:definitions>", "<!--" + "x" * bpmn.MAX_XML_BYTES + "--></bpmn:definitions>")
    messages = _refused(big)
    assert len(messages) == 1 and "ファイルが大きすぎます" in messages[0] and "5,120 KB" in messages[0]
    # just under the limit is read
    pad = bpmn.MAX_XML_BYTES - len(xml.encode("utf-8")) - 7 - 100
    ok = xml.replace("</bpmn:definitions>", "<!--" + "x" * pad + "--></bpmn:definitions>")
    assert len(ok.encode("utf-8")) <= bpmn.MAX_XML_BYTES
    assert bpmn.parse(ok).semantics() == bpmn.parse(xml).semantics()


def test_non_numeric_coordinates_are_a_bpmn_error():
    xml = edit(gen("counter"), lambda r: one(r, "//bpmndi:BPMNShape[@bpmnElement='Activity_2']/dc:Bounds")
               .set("x", "左端"))
    with pytest.raises(BpmnError):
        bpmn.parse(xml)


def test_str_and_bytes_give_the_same_model():
    xml = gen("hostile")
    assert bpmn.parse(xml).semantics() == bpmn.parse(xml.encode("utf-8")).semantics()


# ---------------------------------------------------------------------------------------------------------------
# hours()
# ---------------------------------------------------------------------------------------------------------------

def test_hours_are_minutes_times_cases_over_60():
    model = bpmn.parse(gen("counter"))
    expected = sum(s.minutes * s.cases for s in counter_steps()) / 60
    assert expected == pytest.approx(82.0)
    assert model.hours() == pytest.approx(expected)
    assert model.nodes["Activity_2"].hours() == pytest.approx(40.0)
    assert bpmn.parse(gen("internal")).hours() == pytest.approx(34.0)
    assert bpmn.parse(gen("long")).hours() == pytest.approx(7.5 * 8 / 60 + 0.5 * 1000 / 60)


def test_hours_fall_back_to_the_hours_attribute():
    steps = [StepInput(1, "件数不明の作業", "その他", None, None, hours=12.345), StepInput(2, "通常", "その他", 6, 10)]
    model = bpmn.parse(bpmn.generate("業務", "係", steps))
    assert model.nodes["Activity_1"].attrs["hours"] == "12.35"
    assert model.nodes["Activity_1"].hours() == pytest.approx(12.35)
    assert model.hours() == pytest.approx(12.35 + 1.0)
    # events never count
    assert model.nodes["StartEvent_1"].hours() == 0


# ---------------------------------------------------------------------------------------------------------------
# diff()
# ---------------------------------------------------------------------------------------------------------------

def _tobe(root):
    """Rename Activity_2, remove Activity_4, add Activity_9, halve Activity_1's minutes, move Activity_3 only."""
    one(root, "//bpmn:userTask[@id='Activity_2']").set("name", "申請内容の審査（AI-OCR）")
    # remove Activity_4 (交付の決裁) and bridge Flow_4 → Activity_5
    task4 = one(root, "//bpmn:userTask[@id='Activity_4']")
    task4.getparent().remove(task4)
    one(root, "//bpmn:sequenceFlow[@id='Flow_4']").set("targetRef", "Activity_5")
    flow5 = one(root, "//bpmn:sequenceFlow[@id='Flow_5']")
    flow5.getparent().remove(flow5)
    for xp in ("//bpmndi:BPMNShape[@bpmnElement='Activity_4']", "//bpmndi:BPMNEdge[@bpmnElement='Flow_5']",
               "//bpmn:flowNodeRef[text()='Activity_4']"):
        el = one(root, xp)
        el.getparent().remove(el)
    # add Activity_9 between Activity_6 and the end
    process = one(root, "//bpmn:process")
    new = etree.SubElement(process, f"{{{bpmn.BPMN_NS}}}serviceTask", id="Activity_9", name="電子通知の送信")
    ext = etree.SubElement(new, f"{{{bpmn.BPMN_NS}}}extensionElements")
    etree.SubElement(ext, f"{{{bpmn.CIVICDX_NS}}}step", minutes="0.5", cases="120")
    one(root, "//bpmn:sequenceFlow[@id='Flow_7']").set("targetRef", "Activity_9")
    etree.SubElement(process, f"{{{bpmn.BPMN_NS}}}sequenceFlow", id="Flow_9", sourceRef="Activity_9",
                     targetRef="EndEvent_1")
    lane = one(root, "//bpmn:lane[@id='Lane_system']")
    etree.SubElement(lane, f"{{{bpmn.BPMN_NS}}}flowNodeRef").text = "Activity_9"
    plane = one(root, "//bpmndi:BPMNPlane")
    shape = etree.SubElement(plane, f"{{{bpmn.BPMNDI_NS}}}BPMNShape", id="Activity_9_di", bpmnElement="Activity_9")
    etree.SubElement(shape, f"{{{bpmn.DC_NS}}}Bounds", x="1300", y="605", width="110", height="80")
    # minutes 10 → 5 on Activity_1
    one(root, "//bpmn:userTask[@id='Activity_1']//civicdx:step").set("minutes", "5")
    # move Activity_3 (same lane) only
    one(root, "//bpmndi:BPMNShape[@bpmnElement='Activity_3']/dc:Bounds").set("x", "690")


def test_diff_added_removed_changed_moved():
    old = bpmn.parse(gen("counter"))
    new_xml = edit(gen("counter"), _tobe)
    new = bpmn.parse(new_xml)
    assert bpmn.check(new) == []
    d = bpmn.diff(old, new)
    assert [(c.id, c.name, c.hours_new) for c in d.added] == [("Activity_9", "電子通知の送信", pytest.approx(1.0))]
    assert [(c.id, c.name, c.hours_old) for c in d.removed] == [("Activity_4", "交付の決裁", pytest.approx(6.0))]
    changed = {c.id: c for c in d.changed}
    assert set(changed) == {"Activity_1", "Activity_2"}
    assert changed["Activity_2"].changes == [("名称", "申請内容の審査", "申請内容の審査（AI-OCR）")]
    assert changed["Activity_1"].changes == [("1件当たり時間(分)", "10", "5")]
    assert (changed["Activity_1"].hours_old, changed["Activity_1"].hours_new) == (pytest.approx(20.0), pytest.approx(10.0))
    assert d.moved == ["Activity_3"]
    assert d.hours_old == pytest.approx(82.0)
    assert d.hours_new == pytest.approx(82.0 - 10.0 - 6.0 + 1.0)
    assert d.hours_delta == pytest.approx(-15.0)
    assert not d.is_empty()
    # the other way round
    back = bpmn.diff(new, old)
    assert [c.id for c in back.added] == ["Activity_4"] and [c.id for c in back.removed] == ["Activity_9"]
    assert back.hours_delta == pytest.approx(15.0)


def test_diff_matches_by_name_when_ids_differ():
    def reid(root):
        # what a modeler does when a task is deleted and drawn again: new id, same name, other minutes
        task = one(root, "//bpmn:userTask[@id='Activity_6']")
        task.set("id", "Activity_0abc123")
        one(task, "./bpmn:extensionElements/civicdx:step").set("minutes", "2")
        one(root, "//bpmn:sequenceFlow[@id='Flow_6']").set("targetRef", "Activity_0abc123")
        one(root, "//bpmn:sequenceFlow[@id='Flow_7']").set("sourceRef", "Activity_0abc123")
        one(root, "//bpmn:flowNodeRef[text()='Activity_6']").text = "Activity_0abc123"
        one(root, "//bpmndi:BPMNShape[@bpmnElement='Activity_6']").set("bpmnElement", "Activity_0abc123")
        # and a second one that only changed its id
        task5 = one(root, "//bpmn:userTask[@id='Activity_5']")
        task5.set("id", "Task_5")
        one(root, "//bpmn:sequenceFlow[@id='Flow_5']").set("targetRef", "Task_5")
        one(root, "//bpmn:sequenceFlow[@id='Flow_6']").set("sourceRef", "Task_5")
        one(root, "//bpmn:flowNodeRef[text()='Activity_5']").text = "Task_5"
        one(root, "//bpmndi:BPMNShape[@bpmnElement='Activity_5']").set("bpmnElement", "Task_5")

    old = bpmn.parse(gen("counter"))
    new = bpmn.parse(edit(gen("counter"), reid))
    assert bpmn.check(new) == []
    d = bpmn.diff(old, new)
    assert d.added == [] and d.removed == []
    assert [(c.id, c.old_id, c.changes) for c in d.changed] == [
        ("Activity_0abc123", "Activity_6", [("1件当たり時間(分)", "1", "2")])]
    assert d.moved == []
    assert d.hours_delta == pytest.approx(2.0)


def test_diff_numbers_compare_as_numbers_and_lane_changes_count():
    def tweak(root):
        one(root, "//bpmn:userTask[@id='Activity_1']//civicdx:step").set("minutes", "10.0")
        ref = one(root, "//bpmn:flowNodeRef[text()='Activity_2']")
        ref.getparent().remove(ref)
        one(root, "//bpmn:lane[@id='Lane_counter']").append(ref)
    d = bpmn.diff(bpmn.parse(gen("counter")), bpmn.parse(edit(gen("counter"), tweak)))
    assert [(c.id, c.changes) for c in d.changed] == [("Activity_2", [("レーン", "住民記録係", "窓口")])]
    assert d.hours_delta == 0


def test_task_lines():
    lines = bpmn.task_lines(bpmn.parse(gen("internal")))
    assert lines == ["見積書の確認（契約係）", "データ作成の委託（委託先）", "決裁文書の起案（課長決裁）"]
