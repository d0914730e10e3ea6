"""Tables out as CSV (UTF-8 with BOM, opens in Excel) or .xlsx, with spreadsheet formulas neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Header style of every workbook civicdx writes (DADS primary blue).
HEADER_FILL = PatternFill("solid", fgColor="0017C1")
HEADER_FONT = Font(bold=True, color="FFFFFF")


def escape_cell(value):
    """A string that a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection);
    control characters, which Excel files cannot hold, are removed."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def rows_to_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_cell(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else escape_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def rows_to_xlsx(headers: Sequence[str], rows: Iterable[Sequence], *, sheet_title: str = "データ") -> bytes:
    return rows_to_xlsx_sheets([(sheet_title, headers, rows)])


def rows_to_xlsx_sheets(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """One workbook, a sheet per (title, headers, rows); every cell escaped like rows_to_xlsx."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append([escape_cell(h) for h in headers])
        for row in rows:
            sheet.append([escape_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

