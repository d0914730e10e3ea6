"""The demo city's デジラボ: the DX progress report's figures as history, the plan's targets, synthetic months after
May 2022 that say so, one annualised pilot (projected), and a reload that does not duplicate anything."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum

from civicdx.core.models import User
from civicdx.digilab import ledger, selectors
from civicdx.digilab.demo import demo_load_digilab
from civicdx.digilab.models import (Baseline, Initiative, LedgerEntry, LedgerMonth, Notification, Request, Service,
                                    Target)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 26)
SERVICES4 = ["AI議事録", "AI-OCR", "RPA集約処理", "ローコード支援・ヘルプデスク"]


@pytest.fixture
def demo(db):
    from civicdx.survey.services import demo_load

    survey = demo_load(scale="small", seed=11)
    result = demo_load_digilab(municipality=survey.municipality, survey=survey, today=TODAY)
    return survey, result


def kpi(survey, year):
    return selectors.kpi(user=User.objects.get(username="dx"), municipality=survey.municipality, fiscal_year=year)


def by_service(k) -> dict:
    return {s["service"]: s for s in k["services"]}


def test_fiscal_2021_is_the_reported_15515_hours(demo):
    survey, _ = demo
    k = kpi(survey, 2021)
    services = by_service(k)
    assert {name: services[name]["net_hours"] for name in SERVICES4} == {
        "AI議事録": 5940.0, "AI-OCR": 1049.0, "RPA集約処理": 1499.0, "ローコード支援・ヘルプデスク": 7027.0}
    assert list(services) == SERVICES4
    assert k["total"]["net_hours"] == 15515.0 and k["total"]["gross_hours"] == 15515.0
    assert k["total"]["measured"] is True
    assert k["total"]["person_years"] == round(15515 / 1950, 2)
    assert LedgerEntry.objects.filter(fiscal_year=2021).aggregate(n=Sum("net_hours"))["n"] == 15515
    assert set(LedgerEntry.objects.filter(fiscal_year=2021).values_list("source", flat=True)) == {"report"}


def test_fiscal_2022_up_to_may_is_the_report(demo):
    survey, _ = demo
    reported = (LedgerEntry.objects.filter(municipality=survey.municipality, source="report", fiscal_year=2022)
                .values("service__name").annotate(n=Sum("net_hours")))
    assert {r["service__name"]: r["n"] for r in reported} == {"AI議事録": 755, "AI-OCR": 141, "RPA集約処理": 44}
    early = LedgerEntry.objects.filter(municipality=survey.municipality, occurred_on__gte=dt.date(2022, 4, 1),
                                       occurred_on__lte=dt.date(2022, 5, 31))
    assert set(early.values_list("source", flat=True)) == {"report"}
    assert early.aggregate(n=Sum("net_hours"))["n"] == 755 + 141 + 44
    assert all(e.occurred_on == dt.date(2022, 5, 31) and "5月末" in e.note for e in early)


def test_synthetic_entries_say_so(demo):
    survey, result = demo
    synthetic = LedgerEntry.objects.filter(municipality=survey.municipality).exclude(source="report")
    assert synthetic.exists()
    assert set(synthetic.values_list("source", flat=True)) == {LedgerEntry.Source.DEMO}
    assert all("合成" in note for note in synthetic.values_list("note", flat=True))
    first = synthetic.order_by("occurred_on").first().occurred_on
    last = synthetic.order_by("-occurred_on").first().occurred_on
    assert first >= dt.date(2022, 6, 1) and last <= dt.date(2026, 10, 31)  # up to the last full month
    assert LedgerEntry.objects.filter(municipality=survey.municipality, source="report").count() == 7
    assert result["entries"] == LedgerEntry.objects.filter(municipality=survey.municipality).count()
    # each synthetic entry is consistent with the one definition of hours saved
    for e in synthetic[:200]:
        h = ledger.entry_hours(units=e.units, baseline_minutes=e.baseline_minutes, residual_minutes=e.residual_minutes,
                               centre_minutes=e.centre_minutes)
        assert e.gross_hours == pytest.approx(h.gross, rel=1e-3, abs=0.01)
        assert e.net_hours == pytest.approx(h.net, rel=1e-3, abs=0.02)
        assert e.fiscal_year == ledger.fiscal_year_of(e.occurred_on) and e.month == e.occurred_on.month
    # the monthly sums agree with the entries
    months = LedgerMonth.objects.filter(municipality=survey.municipality).aggregate(n=Sum("net_hours"),
                                                                                   e=Sum("entries"))
    assert months["e"] == result["entries"]
    assert months["n"] == pytest.approx(LedgerEntry.objects.filter(municipality=survey.municipality)
                                        .aggregate(n=Sum("net_hours"))["n"])


def test_the_plan_has_the_2025_targets(demo):
    survey, _ = demo
    plan = selectors.plan(user=User.objects.get(username="dx"), municipality=survey.municipality)
    assert [(p["name"], p["targets"]) for p in plan] == [
        ("デジラボ（センター）による削減", {2025: 30000}),
        ("全庁の削減時間（DX・AI活用の全体）", {2025: 100000}),
        ("職員が作る業務アプリ（kintone）による削減", {2025: 50000})]
    assert plan[0]["services"] == SERVICES4
    assert plan[2]["services"] == ["ローコード支援・ヘルプデスク"]
    assert plan[0]["actuals"][2021] == pytest.approx(15515)
    assert plan[2]["actuals"][2021] == pytest.approx(7027)
    assert plan[1]["actuals"][2022] >= plan[0]["actuals"][2022] > 755 + 141 + 44
    targets = {t["initiative"]: t for t in kpi(survey, 2025)["targets"]}
    assert targets["デジラボ（センター）による削減"]["target_hours"] == 30000
    assert targets["全庁の削減時間（DX・AI活用の全体）"]["target_hours"] == 100000
    assert targets["職員が作る業務アプリ（kintone）による削減"]["target_hours"] == 50000
    assert targets["デジラボ（センター）による削減"]["actual_hours"] > 0


def test_the_pilot_is_projected_in_the_latest_year(demo):
    survey, _ = demo
    pilot = LedgerEntry.objects.get(municipality=survey.municipality, measured=False)
    assert pilot.service.name == "AI-OCR" and pilot.fiscal_year == 2026 and pilot.occurred_on == dt.date(2026, 10, 15)
    assert pilot.units == pytest.approx(4866.7, abs=0.05)
    k = by_service(kpi(survey, 2026))
    assert k["AI-OCR"]["measured"] is False
    assert k["AI-OCR"]["projected_hours"] == pytest.approx(round(pilot.net_hours, 1))
    assert pilot.net_hours == pytest.approx(4866.67 * 3 / 60 - 4866.67 * 0.8 / 60, abs=0.05)  # 178.4 h
    assert all(k[name]["measured"] for name in ("AI議事録", "RPA集約処理", "ローコード支援・ヘルプデスク"))
    assert all(s["measured"] for s in kpi(survey, 2025)["services"])


def test_demo_requests(demo):
    survey, result = demo
    reqs = {r.title: r for r in Request.objects.filter(municipality=survey.municipality)}
    assert result["requests"] == 3 and len(reqs) == 3
    assert reqs["申請書の読み取り"].status == Request.Status.IN_PROGRESS
    assert reqs["集計表の転記"].status == Request.Status.DONE and reqs["集計表の転記"].closed_at is not None
    assert reqs["会議録の作成（定例会議）"].status == Request.Status.NEW
    kakari = User.objects.get(username="kakari")
    assert {r.requester_id for r in reqs.values()} == {kakari.pk}


def snapshot(municipality):
    return {
        "services": Service.objects.filter(municipality=municipality).count(),
        "entries": LedgerEntry.objects.filter(municipality=municipality).count(),
        "months": LedgerMonth.objects.filter(municipality=municipality).count(),
        "net": round(LedgerEntry.objects.filter(municipality=municipality).aggregate(n=Sum("net_hours"))["n"], 6),
        "month_net": round(LedgerMonth.objects.filter(municipality=municipality)
                           .aggregate(n=Sum("net_hours"))["n"], 6),
        "requests": Request.objects.filter(municipality=municipality).count(),
        "initiatives": Initiative.objects.filter(municipality=municipality).count(),
        "targets": Target.objects.filter(initiative__municipality=municipality).count(),
        "baselines": Baseline.objects.filter(service__municipality=municipality).count(),
    }


def test_loading_twice_does_not_duplicate(demo):
    survey, _ = demo
    first = snapshot(survey.municipality)
    assert first["services"] == 5 and first["initiatives"] == 3 and first["targets"] == 3 and first["requests"] == 3
    k1 = kpi(survey, 2023)
    demo_load_digilab(municipality=survey.municipality, survey=survey, today=TODAY)
    assert snapshot(survey.municipality) == first
    k2 = kpi(survey, 2023)
    assert k2["total"] == k1["total"]
    assert kpi(survey, 2021)["total"]["net_hours"] == 15515.0


def test_reloading_leaves_no_notification_for_a_deleted_request(demo):
    survey, _ = demo
    demo_load_digilab(municipality=survey.municipality, survey=survey, today=TODAY)
    existing = {f"/digilab/requests/{pk}/" for pk in Request.objects.values_list("pk", flat=True)}
    urls = set(Notification.objects.filter(url__startswith="/digilab/requests/").values_list("url", flat=True))
    assert urls <= existing
