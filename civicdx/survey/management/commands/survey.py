"""civicdx survey import|summary|template|status — the survey's command line (its forms are part of the product)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from civicdx.core import fiscal
from civicdx.core.errors import ApplicationError
from civicdx.core.permissions import command_line_actor
from civicdx.survey import selectors
from civicdx.survey.importing.profiles import get_profile
from civicdx.survey.importing.reader import CSV_SUFFIXES, EXCEL_SUFFIXES
from civicdx.survey.importing.service import ImportSource, import_record_create, survey_import
from civicdx.survey.models import Survey, SurveyImport


def _progress_printer(stream):
    state = {"last": -1}

    def echo(message: str, done: int, total: int) -> None:
        percent = int(100 * done / total) if total else 0
        if percent != state["last"]:
            state["last"] = percent
            bar = "#" * (percent // 4)
            stream.write(f"\r[{bar:<25}] {percent:3d}% {message[:60]:<60}")
            stream.flush()

    return echo


def _expand(paths: list[str]) -> list[ImportSource]:
    sources = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix.lower() in EXCEL_SUFFIXES | CSV_SUFFIXES and not p.name.startswith("~$"))
            sources.extend(ImportSource(path=p, name=str(p.relative_to(path))) for p in files)
        elif path.exists():
            sources.append(ImportSource(path=path, name=path.name))
        else:
            raise ApplicationError("file_not_found", f"ファイル「{raw}」が見つかりません。")
    return sources


class Command(BaseCommand):
    help = "全庁業務量調査: 取込・集計・テンプレート・状態変更"
    requires_system_checks: list[str] = []  # a data command: no need to import every page first

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="標準様式の .xlsx / .csv を取り込む")
        imp.add_argument("paths", nargs="+", metavar="PATH")
        imp.add_argument("--year", required=True)
        imp.add_argument("--municipality")
        imp.add_argument("--round", default="全体調査")
        imp.add_argument("--dry-run", action="store_true")
        imp.add_argument("--partial", action="store_true")
        imp.add_argument("--create-org", action="store_true")
        imp.add_argument("--profile", default="standard")
        imp.add_argument("--json", action="store_true")
        imp.add_argument("--background", action="store_true", help="ジョブとして登録し、IDを表示して終了する")

        summ = sub.add_parser("summary", help="時間数と人役の集計")
        summ.add_argument("--year", required=True)
        summ.add_argument("--round")
        summ.add_argument("--municipality")
        summ.add_argument("--by", choices=selectors.BY_CHOICES)
        summ.add_argument("--json", action="store_true")

        tpl = sub.add_parser("template", help="記入用Excelテンプレートを作る")
        tpl.add_argument("--year", required=True)
        tpl.add_argument("--section", help="係の名称またはパス（例: 市民課/住民記録係）。省略時は全庁")
        tpl.add_argument("--municipality")
        tpl.add_argument("-o", "--output", required=True)

        st = sub.add_parser("status", help="調査の状態を変える（準備中→回答中→締切→確定）")
        st.add_argument("--year", required=True)
        st.add_argument("--round", default="全体調査")
        st.add_argument("--municipality")
        st.add_argument("--set", required=True, choices=[s.value for s in Survey.Status])

    def handle(self, *args, **options):
        try:
            return getattr(self, f"handle_{options['action']}")(options)
        except ApplicationError as exc:
            if options.get("json"):
                self.stdout.write(json.dumps({"ok": False, "errors": [{"file": "", "sheet": "", "row": None, "column": "",
                                                                        "value": "", "code": exc.code, "message": exc.message}]},
                                             ensure_ascii=False))
            else:
                self.stderr.write(f"エラー: {exc.message}")
            sys.exit(1)

    def handle_import(self, options):
        sources = _expand(options["paths"])
        year = fiscal.parse_fiscal_year(options["year"])
        from civicdx.core.models import Municipality
        from civicdx.survey.selectors import stored_profiles

        municipality = Municipality.objects.filter(lg_code=options["municipality"] or "").first() or (
            Municipality.objects.first() if Municipality.objects.count() == 1 else None)
        profile = get_profile(options["profile"], stored=stored_profiles(municipality_id=getattr(municipality, "pk", None)))
        opts = {"municipality": options["municipality"], "dry_run": options["dry_run"], "partial": options["partial"],
                "create_org": options["create_org"], "profile": profile.name}
        record = import_record_create(actor=None, sources=sources, fiscal_year=year, round=options["round"], options=opts)
        if options["background"]:
            from civicdx.core.services import job_create
            from civicdx.survey.tasks import survey_import_task

            job = job_create(kind="survey_import", title=f"業務量調査の取込（{len(sources)}ファイル）", actor=None,
                             municipality=None, params={"import_id": record.pk})
            record.job = job
            record.save(update_fields=["job"])
            survey_import_task.enqueue(import_id=record.pk, job_id=str(job.pk))
            self.stdout.write(str(job.pk))
            self.stderr.write(f"ジョブを登録しました。進み具合: civicdx jobs follow {job.pk}")
            return
        echo = None if options["json"] or not sys.stderr.isatty() else _progress_printer(sys.stderr)
        try:
            outcome = survey_import(actor=None, sources=sources, fiscal_year=year, municipality_code=options["municipality"],
                                    round=options["round"], dry_run=options["dry_run"], partial=options["partial"],
                                    create_org=options["create_org"], profile=profile,
                                    progress=echo or (lambda *a: None), record=record)
        except ApplicationError:
            SurveyImport.objects.filter(pk=record.pk).update(status=SurveyImport.Status.FAILED)
            raise
        if echo:
            sys.stderr.write("\n")
        if outcome.survey_id and outcome.status in (SurveyImport.Status.IMPORTED, SurveyImport.Status.PARTIAL):
            from civicdx.survey.signals import survey_imported

            survey_imported.send(sender=SurveyImport, survey_id=outcome.survey_id)
        data = outcome.as_json()
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            for e in outcome.errors:
                where = " ".join(str(x) for x in (e["file"], e["sheet"], f"{e['row']}行目" if e["row"] else "", e["column"]) if x)
                value = f"「{e['value']}」" if e["value"] else ""
                self.stderr.write(f"{where}: {value}{e['message']}")
            imp = data["imported"]
            verb = "チェックしました（書込なし）" if options["dry_run"] else "取り込みました"
            if outcome.status == SurveyImport.Status.REJECTED:
                self.stderr.write(f"{len(outcome.errors)}件の誤りがあるため、何も取り込みませんでした。"
                                  "（--partial で正しい業務だけ取り込めます）")
            else:
                self.stdout.write(f"{imp['tasks']:,}業務・{imp['steps']:,}手順・{imp['hours']:,.1f}時間を{verb}。")
        if outcome.status == SurveyImport.Status.REJECTED or (options["dry_run"] and outcome.errors):
            sys.exit(2)

    def _survey(self, options):
        year = fiscal.parse_fiscal_year(options["year"])
        actor = command_line_actor()
        return actor, selectors.survey_find(user=actor, fiscal_year=year, round=options.get("round"),
                                            municipality_code=options.get("municipality"))

    def handle_summary(self, options):
        actor, survey = self._survey(options)
        data = selectors.survey_summary(user=actor, survey=survey, by=options["by"])
        if options["json"]:
            data.pop("survey", None)
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        t = data["total"]
        self.stdout.write(f"{survey.municipality.name} {fiscal.fiscal_year_label(survey.fiscal_year)} {survey.round}")
        self.stdout.write(f"  業務 {t['tasks']:,}  手順 {t['steps']:,}  年間 {t['hours']:,.1f} 時間  {t['person_years']:,.1f} 人役")
        for g in data["groups"]:
            self.stdout.write(f"  {' / '.join(k for k in g['key'] if k):<40} {g['tasks']:>7,} 業務 {g['hours']:>14,.1f} h "
                              f"{g['person_years']:>9,.1f} 人役 {g['share'] * 100:5.1f}%")

    def handle_template(self, options):
        from civicdx.survey.workbooks import write_template

        actor, survey = self._survey(options)
        tree = selectors.org_tree(survey=survey)
        sections = [u for u in tree.units.values() if u.kind == "section"]
        if options["section"]:
            wanted = options["section"]
            sections = [u for u in sections if u.path == wanted or u.path.endswith("/" + wanted) or u.name == wanted]
            if not sections:
                raise ApplicationError("section_not_found", f"係「{wanted}」が見つかりません（例: 市民課/住民記録係）。")
        sections.sort(key=lambda u: (u.sort_order, u.pk))
        orgs = [tuple(tree.key(u.pk, 4)) for u in sections]
        title = f"{survey.municipality.name} {fiscal.fiscal_year_label(survey.fiscal_year)} 業務量調査"
        write_template(Path(options["output"]), title=title, sections=orgs, rows_per_section=60 if len(orgs) < 50 else 3)
        self.stdout.write(f"{options['output']} を作成しました（{len(orgs)}係）。")

    def handle_status(self, options):
        from civicdx.survey.services import survey_status_set

        actor, survey = self._survey(options)
        survey_status_set(actor=actor, survey=survey, status=options["set"])
        self.stdout.write(f"{survey}: {survey.get_status_display()}")
