"""Read .xlsx (python-calamine) and .csv (UTF-8 with/without BOM, CP932) into sheets of rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineWorkbook

from civicdx.core.errors import ApplicationError

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}


@dataclass
class Sheet:
    file: str  # the name the user knows the file by
    name: str  # sheet name ("" for CSV)
    rows: list[list]


def decode_csv_bytes(data: bytes, *, file: str) -> tuple[str, str]:
    """Return (text, encoding). UTF-8 (BOM or not) first, then CP932 (Shift_JIS with Windows extensions)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 (BOM付き)"
        except UnicodeDecodeError as exc:
            raise _decode_error(file, data, exc, offset=3) from exc
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "CP932 (Shift_JIS)"
    except UnicodeDecodeError as exc:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is not None and best.encoding not in ("utf_8", "cp932", "shift_jis"):
            try:
                return data.decode(best.encoding), best.encoding
            except UnicodeDecodeError:
                pass
        raise _decode_error(file, data, exc) from exc


def _decode_error(file: str, data: bytes, exc: UnicodeDecodeError, offset: int = 0) -> ApplicationError:
    line = data[: offset + exc.start].count(b"\n") + 1
    return ApplicationError(
        "csv_encoding",
        f"{file}: {line}行目付近の文字コードを読み取れません。UTF-8 か Shift_JIS (CP932) で保存し直してください。",
        details=[{"file": file, "sheet": "", "row": line, "column": "", "value": "", "code": "csv_encoding",
                  "message": "文字コードを判別できません（UTF-8 または Shift_JIS で保存してください）"}],
    )


def read_sheets(path: Path, *, display_name: str | None = None) -> list[Sheet]:
    """All sheets of a workbook or the one table of a CSV file, as lists of cell values."""
    name = display_name or path.name
    suffix = Path(name).suffix.lower() or path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        text, _encoding = decode_csv_bytes(path.read_bytes(), file=name)
        delimiter = "\t" if suffix == ".tsv" or ("\t" in text[:2000] and "," not in text[:2000]) else ","
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        return [Sheet(file=name, name="", rows=rows)]
    if suffix in EXCEL_SUFFIXES:
        try:
            workbook = CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # calamine raises its own error types for broken files
            raise ApplicationError(
                "file_unreadable",
                f"{name}: Excelファイルとして開けません（壊れているか、パスワード付きか、別の形式です）。",
                details=[{"file": name, "sheet": "", "row": None, "column": "", "value": "", "code": "file_unreadable",
                          "message": f"Excelファイルとして開けません: {exc}"}],
            ) from exc
        sheets = []
        for sheet_name in workbook.sheet_names:
            rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
            sheets.append(Sheet(file=name, name=sheet_name, rows=rows))
        return sheets
    raise ApplicationError(
        "file_type",
        f"{name}: この形式は取り込めません。.xlsx または .csv のファイルを選んでください。",
        details=[{"file": name, "sheet": "", "row": None, "column": "", "value": suffix, "code": "file_type",
                  "message": ".xlsx または .csv のファイルを選んでください"}],
    )
