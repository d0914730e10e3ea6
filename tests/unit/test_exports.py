"""civicdx.core.exports: CSV (UTF-8 BOM, CRLF) and .xlsx output with formula injection neutralised."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from civicdx.core.exports import escape_cell, rows_to_csv, rows_to_xlsx

DANGEROUS = ["=SUM(A1)", "+1", "-1", "@x", "\t=1", "\r=1", "=HYPERLINK(\"http://x\",\"y\")"]


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_starts_with_bom_and_uses_crlf():
    data = rows_to_csv(["局", "年間時間"], [["総務局", 12.5], ["財政局", 3]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.startswith("\ufeff局,年間時間\r\n".encode())
    body = data[3:]
    assert body.count(b"\r\n") == 3
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert body.endswith(b"\r\n")
    assert read_csv(data) == [["局", "年間時間"], ["総務局", "12.5"], ["財政局", "3"]]


def test_csv_escapes_formula_cells_in_rows_and_headers():
    data = rows_to_csv(["=見出し", "ok"], [[v, "safe"] for v in DANGEROUS])
    rows = read_csv(data)
    assert rows[0] == ["'=見出し", "ok"]
    assert [r[0] for r in rows[1:]] == ["'" + v for v in DANGEROUS]
    assert all(r[1] == "safe" for r in rows[1:])


def test_csv_leaves_numbers_none_and_plain_text_alone():
    data = rows_to_csv(["a", "b", "c", "d"], [[-1, None, "a=b", 0.5]])
    assert read_csv(data)[1] == ["-1", "", "a=b", "0.5"]


def test_csv_quotes_commas_quotes_and_newlines():
    value = 'a,"b"\nc'
    data = rows_to_csv(["x"], [[value]])
    assert read_csv(data)[1] == [value]


def test_csv_with_no_rows():
    assert rows_to_csv(["a", "b"], []) == "\ufeffa,b\r\n".encode()


def test_csv_accepts_a_generator():
    data = rows_to_csv(["n"], ([i] for i in range(3)))
    assert read_csv(data) == [["n"], ["0"], ["1"], ["2"]]


@pytest.mark.parametrize("value", DANGEROUS)
def test_escape_cell(value):
    assert escape_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["abc", "", "1-1", " =1", -5, 3.2, None, True])
def test_escape_cell_leaves_safe_values(value):
    assert escape_cell(value) == value


def test_xlsx_round_trip_with_escaped_formulas():
    rows = [["総務局", 12.5, None], ["=SUM(A1)", -1, "+1"], ["@x", 0, "-1"]]
    data = rows_to_xlsx(["局", "年間時間", "備考"], rows, sheet_title="集計")
    assert data[:2] == b"PK"
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["集計"]
    sheet = workbook["集計"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values == [
        ["局", "年間時間", "備考"],
        ["総務局", 12.5, None],
        ["'=SUM(A1)", -1, "'+1"],
        ["'@x", 0, "'-1"],
    ]
    formula_cell = sheet["A3"]
    assert formula_cell.data_type == "s"  # a string, not a formula ("f")
    assert isinstance(formula_cell.value, str) and formula_cell.value.startswith("'")
    assert sheet["B3"].data_type == "n"  # real numbers stay numbers


def test_xlsx_has_no_formula_anywhere():
    data = rows_to_xlsx(["a"], [[v] for v in DANGEROUS])
    sheet = load_workbook(io.BytesIO(data)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    # Whether a CR comes back as CR or LF depends on openpyxl's XML parser (lxml keeps it); the apostrophe is
    # what matters.
    expected = ["'" + v.replace("\r", "\n") for v in DANGEROUS]
    assert [r[0].replace("\r", "\n") for r in sheet.iter_rows(min_row=2, values_only=True)] == expected


def test_xlsx_sheet_title_is_truncated_to_31_characters():
    title = "あ" * 40
    sheet = load_workbook(io.BytesIO(rows_to_xlsx(["a"], [], sheet_title=title))).active
    assert sheet.title == "あ" * 31


def test_xlsx_default_title():
    assert load_workbook(io.BytesIO(rows_to_xlsx(["a"], [[1]]))).sheetnames == ["データ"]


def test_xlsx_survives_control_characters_in_text():
    data = rows_to_xlsx(["業務名"], [["業務\x01名"]])
    value = load_workbook(io.BytesIO(data)).active["A2"].value
    assert value.startswith("業務") and value.endswith("名")
