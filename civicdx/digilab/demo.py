"""The demo city's デジラボ: the catalogue, the DX plan, the report's figures as history, synthetic months after.

The figures of the DX progress report are loaded as they were reported (source REPORT, one entry per service and
period): FY2021 (令和3年度) AI議事録 5,940 h, AI-OCR 1,049 h, RPA 1,499 h, kintone 7,027 h = 15,515 h, and FY2022
up to the end of May 755 h, 141 h, 44 h. Everything after May 2022 is synthetic (source DEMO) and says so.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from civicdx.core.bulk import bulk_insert, reserve_ids
from civicdx.core.models import Municipality, OrgUnit, User
from civicdx.digilab import ledger
from civicdx.digilab.models import Baseline, Initiative, LedgerEntry, LedgerMonth, Notification, Request, Target
from civicdx.digilab.services import ledger_entry_create, ledger_months_rebuild, request_create, request_update, \
    services_ensure

REPORTED = [  # service name, date, hours, note
    ("AI議事録", dt.date(2022, 3, 31), 5940, "令和3年度 実績（DX推進状況報告）"),
    ("AI-OCR", dt.date(2022, 3, 31), 1049, "令和3年度 実績（DX推進状況報告）"),
    ("RPA集約処理", dt.date(2022, 3, 31), 1499, "令和3年度 実績（DX推進状況報告）"),
    ("ローコード支援・ヘルプデスク", dt.date(2022, 3, 31), 7027,
     "令和3年度 実績（DX推進状況報告）: kintone 13システム（本番稼働24）"),
    ("AI議事録", dt.date(2022, 5, 31), 755, "令和4年度 5月末時点（DX推進状況報告）"),
    ("AI-OCR", dt.date(2022, 5, 31), 141, "令和4年度 5月末時点（DX推進状況報告）"),
    ("RPA集約処理", dt.date(2022, 5, 31), 44, "令和4年度 5月末時点（DX推進状況報告）"),
]

PLAN = [  # initiative, services, targets {fiscal year: hours}
    ("デジラボ（センター）による削減", ["AI議事録", "AI-OCR", "RPA集約処理", "ローコード支援・ヘルプデスク"], {2025: 30000}),
    ("全庁の削減時間（DX・AI活用の全体）", None, {2025: 100000}),
    ("職員が作る業務アプリ（kintone）による削減", ["ローコード支援・ヘルプデスク"], {2025: 50000}),
]

# Synthetic monthly net hours per service at the start (June 2022) and the end (the last full month).
SYNTHETIC = {"AI議事録": (520, 760), "AI-OCR": (110, 260), "RPA集約処理": (60, 320),
             "ローコード支援・ヘルプデスク": (650, 1350)}


@transaction.atomic
def demo_load_digilab(*, municipality: Municipality, survey=None, seed: int = 2021, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    LedgerEntry.objects.filter(municipality=municipality)._raw_delete(LedgerEntry.objects.db)
    LedgerMonth.objects.filter(municipality=municipality).delete()
    Request.objects.filter(municipality=municipality).delete()
    Notification.objects.filter(user__municipality=municipality, url__startswith="/digilab/requests/").delete()
    Initiative.objects.filter(municipality=municipality).delete()
    Baseline.objects.filter(service__municipality=municipality).delete()
    by_name = {s.name: s for s in services_ensure(municipality=municipality)}

    for i, (name, service_names, targets) in enumerate(PLAN):
        ini = Initiative.objects.create(municipality=municipality, name=name, sort_order=i,
                                        description="目標は DX 推進計画（令和7年度末）の値。途中年度の目標は未設定（画面で入力できます）。")
        ini.services.set([by_name[n] for n in service_names] if service_names else list(by_name.values()))
        Target.objects.bulk_create([Target(initiative=ini, fiscal_year=y, target_hours=h) for y, h in targets.items()])

    for name, day, hours, note in REPORTED:
        ledger_entry_create(actor=None, service=by_name[name], occurred_on=day, units=0, gross_hours=hours,
                            source=LedgerEntry.Source.REPORT, note=note)

    rng = random.Random(seed)
    departments = list(OrgUnit.objects.filter(municipality=municipality, kind=OrgUnit.Kind.DIVISION)
                       .order_by("id")[:400])
    chosen = {name: rng.sample(departments, min(12, len(departments))) for name in SYNTHETIC}
    first, last = dt.date(2022, 6, 1), dt.date(today.year, today.month, 1) - dt.timedelta(days=1)
    months = []
    day = first
    while day <= last:
        months.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    rows = []
    for name, (start, end) in SYNTHETIC.items():
        service = by_name[name]
        for k, month_start in enumerate(months):
            share = k / max(1, len(months) - 1)
            monthly_net = start + (end - start) * share
            for unit in chosen[name]:
                weight = rng.uniform(0.4, 1.6) / len(chosen[name])
                baseline = service.default_baseline_minutes or 60.0
                net = monthly_net * weight
                residual_share = rng.uniform(0.05, 0.2)  # checking and correcting left to the department
                gross = net / (1 - residual_share)
                units = gross * 60 / baseline
                occurred = month_start.replace(day=min(28, rng.randint(10, 28)))
                rows.append((service, unit, occurred, units, baseline, (gross - net) * 60,
                             rng.uniform(0, 0.08) * gross * 60))
    # One pilot still running, annualised: a projection, never counted as measured.
    pilot_day = last.replace(day=15)
    first_id = reserve_ids(LedgerEntry, len(rows) + 1)
    now = timezone.now()
    columns = ("id", "municipality_id", "service_id", "org_unit_id", "section_path", "task_code", "occurred_on",
               "fiscal_year", "month", "units", "units_failed", "baseline_minutes", "residual_minutes",
               "centre_minutes", "gross_hours", "net_hours", "centre_hours", "measured", "source", "note",
               "created_at")
    values = []
    for i, (service, unit, occurred, units, baseline, residual, centre) in enumerate(rows):
        hours = ledger.entry_hours(units=units, baseline_minutes=baseline, residual_minutes=residual,
                                   centre_minutes=centre)
        values.append((first_id + i, municipality.pk, service.pk, unit.pk, "", "", occurred,
                       ledger.fiscal_year_of(occurred), occurred.month, round(units, 1), 0.0, baseline,
                       round(residual, 1), round(centre, 1), hours.gross, hours.net, hours.centre, True,
                       LedgerEntry.Source.DEMO, "合成データ（デモ）", now))
    pilot = by_name["AI-OCR"]
    pilot_units = ledger.annualise(1200, 90)
    hours = ledger.entry_hours(units=pilot_units, baseline_minutes=3.0, residual_minutes=pilot_units * 0.8)
    values.append((first_id + len(rows), municipality.pk, pilot.pk, departments[0].pk if departments else None, "", "",
                   pilot_day, ledger.fiscal_year_of(pilot_day), pilot_day.month, round(pilot_units, 1), 0.0, 3.0,
                   round(pilot_units * 0.8, 1), 0.0, hours.gross, hours.net, 0.0, False, LedgerEntry.Source.DEMO,
                   "合成データ（デモ）: 3か月の試行（1,200枚）を年換算した見込み", now))
    bulk_insert(LedgerEntry, columns, values)
    ledger_months_rebuild(municipality=municipality)

    made_requests = _demo_requests(municipality, by_name, survey)
    return {"entries": LedgerEntry.objects.filter(municipality=municipality).count(), "requests": made_requests}


def _demo_requests(municipality: Municipality, by_name: dict, survey) -> int:
    kakari = User.objects.filter(username="kakari", municipality=municipality).first()
    dx = User.objects.filter(username="dx", municipality=municipality).first()
    if kakari is None or kakari.org_unit is None or dx is None or survey is None:
        return 0
    tasks = list(survey.tasks.filter(section=kakari.org_unit).order_by("id")[:3])
    made = 0
    specs = [("会議録の作成（定例会議）", "AI議事録", "月2回・各90分の定例会議の議事録を作りたい。", 2160, None),
             ("申請書の読み取り", "AI-OCR", "紙の申請書（A4・1枚）を年間1,200件受け付けている。", 1200, "progress"),
             ("集計表の転記", "RPA集約処理", "システムから出したCSVを毎月Excelの集計表に転記している。", 240, "done")]
    for (title, service, text, volume, status), task in zip(specs, tasks + [None] * 3):
        req = request_create(actor=kakari, service=by_name[service], title=title, description=text, task=task,
                             volume=volume)
        if status:
            request_update(actor=dx, req=req, status="triaged", assignee=dx, comment="（デモ）受け付けました。")
            request_update(actor=dx, req=req, status=status)
        made += 1
    return made
