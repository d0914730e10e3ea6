"""Standard-format workbooks: the Excel template for a 係 or the city, and data written in the format."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from civicdx.core.exports import HEADER_FILL, HEADER_FONT, escape_cell
from civicdx.survey.importing.parser import ParsedTask
from civicdx.survey.standard import CATEGORIES_MAJOR, COLUMNS, MEDIA, STEP_KINDS, WORKER_TYPES

DATA_SHEET = "調査票"
ORG_FILL = PatternFill("solid", fgColor="F2F2F2")
CHOICES = {
    "core": ("コア", "ノンコア"), "routine": ("定型", "非定型"), "expertise": ("有", "無"), "seal": ("有", "無"),
    "step_kind": STEP_KINDS, "medium": MEDIA, "worker": WORKER_TYPES, "category_major": CATEGORIES_MAJOR,
}


def task_rows(task: ParsedTask) -> Iterable[list]:
    """Rows of one 業務 in the standard format: task columns on its first row only (they carry over)."""
    org = list(task.org)
    flag = {True: "有", False: "無", None: ""}
    first = [task.code, task.name, task.category_major, task.category_minor, task.legal_basis,
             {True: "コア", False: "ノンコア", None: ""}[task.is_core], {True: "定型", False: "非定型", None: ""}[task.is_routine],
             flag[task.needs_expertise]]
    if not task.steps:
        yield org + first + [None, None, None, None, None, task.reported_hours, None, None, None, None, task.busy_months, task.note]
        return
    for i, s in enumerate(task.steps):
        head = first if i == 0 else [task.code] + [None] * 7
        yield (org if i == 0 else [None, None, None, None]) + head + [
            s.no, s.name, s.kind, s.minutes_per_case, s.cases_per_year, s.reported_hours, s.medium, flag[s.has_seal],
            s.system, s.worker_type, task.busy_months if i == 0 else None, s.note]


def write_data_workbook(path: Path, tasks: Iterable[ParsedTask]) -> None:
    """Write 業務 in the standard format (what the demo exports and the benchmark imports)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(DATA_SHEET)
    sheet.append([c.header for c in COLUMNS])
    for task in tasks:
        for row in task_rows(task):
            sheet.append([escape_cell(v) for v in row])
    workbook.save(path)


def write_template(path: Path, *, title: str, sections: list[tuple[str, str, str, str]], rows_per_section: int = 60) -> None:
    """The Excel template: organisation pre-filled, drop-down validation, and an instructions sheet."""
    workbook = Workbook()
    guide = workbook.active
    guide.title = "記入方法"
    guide["A1"] = f"{title} 記入方法"
    guide["A1"].font = Font(bold=True, size=14)
    lines = [
        "1. 「調査票」シートに、係の業務を作業手順ごとに1行ずつ記入してください。",
        "2. 業務の列（業務ID〜専門性）は業務の最初の行だけに記入します。2行目以降は空欄で構いません（上の行から引き継ぎます）。",
        "3. 年間時間は 1件当たり時間(分) × 年間件数 ÷ 60 で自動計算されます。手順に分けられない業務は、手順の列を空欄にして年間時間だけを記入してください。",
        "4. 「90分」「1.5時間」「1,234」、全角数字、○/× も読み取れます。選択肢のある列は一覧から選んでください。",
        "5. 記入が終わったら、civicdx の「取込」画面からこのファイルをアップロードしてください。誤りがあれば行と列を示します。",
    ]
    for i, line in enumerate(lines, start=3):
        guide.cell(row=i, column=1, value=line)
    guide.cell(row=10, column=1, value="列").font = Font(bold=True)
    guide.cell(row=10, column=2, value="説明").font = Font(bold=True)
    guide.cell(row=10, column=3, value="必須").font = Font(bold=True)
    for i, col in enumerate(COLUMNS, start=11):
        guide.cell(row=i, column=1, value=col.header)
        guide.cell(row=i, column=2, value=col.hint)
        guide.cell(row=i, column=3, value="必須" if col.required else "")
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["B"].width = 90

    lists = workbook.create_sheet("選択肢")
    for c, (key, values) in enumerate(CHOICES.items(), start=1):
        lists.cell(row=1, column=c, value=key)
        for r, value in enumerate(values, start=2):
            lists.cell(row=r, column=c, value=value)
    lists.sheet_state = "hidden"

    sheet = workbook.create_sheet(DATA_SHEET, 0)
    workbook.active = 0
    for c, col in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=c, value=col.header)
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        if col.hint:
            cell.comment = Comment(col.hint, "civicdx")
        sheet.column_dimensions[get_column_letter(c)].width = col.width
    sheet.freeze_panes = "E2"
    last_row = 1 + max(1, len(sections)) * rows_per_section
    for c, (key, values) in enumerate(CHOICES.items(), start=1):
        col_index = [i for i, col in enumerate(COLUMNS, start=1) if col.key == key][0]
        letter = get_column_letter(c)
        validation = DataValidation(type="list", formula1=f"=選択肢!${letter}$2:${letter}${len(values) + 1}",
                                    allow_blank=True, showErrorMessage=True, errorTitle="選択肢にない値",
                                    error="一覧から選んでください。")
        validation.add(f"{get_column_letter(col_index)}2:{get_column_letter(col_index)}{last_row}")
        sheet.add_data_validation(validation)
    for number_key in ("minutes", "cases", "hours"):
        col_index = [i for i, col in enumerate(COLUMNS, start=1) if col.key == number_key][0]
        validation = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                    showErrorMessage=False)
        validation.add(f"{get_column_letter(col_index)}2:{get_column_letter(col_index)}{last_row}")
        sheet.add_data_validation(validation)
    row = 2
    for org in sections:
        for c, value in enumerate(org, start=1):
            cell = sheet.cell(row=row, column=c, value=value or None)
            cell.fill = ORG_FILL
        row += rows_per_section
    workbook.save(path)
