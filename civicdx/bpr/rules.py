"""BPR candidate rules: which 業務 to review, digitise, consolidate or outsource, and why. Pure: no Django.

A rule set is YAML the DX office edits (``default_rules.yaml`` is the bundled start). ``evaluate`` looks at one
業務 with its 作業手順 and a city-wide ``Context`` (medians, duplicates, groups of the same work) and returns
flags. Every flag says in Japanese why it was raised, the hours at stake, the estimated saving with the
assumption behind it, and a confidence in [0, 1]. Savings of digitisation subtract the time people still
spend checking every result by eye, so a tool that needs full manual checking is not proposed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from civicdx.core.errors import ApplicationError

DEFAULT_RULES_PATH = Path(__file__).parent / "default_rules.yaml"

TYPES = {"review": "見直し", "digital": "デジタル化", "consolidate": "集約化", "bpo": "BPO・委託", "focus": "職員が注力すべき業務"}
TOOLS = {"rpa": "RPA", "ai_ocr": "AI-OCR", "ai_minutes": "AI議事録", "e_application": "電子申請", "lowcode": "ローコード"}


@dataclass(slots=True)
class StepFacts:
    no: int
    name: str
    kind: str
    minutes: float | None
    cases: float | None
    medium: str
    has_seal: bool | None
    system: str
    hours: float


@dataclass(slots=True)
class TaskFacts:
    id: int
    code: str
    name: str
    section_id: int
    division_id: int
    category_minor: str
    legal_basis: str
    is_core: bool | None
    is_routine: bool | None
    needs_expertise: bool | None
    hours: float
    steps: list[StepFacts] = field(default_factory=list)

    @property
    def cases(self) -> float:
        """The case count of the 業務: the largest of its steps (each step handles the same cases)."""
        return max((s.cases or 0 for s in self.steps), default=0)


@dataclass
class GroupInfo:
    """The same kind of work across the city: how many 課 do it and their total hours."""

    key: str
    places: int
    tasks: int
    hours: float


@dataclass
class Context:
    # (中分類, 作業種類) → (median minutes per case, number of steps)
    medians: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict)
    # task id → number of 係 (in the scope of the rule) holding a 業務 of the same name
    duplicates: dict[int, int] = field(default_factory=dict)
    # task id → group of the same kind of work
    groups: dict[int, GroupInfo] = field(default_factory=dict)


@dataclass(slots=True)
class Flag:
    type: str
    rule: str
    tool: str
    reasons: list[str]
    hours: float
    saving_hours: float
    assumption: str
    confidence: float
    step_no: int | None = None


# --- the rule set ----------------------------------------------------------------------------------------

_SCHEMA: dict[str, dict[str, type | tuple]] = {
    "review.no_legal_basis": {"enabled": bool, "min_hours": (int, float), "saving_rate": (int, float), "confidence": (int, float)},
    "review.slow_step": {"enabled": bool, "ratio_to_median": (int, float), "min_peers": int, "min_hours": (int, float),
                         "saving_rate": (int, float), "confidence": (int, float)},
    "review.duplicate_name": {"enabled": bool, "min_sections": int, "within": str, "saving_rate": (int, float),
                              "confidence": (int, float)},
    "review.seal_paper": {"enabled": bool, "seal_kinds": list, "paper_kinds": list, "min_cases": (int, float),
                          "min_hours": (int, float), "saving_rate": (int, float), "confidence": (int, float)},
    "consolidate": {"enabled": bool, "min_places": int, "noncore_only": bool, "routine_only": bool,
                    "saving_rate": (int, float), "confidence": (int, float)},
    "bpo": {"enabled": bool, "min_cases": (int, float), "min_hours": (int, float), "saving_rate": (int, float),
            "confidence": (int, float), "public_authority_keywords": list},
    "focus": {"enabled": bool},
}
_DIGITAL_KEYS = {"enabled": bool, "kinds": list, "media": list, "systems": list, "routine_only": bool,
                 "min_cases": (int, float), "min_hours": (int, float), "saving_rate": (int, float),
                 "check_minutes_per_case": (int, float), "confidence": (int, float)}
for _tool in TOOLS:
    _SCHEMA[f"digital.{_tool}"] = _DIGITAL_KEYS


@dataclass
class RuleSet:
    data: dict
    text: str

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]

    def section(self, path: str) -> dict:
        node = self.data
        for part in path.split("."):
            node = node.get(part) or {}
        return node


def parse_rules(text: str) -> RuleSet:
    """Parse and validate a rule set; every problem is listed in one Japanese message."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}行目" if mark else ""
        raise ApplicationError("rules_yaml", f"ルールのYAMLを読み取れません（{where}）: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise ApplicationError("rules_invalid", "ルールは「review:」「digital:」などの見出しを持つYAMLで書いてください。")
    problems: list[str] = []
    for path, keys in _SCHEMA.items():
        node = data
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            continue
        if not isinstance(node, dict):
            problems.append(f"{path} は項目の一覧（key: value）で書いてください")
            continue
        for key, value in node.items():
            expected = keys.get(key)
            if expected is None:
                problems.append(f"{path}.{key} は使えない項目です（使える項目: {', '.join(keys)}）")
            elif isinstance(value, bool) and expected is not bool:
                problems.append(f"{path}.{key} は数値で書いてください（値: {value}）")
            elif not isinstance(value, expected):
                problems.append(f"{path}.{key} の値「{value}」の形式が違います")
            elif key in ("saving_rate", "confidence") and not 0 <= value <= 1:
                problems.append(f"{path}.{key} は0〜1で書いてください（値: {value}）")
            elif key.startswith("min_") and value < 0:
                problems.append(f"{path}.{key} は0以上で書いてください（値: {value}）")
            elif key == "within" and value not in ("division", "city"):
                problems.append(f"{path}.within は division か city です（値: {value}）")
    for top in data:
        if top not in ("version", "review", "digital", "consolidate", "bpo", "focus"):
            problems.append(f"見出し「{top}」は使えません（review, digital, consolidate, bpo, focus）")
    if problems:
        raise ApplicationError("rules_invalid", "ルールに誤りがあります: " + "／".join(problems), details=problems)
    return RuleSet(data=data, text=text)


def default_rules() -> RuleSet:
    return parse_rules(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


# --- evaluation ------------------------------------------------------------------------------------------

def _h(hours: float) -> str:
    return f"{hours:,.0f}時間" if hours >= 10 else f"{hours:,.1f}時間"


def _digital_saving(steps: Iterable[StepFacts], rate: float, check_minutes: float) -> tuple[float, float, float]:
    """(hours at stake, gross saving, checking time) for steps handed to a tool."""
    hours = sum(s.hours for s in steps)
    checking = sum((s.cases or 0) * check_minutes / 60 for s in steps)
    return hours, hours * rate, checking


def evaluate(task: TaskFacts, ctx: Context, rules: RuleSet) -> list[Flag]:
    flags: list[Flag] = []
    _review(task, ctx, rules, flags)
    _digital(task, rules, flags)
    _consolidate(task, ctx, rules, flags)
    _bpo(task, rules, flags)
    focus = rules.section("focus")
    if focus.get("enabled") and task.is_core and task.is_routine is False and task.needs_expertise:
        flags.append(Flag("focus", "focus", "", ["コア・非定型・専門性有の業務です。削減した時間を振り向ける先の候補です。"],
                          task.hours, 0.0, "削減の対象ではありません", 1.0))
    return flags


def _review(task: TaskFacts, ctx: Context, rules: RuleSet, flags: list[Flag]) -> None:
    r = rules.section("review.no_legal_basis")
    if r.get("enabled") and not task.legal_basis and task.hours >= r["min_hours"]:
        flags.append(Flag("review", "no_legal_basis", "",
                          [f"根拠法令の記入がなく、年間{_h(task.hours)}（{r['min_hours']:,}時間以上）かかっています。"
                           "廃止・縮小・簡素化できないか確認してください。"],
                          task.hours, task.hours * r["saving_rate"],
                          f"見直しで{r['saving_rate']:.0%}を削減できると仮定", r["confidence"]))
    r = rules.section("review.slow_step")
    if r.get("enabled"):
        for step in task.steps:
            median, peers = ctx.medians.get((task.category_minor, step.kind), (None, 0))
            if not median or peers < r["min_peers"] or step.minutes is None or step.hours < r["min_hours"]:
                continue
            if step.minutes >= median * r["ratio_to_median"]:
                excess = (step.minutes - median) * (step.cases or 0) / 60
                flags.append(Flag("review", "slow_step", "",
                                  [f"手順{step.no}「{step.name}」（{step.kind}）は1件{step.minutes:g}分で、"
                                   f"市内の同じ中分類「{task.category_minor or '未分類'}」の中央値{median:g}分の"
                                   f"{step.minutes / median:.1f}倍です（比較{peers}件）。"],
                                  step.hours, excess * r["saving_rate"],
                                  f"中央値を超える時間（{_h(excess)}）の{r['saving_rate']:.0%}を削減できると仮定",
                                  r["confidence"], step.no))
    r = rules.section("review.duplicate_name")
    count = ctx.duplicates.get(task.id, 0)
    if r.get("enabled") and count >= r["min_sections"]:
        where = "同じ課の" if r.get("within", "division") == "division" else "市内の"
        flags.append(Flag("review", "duplicate_name", "",
                          [f"{where}{count}つの係に同じ名前の業務があります。重複や分担を見直してください。"],
                          task.hours, task.hours * r["saving_rate"],
                          f"分担の整理で{r['saving_rate']:.0%}を削減できると仮定", r["confidence"]))
    r = rules.section("review.seal_paper")
    if r.get("enabled"):
        steps = [s for s in task.steps if (s.has_seal and s.kind in r.get("seal_kinds", []))
                 or (s.medium == "紙" and s.kind in r.get("paper_kinds", []) and (s.cases or 0) >= r.get("min_cases", 0))]
        hours = sum(s.hours for s in steps)
        if steps and hours >= r["min_hours"]:
            what = "、".join(f"手順{s.no}「{s.name}」（{'押印' if s.has_seal else '紙'}）" for s in steps[:4])
            flags.append(Flag("review", "seal_paper", "",
                              [f"{what}は、書面・押印・対面の見直しで不要・簡素化できる可能性があります（年間{_h(hours)}）。"],
                              hours, hours * r["saving_rate"], f"該当手順の{r['saving_rate']:.0%}を削減できると仮定",
                              r["confidence"], steps[0].no if len(steps) == 1 else None))


def _digital(task: TaskFacts, rules: RuleSet, flags: list[Flag]) -> None:
    for tool, label in TOOLS.items():
        r = rules.section(f"digital.{tool}")
        if not r.get("enabled"):
            continue
        if r.get("routine_only") and task.is_routine is not True:
            continue
        steps = [s for s in task.steps
                 if (not r.get("kinds") or s.kind in r["kinds"])
                 and (not r.get("media") or s.medium in r["media"])
                 and (not r.get("systems") or any(x.lower() in s.system.lower() for x in r["systems"] if x))
                 and (s.cases or 0) >= r.get("min_cases", 0)]
        if not steps:
            continue
        hours, gross, checking = _digital_saving(steps, r["saving_rate"], r.get("check_minutes_per_case", 0))
        if hours < r.get("min_hours", 0):
            continue
        net = gross - checking
        names = "、".join(f"手順{s.no}「{s.name}」" for s in steps[:4])
        cases = max(s.cases or 0 for s in steps)
        reason = {
            "rpa": f"{names}は定型の{'・'.join(sorted({s.kind for s in steps}))}で、電子データを年{cases:,.0f}件扱っています。",
            "ai_ocr": f"{names}は紙の{'・'.join(sorted({s.kind for s in steps}))}で、年{cases:,.0f}件あります。",
            "ai_minutes": f"{names}は会議・打合せで、記録の作成に時間がかかっています（年間{_h(hours)}）。",
            "e_application": f"{names}は紙の申請の受付で、年{cases:,.0f}件あります。",
            "lowcode": f"{names}はExcel等の台帳で管理されています（年間{_h(hours)}）。",
        }[tool]
        reasons = [reason + f"{label}の候補です。"]
        confidence = r["confidence"]
        if net <= 0:
            # Checking every result by eye would cost more than the tool saves: say so instead of proposing it.
            reasons.append(f"ただし1件{r.get('check_minutes_per_case', 0):g}分の目視確認（年{_h(checking)}）が削減見込み"
                           f"（{_h(gross)}）を上回るため、効果は見込めません。")
            confidence = round(confidence * 0.2, 2)
        flags.append(Flag("digital", tool, label, reasons, hours, max(0.0, net),
                          f"対象手順の{r['saving_rate']:.0%}を削減し、1件{r.get('check_minutes_per_case', 0):g}分の"
                          f"確認時間（年{_h(checking)}）を差し引く", confidence,
                          steps[0].no if len(steps) == 1 else None))


def _consolidate(task: TaskFacts, ctx: Context, rules: RuleSet, flags: list[Flag]) -> None:
    r = rules.section("consolidate")
    group = ctx.groups.get(task.id)
    if not r.get("enabled") or group is None or group.places < r["min_places"]:
        return
    if r.get("noncore_only") and task.is_core is not False:
        return
    if r.get("routine_only") and task.is_routine is not True:
        return
    flags.append(Flag("consolidate", "consolidate", "",
                      [f"同じ種類の業務「{group.key}」を市内の{group.places}の課で行っています"
                       f"（{group.tasks}業務・年間{_h(group.hours)}）。定型・ノンコアのため集約化の候補です。"],
                      task.hours, task.hours * r["saving_rate"],
                      f"集約による規模の効果で{r['saving_rate']:.0%}を削減できると仮定", r["confidence"]))


def _bpo(task: TaskFacts, rules: RuleSet, flags: list[Flag]) -> None:
    r = rules.section("bpo")
    if not r.get("enabled") or task.is_core is not False or task.is_routine is not True or task.needs_expertise is not False:
        return
    if task.cases < r["min_cases"] or task.hours < r["min_hours"]:
        return
    keywords = [k for k in r.get("public_authority_keywords", []) if k and k in task.name]
    if keywords:
        return  # an exercise of public authority cannot be outsourced
    flags.append(Flag("bpo", "bpo", "",
                      [f"ノンコア・定型・専門性無で、年{task.cases:,.0f}件・{_h(task.hours)}あり、"
                       "業務名に公権力の行使を示す語がありません。BPO・委託の候補です。"],
                      task.hours, task.hours * r["saving_rate"],
                      f"委託で職員の時間の{r['saving_rate']:.0%}が空くと仮定（残りは発注・監督・確認）", r["confidence"]))


def summarize(flags: Iterable[tuple[str, str, int, float]], task_hours: dict[int, float],
              division_of: dict[int, int]) -> dict:
    """Totals of candidates without double counting: per type (and per tool), a 業務 counts once with its largest
    saving; per 課, the largest saving of each 業務 over all types except 職員が注力すべき業務.

    ``flags`` are (type, tool, task id, saving hours). Returns {"types": [...], "tools": [...], "divisions": {id: h}}.
    """
    best: dict[tuple[str, str, int], float] = {}
    per_task: dict[int, float] = {}
    for type_, tool, task_id, saving in flags:
        for key in ((type_, "", task_id), (type_, tool, task_id)) if tool else ((type_, "", task_id),):
            if saving > best.get(key, -1.0):
                best[key] = saving
        if type_ != "focus" and saving > per_task.get(task_id, -1.0):
            per_task[task_id] = saving
    rows: dict[tuple[str, str], dict] = {}
    for (type_, tool, task_id), saving in best.items():
        slot = rows.setdefault((type_, tool), {"type": type_, "type_label": TYPES[type_], "tool": tool, "tasks": 0,
                                               "hours": 0.0, "saving_hours": 0.0})
        slot["tasks"] += 1
        slot["hours"] += task_hours.get(task_id, 0.0)
        slot["saving_hours"] += saving
    ordered = sorted(rows.values(), key=lambda r: (list(TYPES).index(r["type"]), r["tool"]))
    divisions: dict[int, float] = {}
    for task_id, saving in per_task.items():
        division = division_of.get(task_id)
        divisions[division] = divisions.get(division, 0.0) + saving
    return {"types": [r for r in ordered if not r["tool"]], "tools": [r for r in ordered if r["tool"]],
            "divisions": divisions}
