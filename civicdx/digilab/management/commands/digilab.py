"""civicdx digilab kpi|demo — デジラボ from the command line."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand

from civicdx.core import fiscal
from civicdx.core.errors import ApplicationError
from civicdx.core.models import Municipality
from civicdx.core.permissions import command_line_actor


class Command(BaseCommand):
    help = "デジラボ: 削減時間のKPI（サービス別・目標との比較）"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        kpi = sub.add_parser("kpi", help="年度の削減時間（総・純・センター作業）と目標")
        kpi.add_argument("--year", required=True)
        kpi.add_argument("--municipality", help="団体コード（省略時は唯一の団体）")
        kpi.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        try:
            getattr(self, f"handle_{options['action']}")(options)
        except ApplicationError as exc:
            self.stderr.write(f"エラー: {exc.message}")
            sys.exit(1)

    def handle_kpi(self, options):
        from civicdx.digilab.selectors import kpi

        year = fiscal.parse_fiscal_year(options["year"])
        cities = Municipality.objects.all()
        if options.get("municipality"):
            cities = cities.filter(lg_code=options["municipality"])
        if cities.count() != 1:
            raise ApplicationError("municipality", "団体を --municipality（団体コード）で指定してください。")
        data = kpi(user=command_line_actor(), municipality=cities.get(), fiscal_year=year)
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(f"{fiscal.fiscal_year_label(year)} 削減時間")
        for s in data["services"]:
            flag = "実測" if s["measured"] else f"見込み含む（{s['projected_hours']:,.0f} h）"
            self.stdout.write(f"  {s['service']:<20} 総 {s['gross_hours']:>10,.1f} h  純 {s['net_hours']:>10,.1f} h  "
                              f"センター作業 {s['centre_effort_hours']:>8,.1f} h  {flag}")
        t = data["total"]
        self.stdout.write(f"  {'合計':<20} 総 {t['gross_hours']:>10,.1f} h  純 {t['net_hours']:>10,.1f} h  "
                          f"（{t['person_years']:,.2f} 人役）")
        for target in data["targets"]:
            goal = f"{target['target_hours']:,.0f} h" if target["target_hours"] is not None else "目標未設定"
            self.stdout.write(f"  目標 {target['initiative']}: {goal} / 実績 {target['actual_hours']:,.1f} h")
