"""BPMN 2.0 for 業務フロー: generate a first flow from 作業手順, read a flow back, check it, count its hours, compare two.

Pure module (lxml only, no Django). Flows are stored as BPMN 2.0 XML with diagram interchange (BPMNDI), so they
open unchanged in bpmn.io and Camunda Modeler; the survey's attributes of each 作業 ride on its task as
``<civicdx:step .../>`` inside ``extensionElements`` (bpmn-moddle keeps unknown extension elements on a round trip).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
CIVICDX_NS = "https://civicdx.jp/schema/bpmn/1.0"
MAX_XML_BYTES = 5 * 1024 * 1024

# Lanes in the order they are drawn (top to bottom).
LANE_RESIDENT, LANE_COUNTER, LANE_SECTION, LANE_APPROVAL, LANE_SYSTEM, LANE_CONTRACTOR = (
    "住民", "窓口", "係", "課長決裁", "システム", "委託先")
LANE_ORDER = (LANE_RESIDENT, LANE_COUNTER, LANE_SECTION, LANE_APPROVAL, LANE_SYSTEM, LANE_CONTRACTOR)
LANE_IDS = {LANE_RESIDENT: "Lane_resident", LANE_COUNTER: "Lane_counter", LANE_SECTION: "Lane_section",
            LANE_APPROVAL: "Lane_approval", LANE_SYSTEM: "Lane_system", LANE_CONTRACTOR: "Lane_contractor"}
COUNTER_KINDS = ("受付", "相談・窓口対応")
SYSTEM_KINDS = ("入力・転記", "計算", "集計・報告")
STEP_ATTRS = ("no", "kind", "minutes", "cases", "hours", "medium", "seal", "system", "worker", "flags")

TASK_TAGS = ("task", "userTask", "serviceTask", "manualTask", "sendTask", "receiveTask", "scriptTask",
             "businessRuleTask", "subProcess", "callActivity")
EVENT_TAGS = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent")
GATEWAY_TAGS = ("exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway")
NODE_TAGS = TASK_TAGS + EVENT_TAGS + GATEWAY_TAGS
TAG_LABELS = {"startEvent": "開始イベント", "endEvent": "終了イベント", "exclusiveGateway": "分岐",
              "parallelGateway": "並列分岐", "inclusiveGateway": "分岐"}

# Layout (pixels): a horizontal pool, one lane per actor, one column per node.
POOL_X, POOL_Y, POOL_LABEL_W, LANE_H = 120, 60, 30, 130
TASK_W, TASK_H, EVENT_D, COL_W = 110, 80, 36, 170


class BpmnError(ValueError):
    """The XML is not a flow civicdx can store; ``messages`` lists every problem in Japanese."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass
class StepInput:
    no: int
    name: str
    kind: str = ""
    minutes: float | None = None
    cases: float | None = None
    hours: float = 0.0
    medium: str = ""
    seal: bool | None = None
    system: str = ""
    worker: str = ""
    flags: tuple[str, ...] = ()

    def annual_hours(self) -> float:
        if self.minutes is not None and self.cases is not None:
            return self.minutes * self.cases / 60.0
        return self.hours


@dataclass
class Node:
    id: str
    tag: str
    name: str
    lane: str = ""          # lane name ("" when the process has no lanes or the node is in none)
    attrs: dict = field(default_factory=dict)   # civicdx:step attributes as strings
    bounds: tuple[float, float, float, float] | None = None

    @property
    def is_task(self) -> bool:
        return self.tag in TASK_TAGS

    def label(self) -> str:
        kind = "タスク" if self.is_task else TAG_LABELS.get(self.tag, self.tag)
        return f"{kind}『{self.name}』({self.id})" if self.name else f"{kind} ({self.id})"

    def minutes(self) -> float | None:
        return _float(self.attrs.get("minutes"))

    def cases(self) -> float | None:
        return _float(self.attrs.get("cases"))

    def hours(self) -> float:
        minutes, cases = self.minutes(), self.cases()
        if minutes is not None and cases is not None:
            return minutes * cases / 60.0
        return _float(self.attrs.get("hours")) or 0.0


@dataclass
class Edge:
    id: str
    source: str
    target: str
    name: str = ""
    waypoints: tuple[tuple[float, float], ...] = ()


@dataclass
class FlowModel:
    nodes: dict[str, Node]
    edges: list[Edge]
    lanes: list[tuple[str, str]]  # (id, name) in document order
    lane_bounds: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)

    def tasks(self) -> list[Node]:
        """Tasks in flow order (following sequence flows from the start), then any unreachable ones."""
        order: list[str] = []
        outgoing: dict[str, list[str]] = {}
        for e in self.edges:
            outgoing.setdefault(e.source, []).append(e.target)
        starts = [n.id for n in self.nodes.values() if n.tag == "startEvent"]
        seen: set[str] = set()
        stack = list(reversed(starts))
        while stack:
            nid = stack.pop()
            if nid in seen or nid not in self.nodes:
                continue
            seen.add(nid)
            order.append(nid)
            stack.extend(reversed(outgoing.get(nid, [])))
        order += [nid for nid in self.nodes if nid not in seen]
        return [self.nodes[nid] for nid in order if self.nodes[nid].is_task]

    def hours(self) -> float:
        return sum(n.hours() for n in self.nodes.values() if n.is_task)

    def semantics(self) -> dict:
        """What the flow says, without layout: for round-trip and equality tests."""
        return {
            "nodes": {n.id: (n.tag, n.name, n.lane, tuple(sorted(n.attrs.items()))) for n in self.nodes.values()},
            "edges": sorted((e.id, e.source, e.target, e.name) for e in self.edges),
            "lanes": list(self.lanes),
        }

    def layout(self) -> dict:
        return {
            "nodes": {n.id: n.bounds for n in self.nodes.values()},
            "edges": {e.id: e.waypoints for e in self.edges},
            "lanes": dict(self.lane_bounds),
        }


# Attribute escaping (faster than xml.sax.saxutils.quoteattr on 300,000 attributes); control characters that
# XML 1.0 forbids are dropped.
_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;", ord("\n"): "&#10;",
            ord("\r"): "&#13;", ord("\t"): "&#9;", **{c: None for c in range(32) if c not in (9, 10, 13)}}


def quoteattr(value: str) -> str:
    return '"' + value.translate(_ESCAPES) + '"'


def _float(value) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# ---------------------------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------------------------

def lane_for(step: StepInput) -> str:
    """The actor of a 作業, inferred from 担い手 and 作業種類."""
    if step.worker == "委託":
        return LANE_CONTRACTOR
    if step.kind == "起案・決裁":
        return LANE_APPROVAL
    if step.kind in COUNTER_KINDS:
        return LANE_COUNTER
    if step.kind in SYSTEM_KINDS and step.system and step.medium == "電子":
        return LANE_SYSTEM
    return LANE_SECTION


def generate(process_name: str, section_name: str, steps: list[StepInput]) -> str:
    """A first BPMN 2.0 flow (with BPMNDI) for one 業務: start → one task per 作業 in order → end."""
    steps = sorted(steps, key=lambda s: s.no)
    step_lanes = [lane_for(s) for s in steps]
    from_resident = bool(steps) and steps[0].kind in COUNTER_KINDS
    to_resident = bool(steps) and steps[-1].kind == "通知・発送"
    start_lane = LANE_RESIDENT if from_resident else (step_lanes[0] if steps else LANE_SECTION)
    end_lane = LANE_RESIDENT if to_resident else (step_lanes[-1] if steps else LANE_SECTION)
    used = set(step_lanes) | {start_lane, end_lane}
    lanes = [name for name in LANE_ORDER if name in used]
    lane_y = {name: POOL_Y + i * LANE_H for i, name in enumerate(lanes)}
    lane_title = {name: (section_name or name) if name == LANE_SECTION else name for name in lanes}

    # nodes: (id, tag, name, lane, step | None)
    nodes: list[tuple[str, str, str, str, StepInput | None]] = [
        ("StartEvent_1", "startEvent", "申請・相談" if from_resident else "開始", start_lane, None)]
    for i, (step, lane) in enumerate(zip(steps, step_lanes), start=1):
        tag = "serviceTask" if lane == LANE_SYSTEM else "userTask"
        nodes.append((f"Activity_{i}", tag, step.name, lane, step))
    nodes.append(("EndEvent_1", "endEvent", "通知を受け取る" if to_resident else "完了", end_lane, None))

    bounds: dict[str, tuple[int, int, int, int]] = {}
    first_cx = POOL_X + POOL_LABEL_W + 70
    for col, (nid, tag, _name, lane, _step) in enumerate(nodes):
        cx, cy = first_cx + col * COL_W, lane_y[lane] + LANE_H // 2
        if tag.endswith("Event"):
            bounds[nid] = (cx - EVENT_D // 2, cy - EVENT_D // 2, EVENT_D, EVENT_D)
        else:
            bounds[nid] = (cx - TASK_W // 2, cy - TASK_H // 2, TASK_W, TASK_H)
    pool_w = first_cx + (len(nodes) - 1) * COL_W + 100 - POOL_X
    pool_h = LANE_H * len(lanes)

    flows = [(f"Flow_{i}", nodes[i - 1][0], nodes[i][0]) for i in range(1, len(nodes))]
    incoming = {t: fid for fid, _s, t in flows}
    outgoing = {s: fid for fid, s, _t in flows}

    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:bpmndi="{BPMNDI_NS}" xmlns:dc="{DC_NS}" '
        f'xmlns:di="{DI_NS}" xmlns:civicdx="{CIVICDX_NS}" id="Definitions_1" '
        'targetNamespace="https://civicdx.jp/flows" exporter="civicdx" exporterVersion="1.0">\n',
        '  <bpmn:collaboration id="Collaboration_1">\n',
        f'    <bpmn:participant id="Participant_1" name={quoteattr(process_name)} processRef="Process_1" />\n',
        '  </bpmn:collaboration>\n',
        f'  <bpmn:process id="Process_1" name={quoteattr(process_name)} isExecutable="false">\n',
        '    <bpmn:laneSet id="LaneSet_1">\n',
    ]
    for lane in lanes:
        out.append(f'      <bpmn:lane id="{LANE_IDS[lane]}" name={quoteattr(lane_title[lane])}>\n')
        out += [f'        <bpmn:flowNodeRef>{nid}</bpmn:flowNodeRef>\n' for nid, _t, _n, ln, _s in nodes if ln == lane]
        out.append('      </bpmn:lane>\n')
    out.append('    </bpmn:laneSet>\n')
    for nid, tag, name, _lane, step in nodes:
        out.append(f'    <bpmn:{tag} id="{nid}" name={quoteattr(name)}>\n')
        if step is not None:
            attrs = {"no": str(step.no), "kind": step.kind, "minutes": _num(step.minutes), "cases": _num(step.cases),
                     "hours": _num(round(step.hours, 2)), "medium": step.medium,
                     "seal": "" if step.seal is None else ("true" if step.seal else "false"),
                     "system": step.system, "worker": step.worker, "flags": ",".join(step.flags)}
            rendered = " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items() if v != "")
            out.append(f'      <bpmn:extensionElements>\n        <civicdx:step {rendered} />\n'
                       '      </bpmn:extensionElements>\n')
        if nid in incoming:
            out.append(f'      <bpmn:incoming>{incoming[nid]}</bpmn:incoming>\n')
        if nid in outgoing:
            out.append(f'      <bpmn:outgoing>{outgoing[nid]}</bpmn:outgoing>\n')
        out.append(f'    </bpmn:{tag}>\n')
    for fid, s, t in flows:
        out.append(f'    <bpmn:sequenceFlow id="{fid}" sourceRef="{s}" targetRef="{t}" />\n')
    out += [
        '  </bpmn:process>\n',
        '  <bpmndi:BPMNDiagram id="BPMNDiagram_1">\n',
        '    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Collaboration_1">\n',
        f'      <bpmndi:BPMNShape id="Participant_1_di" bpmnElement="Participant_1" isHorizontal="true">\n'
        f'        <dc:Bounds x="{POOL_X}" y="{POOL_Y}" width="{pool_w}" height="{pool_h}" />\n'
        '      </bpmndi:BPMNShape>\n',
    ]
    for lane in lanes:
        out.append(
            f'      <bpmndi:BPMNShape id="{LANE_IDS[lane]}_di" bpmnElement="{LANE_IDS[lane]}" isHorizontal="true">\n'
            f'        <dc:Bounds x="{POOL_X + POOL_LABEL_W}" y="{lane_y[lane]}" width="{pool_w - POOL_LABEL_W}" '
            f'height="{LANE_H}" />\n      </bpmndi:BPMNShape>\n')
    for nid, tag, _name, _lane, _step in nodes:
        x, y, w, h = bounds[nid]
        out.append(f'      <bpmndi:BPMNShape id="{nid}_di" bpmnElement="{nid}">\n'
                   f'        <dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" />\n')
        if tag.endswith("Event"):
            out.append(f'        <bpmndi:BPMNLabel>\n          <dc:Bounds x="{x - 22}" y="{y + h + 4}" width="80" '
                       'height="14" />\n        </bpmndi:BPMNLabel>\n')
        out.append('      </bpmndi:BPMNShape>\n')
    for fid, s, t in flows:
        out.append(f'      <bpmndi:BPMNEdge id="{fid}_di" bpmnElement="{fid}">\n')
        out += [f'        <di:waypoint x="{px}" y="{py}" />\n' for px, py in _waypoints(bounds[s], bounds[t])]
        out.append('      </bpmndi:BPMNEdge>\n')
    out += ['    </bpmndi:BPMNPlane>\n', '  </bpmndi:BPMNDiagram>\n', '</bpmn:definitions>\n']
    return "".join(out)


def _waypoints(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> list[tuple[int, int]]:
    ax, ay = a[0] + a[2], a[1] + a[3] // 2
    bx, by = b[0], b[1] + b[3] // 2
    if ay == by:
        return [(ax, ay), (bx, by)]
    mx = (ax + bx) // 2
    return [(ax, ay), (mx, ay), (mx, by), (bx, by)]


# ---------------------------------------------------------------------------------------------------------------
# Reading and checking
# ---------------------------------------------------------------------------------------------------------------

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_comments=False)


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def parse(xml: str | bytes) -> FlowModel:
    """Read a BPMN 2.0 document; raises BpmnError with Japanese messages when it is not well-formed BPMN."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if len(data) > MAX_XML_BYTES:
        raise BpmnError([f"ファイルが大きすぎます（{len(data) // 1024:,} KB、上限 {MAX_XML_BYTES // 1024:,} KB）。"])
    if b"<!DOCTYPE" in data[:2048] or b"<!ENTITY" in data:
        raise BpmnError(["DOCTYPE や ENTITY 宣言を含む XML は受け付けません（BPMN には不要です）。"])
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None) or (exc.position[0] if exc.position else "?")
        raise BpmnError([f"XML として読めません（{line} 行目）: {exc.msg}"]) from None
    if root.getroottree().docinfo.internalDTD is not None or root.getroottree().docinfo.doctype:
        raise BpmnError(["DOCTYPE や ENTITY 宣言を含む XML は受け付けません（BPMN には不要です）。"])
    if root.tag != _q(BPMN_NS, "definitions"):
        raise BpmnError(["BPMN 2.0 の文書ではありません（ルート要素が bpmn:definitions ではありません）。"])
    processes = root.findall(_q(BPMN_NS, "process"))
    if not processes:
        raise BpmnError(["プロセス（bpmn:process）がありません。"])

    nodes: dict[str, Node] = {}
    edges: list[Edge] = []
    lanes: list[tuple[str, str]] = []
    lane_of: dict[str, str] = {}
    for process in processes:
        for lane in process.iter(_q(BPMN_NS, "lane")):
            lane_id = lane.get("id", "")
            lane_name = lane.get("name", "") or lane_id
            lanes.append((lane_id, lane_name))
            for ref in lane.findall(_q(BPMN_NS, "flowNodeRef")):
                lane_of[(ref.text or "").strip()] = lane_name
        for el in process:
            if not isinstance(el.tag, str) or not el.tag.startswith("{" + BPMN_NS + "}"):
                continue
            tag = etree.QName(el).localname
            if tag in NODE_TAGS:
                attrs = {}
                step = el.find(f"{_q(BPMN_NS, 'extensionElements')}/{_q(CIVICDX_NS, 'step')}")
                if step is not None:
                    attrs = {k: v for k, v in step.attrib.items() if k in STEP_ATTRS}
                nid = el.get("id", "")
                nodes[nid] = Node(id=nid, tag=tag, name=(el.get("name") or "").strip(), attrs=attrs)
            elif tag == "sequenceFlow":
                edges.append(Edge(id=el.get("id", ""), source=el.get("sourceRef", ""), target=el.get("targetRef", ""),
                                  name=(el.get("name") or "").strip()))
    for nid, node in nodes.items():
        node.lane = lane_of.get(nid, "")

    lane_ids = {lid for lid, _n in lanes}
    lane_bounds: dict[str, tuple[float, float, float, float]] = {}
    edge_by_id = {e.id: e for e in edges}
    for shape in root.iter(_q(BPMNDI_NS, "BPMNShape")):
        ref = shape.get("bpmnElement", "")
        b = shape.find(_q(DC_NS, "Bounds"))
        if b is None:
            continue
        box = tuple(_coordinate(b, k, ref) for k in ("x", "y", "width", "height"))
        if ref in nodes:
            nodes[ref].bounds = box
        elif ref in lane_ids:
            lane_bounds[ref] = box
    for edge_el in root.iter(_q(BPMNDI_NS, "BPMNEdge")):
        ref = edge_el.get("bpmnElement", "")
        if ref in edge_by_id:
            edge_by_id[ref].waypoints = tuple(
                (_coordinate(w, "x", ref), _coordinate(w, "y", ref)) for w in edge_el.findall(_q(DI_NS, "waypoint")))
    return FlowModel(nodes=nodes, edges=edges, lanes=lanes, lane_bounds=lane_bounds)


def _coordinate(el, key: str, ref: str) -> float:
    value = _float(el.get(key, "0"))
    if value is None:
        raise BpmnError([f"図の位置情報（{ref} の {key}=「{el.get(key)}」）が数値ではありません。"])
    return value


def check(model: FlowModel) -> list[str]:
    """Problems that stop a save, in Japanese, each naming the element."""
    problems: list[str] = []
    starts = [n for n in model.nodes.values() if n.tag == "startEvent"]
    ends = [n for n in model.nodes.values() if n.tag == "endEvent"]
    if len(starts) != 1:
        problems.append(f"開始イベントは1つにしてください（現在 {len(starts)} 個）。")
    if not ends:
        problems.append("終了イベントがありません。")
    ids = [n.id for n in model.nodes.values()] + [e.id for e in model.edges]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"ID「{dup}」が重複しています。")
    has_in = {e.target for e in model.edges}
    has_out = {e.source for e in model.edges}
    for e in model.edges:
        for end, ref in (("接続元", e.source), ("接続先", e.target)):
            if ref not in model.nodes:
                problems.append(f"シーケンスフロー ({e.id}) の{end}「{ref or '（なし）'}」が図にありません。")
    for n in model.nodes.values():
        if n.tag != "startEvent" and n.tag != "boundaryEvent" and n.id not in has_in:
            problems.append(f"{n.label()} に入ってくるフローがありません。")
        if n.tag != "endEvent" and n.id not in has_out:
            problems.append(f"{n.label()} から出ていくフローがありません。")
        if model.lanes and n.is_task and not n.lane:
            problems.append(f"{n.label()} がどのレーンにも属していません。")
        if n.bounds is None:
            problems.append(f"{n.label()} に図の位置情報（BPMNDI）がありません。")
        for key in ("minutes", "cases", "hours"):
            value = n.attrs.get(key)
            if value not in (None, "") and (_float(value) is None or _float(value) < 0):
                problems.append(f"{n.label()} の {key}「{value}」は0以上の数値にしてください。")
    return problems


def parse_checked(xml: str | bytes) -> FlowModel:
    model = parse(xml)
    problems = check(model)
    if problems:
        raise BpmnError(problems)
    return model


# ---------------------------------------------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------------------------------------------

COMPARED = (("name", "名称"), ("lane", "レーン"), ("tag", "種類"))
COMPARED_ATTRS = (("minutes", "1件当たり時間(分)"), ("cases", "年間件数"), ("medium", "媒体"), ("seal", "押印"),
                  ("system", "使用システム"), ("worker", "担い手"))


@dataclass
class TaskChange:
    id: str
    name: str
    old_id: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (label, old, new)
    hours_old: float = 0.0
    hours_new: float = 0.0


@dataclass
class FlowDiff:
    added: list[TaskChange]
    removed: list[TaskChange]
    changed: list[TaskChange]
    moved: list[str]          # ids whose only change is their position
    hours_old: float
    hours_new: float

    @property
    def hours_delta(self) -> float:
        return self.hours_new - self.hours_old

    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff(old: FlowModel, new: FlowModel) -> FlowDiff:
    """Tasks added, removed and changed between two flows; tasks are matched by id, then by name."""
    old_tasks = {n.id: n for n in old.tasks()}
    new_tasks = {n.id: n for n in new.tasks()}
    pairs: list[tuple[Node, Node]] = [(old_tasks[i], new_tasks[i]) for i in new_tasks if i in old_tasks]
    old_left = [n for i, n in old_tasks.items() if i not in new_tasks]
    new_left = [n for i, n in new_tasks.items() if i not in old_tasks]
    by_name = {}
    for n in old_left:
        by_name.setdefault(n.name, []).append(n)
    unmatched_new = []
    for n in new_left:
        if by_name.get(n.name):
            pairs.append((by_name[n.name].pop(0), n))
        else:
            unmatched_new.append(n)
    matched_old = {o.id for o, _n in pairs}
    added = [TaskChange(id=n.id, name=n.name, hours_new=n.hours()) for n in unmatched_new]
    removed = [TaskChange(id=n.id, name=n.name, hours_old=n.hours()) for n in old_left if n.id not in matched_old]
    changed, moved = [], []
    for o, n in pairs:
        changes = [(label, str(getattr(o, key)), str(getattr(n, key))) for key, label in COMPARED
                   if getattr(o, key) != getattr(n, key)]
        changes += [(label, o.attrs.get(key, ""), n.attrs.get(key, "")) for key, label in COMPARED_ATTRS
                    if _same(o.attrs.get(key, ""), n.attrs.get(key, "")) is False]
        if changes:
            changed.append(TaskChange(id=n.id, old_id=o.id, name=n.name, changes=changes,
                                      hours_old=o.hours(), hours_new=n.hours()))
        elif o.bounds != n.bounds:
            moved.append(n.id)
    return FlowDiff(added=added, removed=removed, changed=changed, moved=moved,
                    hours_old=old.hours(), hours_new=new.hours())


def _same(a: str, b: str) -> bool:
    fa, fb = _float(a), _float(b)
    if fa is not None and fb is not None:
        return abs(fa - fb) < 1e-9
    return a == b


def task_lines(model: FlowModel) -> list[str]:
    """One line per task, for search and handover documents: 『name』(lane)."""
    return [f"{n.name}（{n.lane}）" if n.lane else n.name for n in model.tasks()]

