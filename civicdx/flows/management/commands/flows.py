"""civicdx flows generate|export|import|reindex — 業務フロー from the command line."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand

from civicdx.core import fiscal
from civicdx.core.errors import ApplicationError
from civicdx.core.permissions import command_line_actor
from civicdx.flows import bpmn
from civicdx.survey.models import Survey, Task
from civicdx.survey.selectors import survey_find


class Command(BaseCommand):
    help = "業務フロー: 作業手順からの一括作成・BPMNファイルの書出しと取込・検索索引の再作成"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        gen = sub.add_parser("generate", help="フローのない業務すべてに、作業手順から現行フローを作る")
        gen.add_argument("--year", required=True)
        gen.add_argument("--round")
        gen.add_argument("--municipality")
        gen.add_argument("--section", action="append", help="係の名称パス（例: 総務局/総務部/総務課/庶務係）。複数可")
        gen.add_argument("--json", action="store_true")
        for name, help_text in (("export", "業務の現行フローを .bpmn に書き出す"),
                                ("import", "業務の現行フローに .bpmn を新しい版として取り込む")):
            p = sub.add_parser(name, help=help_text)
            p.add_argument("--task", required=True, help="業務ID")
            p.add_argument("--year", help="調査の年度（省略時は最新）")
            p.add_argument("--section", help="業務IDが複数の係にあるときの係の名称パス")
            p.add_argument("--municipality")
            if name == "export":
                p.add_argument("-o", "--output", required=True)
                p.add_argument("--flow", type=int, help="改善案などのフローID（省略時は現行フロー）")
            else:
                p.add_argument("file")
                p.add_argument("--comment", default="BPMNファイルから取込")
        idx = sub.add_parser("reindex", help="検索索引を作り直す")
        idx.add_argument("--year", required=True)
        idx.add_argument("--round")
        idx.add_argument("--municipality")

    def handle(self, *args, **options):
        self.actor = command_line_actor()
        try:
            getattr(self, f"handle_{options['action']}")(options)
        except bpmn.BpmnError as exc:
            for message in exc.messages:
                self.stderr.write(f"エラー: {message}")
            sys.exit(2)
        except ApplicationError as exc:
            self.stderr.write(f"エラー: {exc.message}")
            sys.exit(1)

    def _survey(self, options) -> Survey:
        year = fiscal.parse_fiscal_year(options["year"]) if options.get("year") else None
        if year is None:
            surveys = Survey.objects.order_by("-fiscal_year", "-id")
            if options.get("municipality"):
                surveys = surveys.filter(municipality__lg_code=options["municipality"])
            survey = surveys.first()
            if survey is None:
                raise ApplicationError("no_survey", "調査がありません。")
            return survey
        return survey_find(user=self.actor, fiscal_year=year, round=options.get("round"),
                           municipality_code=options.get("municipality"))

    def _task(self, options) -> Task:
        survey = self._survey(options)
        tasks = Task.objects.filter(survey=survey, code=options["task"]).select_related("section", "survey")
        if options.get("section"):
            tasks = tasks.filter(section__path=options["section"])
        found = list(tasks[:6])
        if not found:
            raise ApplicationError("no_task", f"業務ID「{options['task']}」が {survey} にありません。")
        if len(found) > 1:
            paths = "、".join(t.section.path for t in found[:5])
            raise ApplicationError("ambiguous_task", f"業務ID「{options['task']}」が複数の係にあります（{paths}）。"
                                   "--section で係を指定してください。")
        return found[0]

    def handle_generate(self, options):
        from civicdx.flows.services import flows_generate

        survey = self._survey(options)
        started = time.perf_counter()

        def progress(message, done, total):
            if not options["json"]:
                self.stderr.write(f"\r{message}", ending="")

        result = flows_generate(survey=survey, actor=None, section_paths=options.get("section"), progress=progress)
        result["seconds"] = round(time.perf_counter() - started, 2)
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            self.stderr.write("")
            self.stdout.write(f"{result['created']:,} 件の業務にフローを作成しました"
                              f"（作成済み {result['already']:,} 件、{result['seconds']} 秒）。")

    def handle_export(self, options):
        from civicdx.flows.models import Flow

        task = self._task(options)
        flows = Flow.objects.filter(**Flow.key_of(task))
        flow = flows.filter(pk=options["flow"]).first() if options.get("flow") else flows.filter(
            kind=Flow.Kind.AS_IS).first()
        if flow is None:
            raise ApplicationError("no_flow", f"業務「{task.name}」にはフローがありません"
                                   "（civicdx flows generate で作成できます）。")
        Path(options["output"]).write_text(flow.versions.get(no=flow.version_no).xml, encoding="utf-8")
        self.stdout.write(f"{options['output']} に書き出しました（{flow.title} 第{flow.version_no}版）。")

    def handle_import(self, options):
        from civicdx.flows.models import Flow
        from civicdx.flows.services import flow_create, flow_save

        task = self._task(options)
        path = Path(options["file"])
        if not path.is_file():
            raise ApplicationError("no_file", f"ファイル {path} がありません。")
        data = path.read_bytes()
        flow = Flow.objects.filter(kind=Flow.Kind.AS_IS, **Flow.key_of(task)).first()
        if flow is None:
            flow = flow_create(task=task, actor=self.actor, xml=data,
                               comment=options["comment"])
        else:
            flow_save(flow=flow, xml=data, actor=self.actor, comment=options["comment"])
        self.stdout.write(f"{task.name} の現行フローを第{flow.version_no}版として取り込みました"
                          f"（タスク {flow.task_count} 件、年間 {flow.hours:,.1f} 時間）。")

    def handle_reindex(self, options):
        from civicdx.flows.search import index_rebuild

        started = time.perf_counter()
        count = index_rebuild(self._survey(options))
        self.stdout.write(f"{count:,} 件の業務を索引しました（{time.perf_counter() - started:.1f} 秒）。")
