"""civicdx demo --scale full|small [--seed N] [--export DIR]: the synthetic demo city."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand

from civicdx.survey import demo
from civicdx.survey.services import DEMO_PASSWORD, DEMO_USERS, demo_load


def export_city(city: demo.DemoCity, directory: Path, layout: str) -> int:
    """Write the city as standard-format workbooks: one per 係 (default) or one city file."""
    from civicdx.survey.workbooks import write_data_workbook

    directory.mkdir(parents=True, exist_ok=True)
    if layout == "city":
        write_data_workbook(directory / "city.xlsx", city.tasks)
        return 1
    by_section: dict[tuple, list] = {}
    for task in city.tasks:
        by_section.setdefault(task.org, []).append(task)
    for i, (org, tasks) in enumerate(by_section.items(), start=1):
        safe = "_".join(n for n in org if n).replace("/", "／")
        write_data_workbook(directory / f"{i:04d}_{safe}.xlsx", tasks)
    return len(by_section)


class Command(BaseCommand):
    help = "合成データのデモ都市を作る（表示上も合成データと明示されます）"
    requires_system_checks: list[str] = []  # a data command: no need to import every page first

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(demo.SCALES), default="small")
        parser.add_argument("--seed", type=int, default=2021)
        parser.add_argument("--export", metavar="DIR", help="標準様式のExcelとして書き出す")
        parser.add_argument("--layout", choices=["section", "city"], default="section", help="係ごと / 全庁1ファイル")
        parser.add_argument("--export-only", action="store_true", help="書き出すだけでデータベースには読み込まない")

    def handle(self, *args, **options):
        started = time.monotonic()
        city = demo.generate(options["scale"], options["seed"])
        hours = sum(t.hours for t in city.tasks)
        self.stderr.write(f"デモ都市を生成: {len({t.org for t in city.tasks}):,}係 {len(city.tasks):,}業務 {hours:,.0f}時間"
                          f"（{time.monotonic() - started:.1f}秒）")
        if options["export"]:
            count = export_city(city, Path(options["export"]), options["layout"])
            self.stderr.write(f"{options['export']} に {count:,} ファイルを書き出しました。")
        if options["export_only"]:
            return
        survey = demo_load(scale=options["scale"], seed=options["seed"], city=city)
        # The BPR pages compare with peers: two synthetic peer cities derived from this one.
        from civicdx.bpr.services import candidates_compute, peers_demo_load

        peers_demo_load(survey=survey, seed=options["seed"])
        candidates_compute(survey=survey)  # the analysis pages open without a wait
        from civicdx.flows.demo import demo_load_flows

        flows = demo_load_flows(survey)
        self.stderr.write(f"業務フロー {flows['created']:,} 件・デモ用マニュアル {flows['manuals']:,} 件を作成しました。")
        from civicdx.digilab.demo import demo_load_digilab

        lab = demo_load_digilab(municipality=survey.municipality, survey=survey)
        self.stderr.write(f"デジラボ: 台帳 {lab['entries']:,} 件（報告書の値と合成データ）・依頼 {lab['requests']} 件を作成しました。")
        from civicdx.minutes.demo import demo_load_minutes

        minutes = demo_load_minutes(municipality=survey.municipality)
        self.stderr.write(f"AI議事録: 単語登録 {minutes['words']} 語・会議 {minutes['meetings']} 件（文字起こしはワーカーが行います）。")
        from civicdx.ocr.demo import demo_load_ocr

        ocr = demo_load_ocr(municipality=survey.municipality)
        self.stderr.write(f"AI-OCR: 帳票定義 {ocr['forms']} 件・読取バッチ {ocr['batches']} 件（読取はワーカーが行います）。")
        self.stderr.write(f"{survey.municipality.name}（合成データ）{survey} を読み込みました（{time.monotonic() - started:.1f}秒）。")
        if sys.stdout.isatty() or options.get("verbosity", 1) >= 1:
            self.stdout.write("ログイン（デモ用。本番では使わないでください）:")
            for username, _role, _scope, name in DEMO_USERS:
                self.stdout.write(f"  {username:<8} / {DEMO_PASSWORD}  {name}")
