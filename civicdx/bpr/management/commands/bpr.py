"""civicdx bpr candidates|report|similarity|peers — the BPR analysis from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from civicdx.core import fiscal
from civicdx.core.errors import ApplicationError
from civicdx.core.permissions import command_line_actor
from civicdx.survey.selectors import survey_find


class Command(BaseCommand):
    help = "BPR分析: 候補の抽出・報告書・類似業務・他都市データ"
    requires_system_checks: list[str] = []  # a data command: no need to import every page first

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        cand = sub.add_parser("candidates", help="見直し・デジタル化・集約化・BPOの候補")
        cand.add_argument("--year", required=True)
        cand.add_argument("--round")
        cand.add_argument("--municipality")
        cand.add_argument("--type", choices=["review", "digital", "consolidate", "bpo", "focus"])
        cand.add_argument("--limit", type=int)
        cand.add_argument("--json", action="store_true")
        rep = sub.add_parser("report", help="BPR分析報告書（.xlsx / .pdf）")
        rep.add_argument("--year", required=True)
        rep.add_argument("--round")
        rep.add_argument("--municipality")
        rep.add_argument("-o", "--output", required=True)
        sim = sub.add_parser("similarity", help="市内の同じ種類の業務をまとめる（集約化の判定に使う）")
        sim.add_argument("--year", required=True)
        sim.add_argument("--round")
        sim.add_argument("--municipality")
        peers = sub.add_parser("peers", help="他都市の集計値の取込・自市の集計値の書出し")
        peers.add_argument("peer_action", choices=["import", "export"])
        peers.add_argument("path")
        peers.add_argument("--year")
        peers.add_argument("--municipality")
        peers.add_argument("--name", help="標準様式の調査ファイルを取り込むときの団体名")
        peers.add_argument("--population", type=int, help="標準様式の調査ファイルを取り込むときの人口")

    def handle(self, *args, **options):
        self.actor = command_line_actor()
        try:
            getattr(self, f"handle_{options['action']}")(options)
        except ApplicationError as exc:
            self.stderr.write(f"エラー: {exc.message}")
            sys.exit(1)

    def _survey(self, options):
        return survey_find(user=self.actor, fiscal_year=fiscal.parse_fiscal_year(options["year"]), round=options.get("round"),
                           municipality_code=options.get("municipality"))

    def handle_candidates(self, options):
        from civicdx.bpr.selectors import candidate_json

        survey = self._survey(options)
        data = candidate_json(user=self.actor, survey=survey, type=options["type"], limit=options["limit"])
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        for t in data["totals"]["types"] + data["totals"]["tools"]:
            label = t["type_label"] + (f"（{t['tool']}）" if t["tool"] else "")
            self.stdout.write(f"{label:<24} {t['tasks']:>7,} 業務 {t['hours']:>14,.0f} h  削減見込み {t['saving_hours']:>12,.0f} h")
        for c in data["candidates"][:20]:
            self.stdout.write(f"  {c['task_id']} {c['division']} {c['section']} {c['task_name']} [{c['type']}{'/' + c['tool'] if c['tool'] else ''}] "
                              f"{c['estimated_saving_hours']:,.0f} h: {c['reasons'][0]}")

    def handle_report(self, options):
        from civicdx.bpr.report import write_pdf, write_xlsx
        from civicdx.bpr.selectors import report_data

        path = Path(options["output"])
        if path.suffix.lower() not in (".xlsx", ".pdf"):
            raise ApplicationError("report_format", "出力ファイルの拡張子は .xlsx か .pdf にしてください。")
        data = report_data(user=self.actor, survey=self._survey(options))
        (write_pdf if path.suffix.lower() == ".pdf" else write_xlsx)(data, path)
        self.stdout.write(f"{path} を作成しました（候補 {len(data['candidates']):,} 件）。")

    def handle_similarity(self, options):
        from civicdx.bpr.services import similarity_groups_compute

        survey = self._survey(options)
        count = similarity_groups_compute(survey=survey)
        self.stdout.write(f"{count:,} の類似業務グループを保存しました。")

    def handle_peers(self, options):
        from civicdx.bpr.services import peers_export_csv, peers_import_csv

        path = Path(options["path"])
        if options["peer_action"] == "export":
            if not options.get("year"):
                raise ApplicationError("year_required", "--year を指定してください。")
            path.write_bytes(peers_export_csv(survey=self._survey(options)))
            self.stdout.write(f"{path} に自市の分類別集計を書き出しました（個人名・係名は含みません）。")
            return
        if not path.exists():
            raise ApplicationError("file_not_found", f"ファイル「{path}」が見つかりません。")
        if options.get("name") or options.get("population"):
            from civicdx.bpr.services import peers_import_survey

            peer = peers_import_survey(actor=self.actor, path=path, filename=path.name, name=options.get("name") or "",
                                       population=options.get("population") or 0, fiscal_year=options.get("year") or "")
            self.stdout.write(f"{peer.name} の調査を分類別に集計して取り込みました。")
            return
        cities = peers_import_csv(actor=self.actor, data=path.read_bytes(), filename=path.name)
        self.stdout.write(f"{len(cities)} 団体の集計値を取り込みました。")
