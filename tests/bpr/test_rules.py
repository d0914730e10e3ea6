"""Candidate rules on hand-made 業務 whose right flags are obvious, and on ones that must not be flagged."""

from __future__ import annotations

import pytest
import yaml

from civicdx.bpr.rules import Context, GroupInfo, StepFacts, TaskFacts, default_rules, evaluate, parse_rules
from civicdx.core.errors import ApplicationError

RULES = default_rules()


def step(no, kind, minutes, cases, medium="電子", seal=False, system="", name=None):
    return StepFacts(no, name or kind, kind, minutes, cases, medium, seal, system, minutes * cases / 60)


def task(steps, *, core=False, routine=True, expertise=False, name="業務", legal="地方自治法", minor="庶務", tid=1, division=10):
    t = TaskFacts(tid, f"T{tid}", name, tid * 100, division, minor, legal, core, routine, expertise, sum(s.hours for s in steps))
    t.steps = steps
    return t


def kinds(flags):
    return sorted((f.type, f.rule) for f in flags)


def test_rpa_for_routine_electronic_input_with_many_cases():
    t = task([step(1, "入力・転記", 6, 5000), step(2, "照合・点検", 2, 5000)], core=True, expertise=True)
    flags = evaluate(t, Context(), RULES)
    rpa = [f for f in flags if f.rule == "rpa"]
    assert len(rpa) == 1 and rpa[0].tool == "RPA"
    # 700 h at stake × 0.7 − 5,000 cases × 0.5 min checking ÷ 60 (per step, two steps)
    assert rpa[0].hours == pytest.approx(666.67, abs=0.01)
    assert rpa[0].saving_hours == pytest.approx(666.67 * 0.7 - 2 * 5000 * 0.5 / 60, abs=0.01)
    assert "RPA" in rpa[0].reasons[0] and "確認時間" in rpa[0].assumption


def test_ai_ocr_for_paper_reception_and_not_for_small_volumes():
    big = task([step(1, "受付", 5, 3000, medium="紙")], core=True, expertise=True)
    assert "ai_ocr" in {f.rule for f in evaluate(big, Context(), RULES)}
    small = task([step(1, "受付", 5, 100, medium="紙")], core=True, expertise=True)
    assert "ai_ocr" not in {f.rule for f in evaluate(small, Context(), RULES)}


def test_checking_every_result_by_eye_cancels_the_saving():
    # 1 minute per case, 2,000 paper forms: 33 h at stake, 50 % = 17 h, but 1 min checking each = 33 h.
    t = task([step(1, "受付", 1, 2000, medium="紙")], core=True, expertise=True)
    ocr = next(f for f in evaluate(t, Context(), RULES) if f.rule == "ai_ocr")
    assert ocr.saving_hours == 0 and ocr.confidence < 0.2 and "目視確認" in ocr.reasons[-1]


def test_bpo_only_for_noncore_routine_non_expert_and_not_public_authority():
    steps = [step(1, "受付", 10, 3000, medium="紙")]
    assert "bpo" in {f.type for f in evaluate(task(steps, name="粗大ごみ収集の受付"), Context(), RULES)}
    assert "bpo" not in {f.type for f in evaluate(task(steps, name="道路占用許可の審査"), Context(), RULES)}
    assert "bpo" not in {f.type for f in evaluate(task(steps, core=True), Context(), RULES)}
    assert "bpo" not in {f.type for f in evaluate(task(steps, expertise=True), Context(), RULES)}


def test_review_without_legal_basis_and_large_hours():
    t = task([step(1, "その他", 60, 1500)], legal="", core=True, routine=False, expertise=True)
    flag = next(f for f in evaluate(t, Context(), RULES) if f.rule == "no_legal_basis")
    assert flag.hours == 1500 and flag.saving_hours == pytest.approx(300)
    assert not [f for f in evaluate(task([step(1, "その他", 60, 1500)], legal="地方税法"), Context(), RULES)
                if f.rule == "no_legal_basis"]


def test_slow_step_against_the_city_median():
    t = task([step(1, "審査・確認", 40, 300)], core=True, routine=False, expertise=True, minor="児童手当")
    ctx = Context(medians={("児童手当", "審査・確認"): (10.0, 25)})
    flag = next(f for f in evaluate(t, ctx, RULES) if f.rule == "slow_step")
    assert flag.step_no == 1 and "4.0倍" in flag.reasons[0]
    assert flag.saving_hours == pytest.approx((40 - 10) * 300 / 60 * 0.5)
    too_few_peers = Context(medians={("児童手当", "審査・確認"): (10.0, 3)})
    assert "slow_step" not in {f.rule for f in evaluate(t, too_few_peers, RULES)}


def test_seal_and_paper_steps():
    t = task([step(1, "起案・決裁", 30, 100, medium="紙", seal=True)], core=True, routine=False, expertise=True)
    flag = next(f for f in evaluate(t, Context(), RULES) if f.rule == "seal_paper")
    assert "押印" in flag.reasons[0] and flag.hours == 50


def test_consolidation_needs_many_places_and_noncore_routine():
    t = task([step(1, "計算", 10, 600)], name="旅費の精算")
    ctx = Context(groups={1: GroupInfo(key="旅費の精算", places=12, tasks=14, hours=5000)})
    flag = next(f for f in evaluate(t, ctx, RULES) if f.type == "consolidate")
    assert "12の課" in flag.reasons[0]
    few = Context(groups={1: GroupInfo(key="旅費の精算", places=2, tasks=2, hours=300)})
    assert "consolidate" not in {f.type for f in evaluate(t, few, RULES)}
    core = task([step(1, "計算", 10, 600)], core=True)
    assert "consolidate" not in {f.type for f in evaluate(core, ctx, RULES)}


def test_focus_is_core_nonroutine_expertise():
    t = task([step(1, "相談・窓口対応", 60, 100)], core=True, routine=False, expertise=True)
    assert ("focus", "focus") in kinds(evaluate(t, Context(), RULES))


def test_a_small_core_task_is_not_flagged():
    t = task([step(1, "相談・窓口対応", 30, 20)], core=True, routine=False, expertise=False)
    assert evaluate(t, Context(), RULES) == []


def test_rule_changes_change_the_result():
    t = task([step(1, "入力・転記", 6, 400)], core=True, expertise=True)
    assert "rpa" not in {f.rule for f in evaluate(t, Context(), RULES)}
    data = yaml.safe_load(RULES.text)
    data["digital"]["rpa"]["min_cases"] = 300
    lowered = parse_rules(yaml.safe_dump(data, allow_unicode=True))
    assert lowered.fingerprint != RULES.fingerprint
    assert "rpa" in {f.rule for f in evaluate(t, Context(), lowered)}


@pytest.mark.parametrize("text, fragment", [
    ("review: [1, 2", "YAML"),
    ("digital:\n  rpa:\n    min_cases: たくさん\n", "digital.rpa.min_cases"),
    ("digital:\n  rpa:\n    saving_rate: 1.5\n", "0〜1"),
    ("bpo:\n  colour: blue\n", "bpo.colour"),
    ("unknown: 1\n", "unknown"),
])
def test_bad_rules_are_refused_with_a_reason(text, fragment):
    with pytest.raises(ApplicationError) as exc:
        parse_rules(text)
    assert fragment in exc.value.message
