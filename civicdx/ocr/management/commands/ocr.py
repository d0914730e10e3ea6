"""civicdx ocr define|read|purge — AI-OCR from the command line.

    civicdx ocr define NAME --template FILE --fields FIELDS.json
    civicdx ocr read --form NAME [--form NAME2 ...] FILE... [--engine tesseract|rapidocr|both] --json
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from civicdx.core.errors import ApplicationError
from civicdx.core.models import Municipality
from civicdx.core.permissions import command_line_actor
from civicdx.ocr import imaging, services
from civicdx.ocr.fields import ENGINES, MARK_TYPES
from civicdx.ocr.models import FormDefinition
from civicdx.ocr.reader import read_page


def _upload(path: Path) -> SimpleUploadedFile:
    if not path.is_file():
        raise CommandError(f"ファイル {path} が見つかりません。")
    return SimpleUploadedFile(path.name, path.read_bytes())


class Command(BaseCommand):
    help = "AI-OCR: 帳票定義の登録、スキャンの読取（オフライン）、保存期間を過ぎた画像の削除"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        define = sub.add_parser("define", help="白紙の様式と項目の枠（JSON）から帳票定義を登録する（同名があれば新しい版）")
        define.add_argument("name")
        define.add_argument("--template", required=True, help="白紙の様式（PDF・PNG・JPEG・TIFF）")
        define.add_argument("--fields", required=True,
                            help='項目のJSON: {"fields": [{"name", "bbox": [x, y, w, h], "type", "charset"?, "required"?}]}')
        define.add_argument("--encoding", choices=FormDefinition.Encoding.values, default=FormDefinition.Encoding.UTF8)
        define.add_argument("--dpi", type=int, default=150)
        read = sub.add_parser("read", help="スキャンを読み取ってJSONで出す（データベースには保存しない）")
        read.add_argument("files", nargs="+")
        read.add_argument("--form", action="append", required=True, help="帳票名（複数指定すると仕分けする）")
        read.add_argument("--engine", choices=list(ENGINES), default=None, help="全項目のエンジン（既定は項目ごとの設定）")
        read.add_argument("--json", action="store_true")
        sub.add_parser("purge", help="保存期間を過ぎたスキャン画像を削除する（cron などで毎日実行）")

    def handle(self, *args, **options):
        try:
            getattr(self, "handle_" + options["action"])(options)
        except ApplicationError as exc:
            self.stderr.write(f"エラー: {exc.message}")
            for detail in (exc.details or [])[1:] if isinstance(exc.details, list) else []:
                self.stderr.write(f"  {detail}")
            sys.exit(1)

    def _municipality(self) -> Municipality:
        municipality = Municipality.objects.order_by("id").first()
        if municipality is None:
            raise CommandError("団体がありません。先に civicdx demo を実行するか、業務量調査を取り込んでください。")
        return municipality

    def handle_define(self, options):
        path = Path(options["fields"])
        if not path.is_file():
            raise CommandError(f"ファイル {path} が見つかりません。")
        try:
            fields = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise CommandError(f"{path} は UTF-8 で保存してください。") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} のJSONを読めません（{exc.lineno}行 {exc.colno}文字目: {exc.msg}）。") from None
        actor = command_line_actor()
        municipality = self._municipality()
        template = _upload(Path(options["template"]))
        existing = FormDefinition.objects.filter(municipality=municipality, name=options["name"].strip()).first()
        if existing is None:
            definition = services.definition_create(
                actor=actor, municipality=municipality, template=template, fields=fields,
                data={"name": options["name"], "csv_encoding": options["encoding"], "dpi": options["dpi"]})
            version = definition.current
        else:
            version = services.version_save(actor=actor, definition=existing, fields=fields, template=template,
                                            note="コマンドラインから更新")
        self.stdout.write(f"帳票「{version.definition.name}」第{version.number}版を保存しました"
                          f"（{len(version.fields)}項目、{version.width}×{version.height}）。")

    def handle_read(self, options):
        municipality = self._municipality()
        specs = []
        for name in options["form"]:
            definition = FormDefinition.objects.filter(municipality=municipality, name=name).first()
            if definition is None or definition.current is None or not definition.current.fields:
                raise CommandError(f"帳票「{name}」がないか、読取項目がありません（civicdx ocr define で登録してください）。")
            specs.append(services.form_spec(definition.current))
        pages = []
        started = time.monotonic()
        for file in options["files"]:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"ファイル {path} が見つかりません。")
            dpi = max(d.dpi for d in FormDefinition.objects.filter(municipality=municipality, name__in=options["form"]))
            for number, image in imaging.load_pages(path.read_bytes(), path.name, dpi=dpi):
                result = read_page(image, specs, engine=options["engine"])
                pages.append(_page_json(file, number, result))
                if not options["json"]:
                    self.stdout.write(_page_text(pages[-1]))
        if options["json"]:
            self.stdout.write(json.dumps({"pages": pages, "seconds": round(time.monotonic() - started, 2)},
                                         ensure_ascii=False, indent=1))

    def handle_purge(self, options):
        count = services.scans_purge()
        self.stdout.write(f"{count}件のバッチのスキャン画像を削除しました。")


def _page_json(file: str, number: int, result) -> dict:
    types = {f.name: f.type for f in result.form.fields} if result.form else {}
    fields = {}
    for name, r in result.fields.items():
        value = r.value == "1" if types.get(name) in MARK_TYPES else r.value
        fields[name] = {"value": value, "confidence": round(r.confidence, 3), "needs_review": r.needs_review,
                        "reasons": r.reasons, "raw": r.raw, "engines": r.engines}
    return {"file": file, "page": number, "form": result.form.name if result.aligned else None,
            "aligned": result.aligned, "reason": result.reason, "inliers": result.inliers,
            "error_px": round(result.error_px, 2), "fields": fields}


def _page_text(page: dict) -> str:
    head = f"{page['file']} p.{page['page']}: " + (page["form"] or f"読取対象外（{page['reason']}）")
    lines = [head]
    for name, f in page["fields"].items():
        flag = " ※" + "・".join(f["reasons"]) if f["needs_review"] else ""
        lines.append(f"  {name}: {f['value']} ({f['confidence']:.2f}){flag}")
    return "\n".join(lines)

