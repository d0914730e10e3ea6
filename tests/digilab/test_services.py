"""Writes and reads of デジラボ on a hand-made survey: catalogue, baselines, the ledger and its monthly sums, the KPI,
the plan's targets, permissions, requests and their notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from django.utils import timezone

from civicdx.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from civicdx.core.models import AuditEvent
from civicdx.digilab import selectors, services
from civicdx.digilab.models import (Baseline, Initiative, LedgerEntry, LedgerMonth, Notification, Request,
                                    RequestComment, Service, Target)
from tests.flows.conftest import PATH_B

pytestmark = pytest.mark.django_db

FY = 2025
DAY = dt.date(2025, 6, 10)


def entry(lab, service_name, *, actor=None, org_unit=None, day=DAY, **kwargs):
    return services.ledger_entry_create(actor=actor or lab.dx, service=lab.service(service_name), occurred_on=day,
                                       org_unit=org_unit if org_unit is not None else lab.units["div"], **kwargs)


def sample(lab, service_name, minutes, **kwargs):
    kwargs.setdefault("sample_size", 20)
    return services.baseline_create(actor=lab.dx, service=lab.service(service_name), minutes_per_unit=minutes,
                                    **kwargs)


def month_sums(municipality) -> dict:
    return {(m.service_id, m.department, m.fiscal_year, m.month, m.measured):
            (m.entries, round(m.units, 6), round(m.gross_hours, 6), round(m.net_hours, 6), round(m.centre_hours, 6),
             round(m.residual_hours, 6))
            for m in LedgerMonth.objects.filter(municipality=municipality) if m.entries}


def entry_sums(municipality) -> dict:
    out = {}
    for e in LedgerEntry.objects.filter(municipality=municipality):
        key = (e.service_id, e.org_unit_id or 0, e.fiscal_year, e.month, e.measured)
        n, u, g, net, c, r = out.get(key, (0, 0.0, 0.0, 0.0, 0.0, 0.0))
        out[key] = (n + 1, u + e.units, g + e.gross_hours, net + e.net_hours, c + e.centre_hours,
                    r + e.gross_hours - e.net_hours)
    return {k: (v[0],) + tuple(round(x, 6) for x in v[1:]) for k, v in out.items()}


# ---------------------------------------------------------------------------------------------------------------
# Catalogue and baselines
# ---------------------------------------------------------------------------------------------------------------

def test_services_ensure_creates_the_five_defaults_once(lab):
    items = services.services_ensure(municipality=lab.municipality)
    assert [s.name for s in items] == ["AI議事録", "AI-OCR", "RPA集約処理", "ローコード支援・ヘルプデスク", "BPO"]
    by_name = {s.name: s for s in items}
    assert by_name["AI議事録"].default_baseline_minutes == 4.0 and by_name["AI議事録"].sla_days == 5
    assert by_name["AI-OCR"].default_baseline_minutes == 3.0 and by_name["AI-OCR"].sla_days == 15
    assert by_name["BPO"].default_baseline_minutes is None
    assert by_name["AI-OCR"].kind == Service.Kind.OCR
    again = services.services_ensure(municipality=lab.municipality)
    assert [s.pk for s in again] == [s.pk for s in items]
    assert Service.objects.filter(municipality=lab.municipality).count() == 5


def test_baseline_from_a_sample_needs_the_sample_size(lab):
    with pytest.raises(ApplicationError) as exc:
        services.baseline_create(actor=lab.dx, service=lab.service("AI-OCR"), minutes_per_unit=3.5)
    assert exc.value.code == "baseline_sample" and "サンプル数" in exc.value.message
    with pytest.raises(ApplicationError):
        services.baseline_create(actor=lab.dx, service=lab.service("AI-OCR"), minutes_per_unit=3.5, sample_size=0)
    b = services.baseline_create(actor=lab.dx, service=lab.service("AI-OCR"), minutes_per_unit="3.5",
                                 sample_size="１２", org_unit=lab.units["div"], measured_by="デジラボ",
                                 measured_on=dt.date(2025, 5, 1))
    assert (b.minutes_per_unit, b.sample_size, b.org_unit_id, b.source) == (3.5, 12, lab.units["div"].pk,
                                                                           Baseline.Source.SAMPLE)
    assert AuditEvent.objects.filter(action="digilab.baseline.create", object_id=str(b.pk)).exists()
    # a reported value needs no sample
    reported = services.baseline_create(actor=lab.dx, service=lab.service("AI-OCR"), minutes_per_unit=2,
                                        source=Baseline.Source.REPORT)
    assert reported.sample_size is None


@pytest.mark.parametrize("value, code, words", [("abc", "number_invalid", "数として読めません"),
                                                ("-1", "number_negative", "0以上"),
                                                (-2.5, "number_negative", "0以上"),
                                                ("", "number_missing", "入力してください")])
def test_baseline_minutes_must_be_a_non_negative_number(lab, value, code, words):
    with pytest.raises(ApplicationError) as exc:
        sample(lab, "AI-OCR", value)
    assert exc.value.code == code and words in exc.value.message and "導入前の時間" in exc.value.message
    assert not Baseline.objects.exists()


def test_full_width_and_grouped_numbers_are_read(lab):
    assert sample(lab, "AI-OCR", "１２").minutes_per_unit == 12.0
    assert sample(lab, "AI-OCR", "1,250").minutes_per_unit == 1250.0
    assert sample(lab, "AI-OCR", "約3.5").minutes_per_unit == 3.5


def test_only_the_centre_creates_baselines(lab):
    for user in (lab.div_editor, lab.editor_a, lab.viewer):
        with pytest.raises(PermissionDeniedError):
            services.baseline_create(actor=user, service=lab.service("AI-OCR"), minutes_per_unit=3, sample_size=20)
    assert not Baseline.objects.exists()


def test_baseline_of_a_task_belongs_to_its_department(lab):
    task = lab.task("B-1")
    b = sample(lab, "AI-OCR", 4, task=task)
    assert (b.org_unit_id, b.section_path, b.task_code, b.task_name) == (lab.units["div"].pk, PATH_B, "B-1", "給与計算")


def test_baseline_from_survey_takes_the_steps_the_service_takes_over(lab):
    rpa = services.baseline_from_survey(actor=lab.dx, service=lab.service("RPA集約処理"), task=lab.task("B-1"))
    assert rpa.minutes_per_unit == pytest.approx(300.0)  # 集計・報告 60 + 入力・転記 240 (not その他 30)
    assert rpa.source == Baseline.Source.SURVEY and rpa.task_code == "B-1" and rpa.org_unit_id == lab.units["div"].pk
    assert "2.給与データの入力" in rpa.note and "3." not in rpa.note
    ocr = services.baseline_from_survey(actor=lab.dx, service=lab.service("AI-OCR"), task=lab.task("B-1"))
    assert ocr.minutes_per_unit == pytest.approx(240.0)  # 入力・転記 only
    rpa_a2 = services.baseline_from_survey(actor=lab.dx, service=lab.service("RPA集約処理"), task=lab.task("A-2"))
    assert rpa_a2.minutes_per_unit == pytest.approx(10.0)  # 計算 only
    lowcode = services.baseline_from_survey(actor=lab.dx, service=lab.service("ローコード支援・ヘルプデスク"),
                                            task=lab.task("A-2"))
    assert lowcode.minutes_per_unit == pytest.approx(30.0)  # every step
    with pytest.raises(ApplicationError) as exc:
        services.baseline_from_survey(actor=lab.dx, service=lab.service("AI議事録"), task=lab.task("A-1"))
    assert exc.value.code == "baseline_no_steps" and "会議・打合せ" in exc.value.message
    with pytest.raises(ApplicationError):  # K-1 has no steps at all
        services.baseline_from_survey(actor=lab.dx, service=lab.service("ローコード支援・ヘルプデスク"),
                                      task=lab.task("K-1@A"))


def test_baseline_for_prefers_the_task_over_the_department_over_none(lab):
    ocr = lab.service("AI-OCR")
    div = lab.units["div"]
    assert services.baseline_for(ocr, div, PATH_B, "B-1") is None
    department = sample(lab, "AI-OCR", 5, org_unit=div)
    task = sample(lab, "AI-OCR", 2.5, task=lab.task("B-1"))
    sample(lab, "AI-OCR", 7, org_unit=lab.units["div_c"])
    sample(lab, "RPA集約処理", 9, org_unit=div)  # another service's baseline is never used
    assert services.baseline_for(ocr, div, PATH_B, "B-1") == task
    assert services.baseline_for(ocr, div, "総務局/総務部/人事課/人事係", "A-1") == department
    assert services.baseline_for(ocr, div) == department
    assert services.baseline_for(ocr, lab.units["div_c"]).minutes_per_unit == 7
    assert services.baseline_for(ocr, None) is None
    assert services.baseline_for(lab.service("AI議事録"), div, PATH_B, "B-1") is None


# ---------------------------------------------------------------------------------------------------------------
# Ledger entries
# ---------------------------------------------------------------------------------------------------------------

def test_entry_uses_the_given_baseline_then_task_then_department_then_default(lab):
    sample(lab, "AI-OCR", 5, org_unit=lab.units["div"])
    task_baseline = sample(lab, "AI-OCR", 2.5, task=lab.task("B-1"))

    given = entry(lab, "AI-OCR", units=100, baseline_minutes="6", task=lab.task("B-1"))
    assert given.baseline_minutes == 6 and given.baseline_id is None and given.gross_hours == pytest.approx(10)

    by_task = entry(lab, "AI-OCR", units=120, task=lab.task("B-1"), org_unit=None)
    assert by_task.baseline_id == task_baseline.pk and by_task.baseline_minutes == 2.5
    assert by_task.gross_hours == pytest.approx(5.0)
    assert (by_task.org_unit_id, by_task.section_path, by_task.task_code) == (lab.units["div"].pk, PATH_B, "B-1")

    by_department = entry(lab, "AI-OCR", units=120)
    assert by_department.baseline_minutes == 5 and by_department.gross_hours == pytest.approx(10.0)
    of_a_section = entry(lab, "AI-OCR", units=120, org_unit=lab.units["A"])  # a 係 counts for its 課
    assert of_a_section.baseline_minutes == 5 and of_a_section.org_unit_id == lab.units["div"].pk

    default = entry(lab, "AI-OCR", units=120, org_unit=lab.units["div_c"])
    assert default.baseline_id is None and default.baseline_minutes == 3.0 and default.gross_hours == pytest.approx(6)

    with pytest.raises(ApplicationError) as exc:
        entry(lab, "BPO", units=10)
    assert exc.value.code == "ledger_baseline" and "基準値" in exc.value.message and "BPO" in exc.value.message
    assert not LedgerEntry.objects.filter(service=lab.service("BPO")).exists()


def test_entry_keeps_the_minutes_it_used_when_the_baseline_changes(lab):
    baseline = sample(lab, "AI-OCR", 5, org_unit=lab.units["div"])
    old = entry(lab, "AI-OCR", units=60, residual_minutes=30)
    assert (old.baseline_minutes, old.gross_hours, old.net_hours) == (5, pytest.approx(5.0), pytest.approx(4.5))
    Baseline.objects.filter(pk=baseline.pk).update(minutes_per_unit=10)
    newer = sample(lab, "AI-OCR", 8, org_unit=lab.units["div"], measured_on=dt.date(2025, 7, 1))
    new = entry(lab, "AI-OCR", units=60, residual_minutes=30)
    assert new.baseline_id == newer.pk and new.gross_hours == pytest.approx(8.0)
    old.refresh_from_db()
    assert (old.baseline_minutes, old.gross_hours, old.net_hours) == (5, pytest.approx(5.0), pytest.approx(4.5))
    baseline.delete()
    old.refresh_from_db()
    assert old.baseline_id is None and old.gross_hours == pytest.approx(5.0)


def test_entry_numbers_are_checked_in_japanese(lab):
    for kwargs, words in ((dict(units="abc"), "処理した単位数"), (dict(units=-5), "0以上"),
                          (dict(units=10, residual_minutes="-1"), "確認・修正の時間"),
                          (dict(units=10, baseline_minutes="x"), "導入前の時間")):
        with pytest.raises(ApplicationError) as exc:
            entry(lab, "AI-OCR", **kwargs)
        assert words in exc.value.message, kwargs
    full_width = entry(lab, "AI-OCR", units="１２０", residual_minutes="３０")
    assert full_width.units == 120 and full_width.net_hours == pytest.approx(5.5)
    assert LedgerEntry.objects.count() == 1 and LedgerMonth.objects.get().entries == 1


def test_future_measured_entry_is_refused_but_a_projection_is_not(lab):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ApplicationError) as exc:
        entry(lab, "AI-OCR", units=10, day=tomorrow)
    assert exc.value.code == "ledger_future" and "未来" in exc.value.message
    projected = entry(lab, "AI-OCR", units=10, day=tomorrow, measured=False)
    assert projected.measured is False


def test_measured_and_projected_in_the_kpi(lab):
    entry(lab, "AI-OCR", units=200, residual_minutes=90)  # net 8.5
    entry(lab, "AI議事録", units=60)  # 4 h
    k = selectors.kpi(user=lab.dx, municipality=lab.municipality, fiscal_year=FY)
    ocr = next(s for s in k["services"] if s["service"] == "AI-OCR")
    assert ocr["measured"] is True and ocr["projected_hours"] == 0
    assert k["total"]["measured"] is True
    entry(lab, "AI-OCR", units=1200, residual_minutes=600, measured=False)  # 60 − 10 = 50 h projected
    k = selectors.kpi(user=lab.dx, municipality=lab.municipality, fiscal_year=FY)
    ocr = next(s for s in k["services"] if s["service"] == "AI-OCR")
    minutes = next(s for s in k["services"] if s["service"] == "AI議事録")
    assert ocr["measured"] is False and ocr["projected_hours"] == pytest.approx(50.0)
    assert ocr["net_hours"] == pytest.approx(58.5)
    assert minutes["measured"] is True
    assert k["total"]["measured"] is False and k["total"]["projected_hours"] == pytest.approx(50.0)


def test_a_projection_with_zero_net_still_makes_the_service_not_measured(lab):
    entry(lab, "AI-OCR", units=200, residual_minutes=90)
    entry(lab, "AI-OCR", units=100, residual_minutes=300, measured=False)  # 5 h − 5 h = 0 h projected
    k = selectors.kpi(user=lab.dx, municipality=lab.municipality, fiscal_year=FY)
    ocr = next(s for s in k["services"] if s["service"] == "AI-OCR")
    assert ocr["measured"] is False


def test_month_sums_follow_creates_and_deletes_and_rebuild_reproduces_them(lab):
    made = [entry(lab, "AI-OCR", units=200, residual_minutes=90, centre_minutes=45),
            entry(lab, "AI-OCR", units=100, residual_minutes=400, day=dt.date(2025, 6, 20)),
            entry(lab, "AI-OCR", units=50, org_unit=lab.units["div_c"]),
            entry(lab, "AI議事録", units=2160, centre_minutes=120, day=dt.date(2026, 1, 15)),
            entry(lab, "RPA集約処理", units=30, day=dt.date(2025, 3, 31)),
            entry(lab, "AI-OCR", units=900, measured=False, day=dt.date(2025, 6, 30))]
    assert month_sums(lab.municipality) == entry_sums(lab.municipality)
    june = LedgerMonth.objects.get(service=lab.service("AI-OCR"), department=lab.units["div"].pk, fiscal_year=2025,
                                   month=6, measured=True)
    assert june.entries == 2 and june.units == 300
    assert june.gross_hours == pytest.approx(15.0) and june.net_hours == pytest.approx(8.5 - 5 / 3)
    assert june.residual_hours == pytest.approx(1.5 + 400 / 60) and june.centre_hours == pytest.approx(0.75)
    assert LedgerMonth.objects.get(service=lab.service("RPA集約処理")).fiscal_year == 2024

    with pytest.raises(PermissionDeniedError):
        services.ledger_entry_delete(actor=lab.div_editor, entry=made[1], reason="誤り")
    with pytest.raises(ApplicationError) as exc:
        services.ledger_entry_delete(actor=lab.dx, entry=made[1], reason="  ")
    assert exc.value.code == "ledger_reason" and "理由" in exc.value.message
    assert LedgerEntry.objects.filter(pk=made[1].pk).exists()
    deleted_pk = made[1].pk
    services.ledger_entry_delete(actor=lab.dx, entry=made[1], reason="二重登録")
    assert not LedgerEntry.objects.filter(pk=deleted_pk).exists()
    event = AuditEvent.objects.get(action="digilab.ledger.delete", object_id=str(deleted_pk))
    assert event.actor_id == lab.dx.pk and event.changes["reason"] == "二重登録" and event.changes["units"] == 100
    june.refresh_from_db()
    assert june.entries == 1 and june.net_hours == pytest.approx(8.5) and june.units == pytest.approx(200)
    assert month_sums(lab.municipality) == entry_sums(lab.municipality)

    before = month_sums(lab.municipality)
    assert services.ledger_months_rebuild(municipality=lab.municipality) == len(before)
    assert month_sums(lab.municipality) == before
    assert LedgerMonth.objects.filter(municipality=lab.municipality).aggregate(n=Sum("net_hours"))["n"] == \
        pytest.approx(LedgerEntry.objects.aggregate(n=Sum("net_hours"))["n"])


def test_kpi_totals_per_service_with_a_negative_saving(lab):
    entry(lab, "AI-OCR", units=200, residual_minutes=90, centre_minutes=45)   # 10 / 8.5 / 0.75
    entry(lab, "AI議事録", units=2160, centre_minutes=120)                    # 144 / 144 / 2
    entry(lab, "AI-OCR", units=999, day=dt.date(2025, 3, 31))                 # FY2024: not counted
    k = selectors.kpi(user=lab.dx, municipality=lab.municipality, fiscal_year=FY)
    assert k["total"]["net_hours"] == pytest.approx(152.5)
    entry(lab, "AI-OCR", units=100, residual_minutes=400)                      # 5 / −1.67: costs time
    k = selectors.kpi(user=lab.dx, municipality=lab.municipality, fiscal_year=FY)
    assert k["fiscal_year"] == FY
    assert [s["service"] for s in k["services"]] == ["AI議事録", "AI-OCR"]
    ocr = next(s for s in k["services"] if s["service"] == "AI-OCR")
    assert (ocr["units"], ocr["entries"], ocr["gross_hours"], ocr["net_hours"], ocr["centre_effort_hours"],
            ocr["net_after_centre_hours"]) == (300, 2, 15.0, 6.8, 0.8, 6.1)
    minutes = next(s for s in k["services"] if s["service"] == "AI議事録")
    assert (minutes["gross_hours"], minutes["net_hours"], minutes["centre_effort_hours"]) == (144.0, 144.0, 2.0)
    assert k["total"]["gross_hours"] == 159.0 and k["total"]["net_hours"] == 150.8
    assert k["total"]["centre_effort_hours"] == 2.8 and k["total"]["net_after_centre_hours"] == 148.1
    assert k["total"]["person_years"] == round(150.8 / 1950, 2)
    prior = selectors.kpi(user=lab.dx, municipality=lab.municipality, fiscal_year=2024)
    assert prior["total"]["net_hours"] == pytest.approx(49.95, abs=0.05)  # 999 × 3 / 60
    assert selectors.kpi(user=lab.dx, municipality=lab.municipality, fiscal_year=2020)["services"] == []


def test_plan_targets_and_actuals(lab):
    ini = Initiative.objects.create(municipality=lab.municipality, name="AIによる削減")
    ini.services.set([lab.service("AI-OCR"), lab.service("AI議事録")])
    other = Initiative.objects.create(municipality=lab.municipality, name="ローコード", sort_order=1)
    other.services.set([lab.service("ローコード支援・ヘルプデスク")])
    entry(lab, "AI-OCR", units=200, residual_minutes=90)           # 8.5
    entry(lab, "AI議事録", units=60)                                # 4
    entry(lab, "RPA集約処理", units=600)                             # 20, not in the initiative
    entry(lab, "AI-OCR", units=100, residual_minutes=400)           # −1.67
    entry(lab, "AI-OCR", units=20, day=dt.date(2024, 12, 1))        # FY2024: 1

    with pytest.raises(PermissionDeniedError):
        services.targets_save(actor=lab.div_editor, initiative=ini, targets={2025: 100})
    services.targets_save(actor=lab.dx, initiative=ini, targets={2025: "１,０００", 2024: "500", 2023: ""})
    assert {t.fiscal_year: t.target_hours for t in ini.targets.all()} == {2024: 500, 2025: 1000}
    with pytest.raises(ApplicationError) as exc:
        services.targets_save(actor=lab.dx, initiative=ini, targets={2025: "たくさん"})
    assert "2025年度の目標" in exc.value.message
    services.targets_save(actor=lab.dx, initiative=ini, targets={2025: "1200", 2024: ""})
    assert {t.fiscal_year: t.target_hours for t in Target.objects.filter(initiative=ini)} == {2025: 1200}
    events = AuditEvent.objects.filter(action="digilab.targets.save", object_id=str(ini.pk)).order_by("id")
    assert events.count() == 2 and events.last().changes == {"2025": [1000.0, 1200.0], "2024": [500.0, None]}

    plan = {p["name"]: p for p in selectors.plan(user=lab.dx, municipality=lab.municipality)}
    assert plan["AIによる削減"]["targets"] == {2025: 1200}
    assert plan["AIによる削減"]["actuals"][2025] == pytest.approx(8.5 + 4 - 5 / 3)
    assert plan["AIによる削減"]["actuals"][2024] == pytest.approx(1.0)
    assert plan["ローコード"]["actuals"] == {}
    k = selectors.kpi(user=lab.dx, municipality=lab.municipality, fiscal_year=FY)
    assert k["targets"] == [{"initiative": "AIによる削減", "target_hours": 1200, "actual_hours": 10.8},
                            {"initiative": "ローコード", "target_hours": None, "actual_hours": 0.0}]


# ---------------------------------------------------------------------------------------------------------------
# Who may post entries
# ---------------------------------------------------------------------------------------------------------------

def test_a_department_editor_posts_for_its_own_department_only(lab):
    own = entry(lab, "AI-OCR", actor=lab.div_editor, units=10, org_unit=lab.units["div"])
    assert own.created_by_id == lab.div_editor.pk and own.org_unit_id == lab.units["div"].pk
    of_its_section = entry(lab, "AI-OCR", actor=lab.div_editor, units=10, org_unit=lab.units["B"])
    assert of_its_section.org_unit_id == lab.units["div"].pk
    with_task = entry(lab, "AI-OCR", actor=lab.div_editor, units=10, org_unit=None, task=lab.task("A-2"))
    assert with_task.task_code == "A-2"
    for actor, unit in ((lab.div_editor, lab.units["div_c"]), (lab.div_editor, lab.units["C"]),
                        (lab.div_editor_c, lab.units["div"]), (lab.editor_c, lab.units["div"]),
                        (lab.viewer, lab.units["div"]), (lab.div_editor, None)):
        with pytest.raises(PermissionDeniedError):
            services.ledger_entry_create(actor=actor, service=lab.service("AI-OCR"), occurred_on=DAY, units=10,
                                         org_unit=unit)
    with pytest.raises(PermissionDeniedError):
        entry(lab, "AI-OCR", actor=lab.div_editor_c, units=10, org_unit=None, task=lab.task("A-2"))
    assert LedgerEntry.objects.count() == 3


def test_a_section_editor_posts_for_its_own_section(lab):
    made = services.ledger_entry_create(actor=lab.editor_a, service=lab.service("AI-OCR"), occurred_on=DAY, units=10,
                                        task=lab.task("A-2"))
    assert made.section_path == lab.units["A"].path


def test_a_section_editor_cannot_post_for_a_sibling_section(lab):
    with pytest.raises(PermissionDeniedError):
        entry(lab, "AI-OCR", actor=lab.editor_a, units=10, org_unit=None, task=lab.task("B-1"))


# ---------------------------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------------------------

def new_request(lab, actor=None, service="AI-OCR", **kwargs):
    kwargs.setdefault("title", "申請書の読み取り")
    return services.request_create(actor=actor or lab.editor_a, service=lab.service(service), **kwargs)


def test_request_create_by_a_section_editor(lab):
    today = timezone.localdate()
    req = new_request(lab, description="年間1,200件", volume="1,200", deadline=today + dt.timedelta(days=30),
                      task=lab.task("A-2"))
    assert req.org_unit_id == lab.units["A"].pk and req.requester_id == lab.editor_a.pk
    assert req.status == Request.Status.NEW and req.volume == 1200
    assert req.sla_due == today + dt.timedelta(days=15)
    assert (req.section_path, req.task_code, req.task_name) == (lab.units["A"].path, "A-2", "旅費の精算")
    minutes = new_request(lab, service="AI議事録", title="議事録")
    assert minutes.sla_due == today + dt.timedelta(days=5)
    assert AuditEvent.objects.filter(action="digilab.request.create", object_id=str(req.pk)).exists()
    # the centre's staff are told, nobody else
    notes = Notification.objects.filter(url=f"/digilab/requests/{req.pk}/")
    assert sorted(n.user.username for n in notes) == ["dx_office", "dx_second"]
    assert all("申請書の読み取り" in n.text and "AI-OCR" in n.text and n.read_at is None for n in notes)
    assert not Notification.objects.filter(user=lab.editor_a).exists()


def test_request_create_refusals(lab):
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as exc:
        new_request(lab, deadline=today - dt.timedelta(days=1))
    assert exc.value.code == "request_deadline" and "過去" in exc.value.message
    assert new_request(lab, deadline=today).deadline == today
    with pytest.raises(PermissionDeniedError) as exc:
        new_request(lab, actor=lab.viewer)
    assert "閲覧者" in exc.value.message
    for actor, unit in ((lab.editor_a, lab.units["C"]), (lab.editor_a, lab.units["B"]),
                        (lab.editor_a, lab.units["div"]), (lab.editor_c, lab.units["A"])):
        with pytest.raises(PermissionDeniedError):
            new_request(lab, actor=actor, org_unit=unit)
    with pytest.raises(ApplicationError) as exc:
        new_request(lab, title="  ")
    assert exc.value.code == "request_title"
    with pytest.raises(ApplicationError) as exc:
        new_request(lab, volume="たくさん")
    assert "見込み件数" in exc.value.message
    Service.objects.filter(pk=lab.service("BPO").pk).update(active=False)
    with pytest.raises(ApplicationError) as exc:
        services.request_create(actor=lab.editor_a, service=Service.objects.get(name="BPO"), title="委託")
    assert exc.value.code == "request_service"
    assert Request.objects.count() == 1
    # a 課 editor files for one of its 係
    assert new_request(lab, actor=lab.div_editor, org_unit=lab.units["B"]).org_unit_id == lab.units["B"].pk


def test_request_update_by_the_centre_only_with_allowed_transitions(lab):
    req = new_request(lab)
    Notification.objects.all().delete()
    with pytest.raises(PermissionDeniedError):
        services.request_update(actor=lab.editor_a, req=req, status=Request.Status.TRIAGED)
    with pytest.raises(PermissionDeniedError):
        services.request_update(actor=lab.div_editor, req=req, status=Request.Status.TRIAGED)
    with pytest.raises(ApplicationError) as exc:
        services.request_update(actor=lab.dx, req=req, status=Request.Status.WAITING)
    assert exc.value.code == "request_transition" and exc.value.message == "「受付待ち」から「依頼元の回答待ち」には変えられません。"
    with pytest.raises(ApplicationError) as exc:
        services.request_update(actor=lab.dx, req=req, assignee=lab.editor_b)
    assert exc.value.code == "request_assignee" and "センターの職員" in exc.value.message
    req.refresh_from_db()
    assert req.status == Request.Status.NEW and req.assignee_id is None

    services.request_update(actor=lab.dx, req=req, status=Request.Status.TRIAGED, assignee=lab.dx2, comment="受けます")
    req.refresh_from_db()
    assert req.status == Request.Status.TRIAGED and req.assignee_id == lab.dx2.pk and req.closed_at is None
    history = list(RequestComment.objects.filter(request=req).values_list("event", "body"))
    assert history == [("status:triaged", "状態: 受付待ち → 受付済み"), ("assign:dx_second", "担当: dx_second"),
                       ("", "受けます")]
    assert sorted(n.user.username for n in Notification.objects.all()) == ["dx_second", "editor_a"]

    services.request_update(actor=lab.dx, req=req, status=Request.Status.IN_PROGRESS)
    services.request_update(actor=lab.dx2, req=req, status=Request.Status.DONE)
    req.refresh_from_db()
    assert req.status == Request.Status.DONE and req.closed_at is not None and not req.is_open
    with pytest.raises(ApplicationError) as exc:
        services.request_update(actor=lab.dx, req=req, status=Request.Status.WAITING)
    assert exc.value.message == "「完了」から「依頼元の回答待ち」には変えられません。"
    services.request_update(actor=lab.dx, req=req, status=Request.Status.IN_PROGRESS)  # reopened
    req.refresh_from_db()
    assert req.closed_at is None and req.is_open
    services.request_update(actor=lab.dx, req=req, status=Request.Status.REJECTED)
    req.refresh_from_db()
    assert req.closed_at is not None
    # nothing to change: nothing written
    count = RequestComment.objects.count()
    services.request_update(actor=lab.dx, req=req, status=Request.Status.REJECTED)
    assert RequestComment.objects.count() == count


def test_an_unknown_status_is_refused_with_a_message(lab):
    req = new_request(lab)
    with pytest.raises(ApplicationError):
        services.request_update(actor=lab.dx, req=req, status="bogus")


def test_comments_notify_the_other_side(lab):
    req = new_request(lab)
    Notification.objects.all().delete()
    services.request_comment(actor=lab.editor_a, req=req, body="様式を添付します")
    assert sorted(n.user.username for n in Notification.objects.all()) == ["dx_office", "dx_second"]
    assert "様式を添付します" in Notification.objects.first().text
    services.request_update(actor=lab.dx, req=req, status=Request.Status.TRIAGED, assignee=lab.dx2)
    Notification.objects.all().delete()
    services.request_comment(actor=lab.editor_a, req=req, body="いつ頃になりますか")
    assert [n.user.username for n in Notification.objects.all()] == ["dx_second"]
    Notification.objects.all().delete()
    services.request_comment(actor=lab.dx2, req=req, body="来週です")
    assert [n.user.username for n in Notification.objects.all()] == ["editor_a"]
    Notification.objects.all().delete()
    services.request_comment(actor=lab.dx, req=req, body="補足")
    assert sorted(n.user.username for n in Notification.objects.all()) == ["dx_second", "editor_a"]
    with pytest.raises(ApplicationError) as exc:
        services.request_comment(actor=lab.editor_a, req=req, body=" ")
    assert exc.value.code == "comment_empty"
    with pytest.raises(PermissionDeniedError):
        services.request_comment(actor=lab.editor_c, req=req, body="見えないはず")
    with pytest.raises(PermissionDeniedError):
        services.request_comment(actor=lab.editor_b, req=req, body="隣の係")
    assert list(req.comments.filter(event="").values_list("body", flat=True)) == [
        "様式を添付します", "いつ頃になりますか", "来週です", "補足"]


def test_requests_for_scopes_and_the_queue(lab):
    mine = new_request(lab, title="係Aの依頼")
    theirs = new_request(lab, actor=lab.editor_c, title="係Cの依頼")

    def titles(user, **kwargs):
        return sorted(r.title for r in selectors.requests_for(user=user, municipality=lab.municipality, **kwargs))

    assert titles(lab.editor_a) == ["係Aの依頼"]
    assert titles(lab.div_editor) == ["係Aの依頼"]
    assert titles(lab.viewer) == ["係Aの依頼"]
    assert titles(lab.editor_b) == []
    assert titles(lab.div_editor_c) == ["係Cの依頼"]
    assert titles(lab.dx) == ["係Aの依頼", "係Cの依頼"]
    assert titles(lab.dx, queue=True) == ["係Aの依頼", "係Cの依頼"]
    for user in (lab.editor_a, lab.div_editor, lab.viewer):
        with pytest.raises(PermissionDeniedError):
            selectors.requests_for(user=user, municipality=lab.municipality, queue=True)
    services.request_update(actor=lab.dx, req=theirs, status=Request.Status.REJECTED)
    assert titles(lab.dx, queue=True, status="open") == ["係Aの依頼"]
    assert titles(lab.dx, queue=True, status="rejected") == ["係Cの依頼"]

    assert selectors.request_get(user=lab.div_editor, request_id=mine.pk) == mine
    assert selectors.request_get(user=lab.dx, request_id=mine.pk) == mine
    for user in (lab.editor_c, lab.div_editor_c, lab.editor_b):
        with pytest.raises(NotFoundError):
            selectors.request_get(user=user, request_id=mine.pk)
    with pytest.raises(NotFoundError):
        selectors.request_get(user=lab.dx, request_id=mine.pk + 1000)


def test_by_department_is_scoped_to_the_users_department(lab):
    entry(lab, "AI-OCR", units=600)                                  # 人事課: 30 h
    entry(lab, "AI-OCR", units=200, org_unit=lab.units["div_c"])     # 市民課: 10 h

    def rows(user):
        return {r["name"]: round(r["net_hours"], 3)
                for r in selectors.by_department(user=user, municipality=lab.municipality, fiscal_year=FY)}

    assert rows(lab.dx) == {lab.units["div"].path: 30.0, lab.units["div_c"].path: 10.0}
    assert list(rows(lab.dx)) == [lab.units["div"].path, lab.units["div_c"].path]  # most saved first
    assert rows(lab.div_editor) == {lab.units["div"].path: 30.0}
    assert rows(lab.editor_a) == {lab.units["div"].path: 30.0}
    assert rows(lab.editor_c) == {lab.units["div_c"].path: 10.0}
    assert rows(lab.viewer) == {lab.units["div"].path: 30.0}
