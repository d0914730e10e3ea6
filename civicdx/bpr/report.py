"""The BPR report for managers, as Excel (with native charts) and PDF (with charts). Pure: no Django.

``data`` is the dict built by ``civicdx.bpr.selectors.report_data``. PDF text uses the IPA Gothic TrueType font
from Debian's fonts-ipafont-gothic (embedded, so the file reads anywhere); without it, the standard Japanese CID
font HeiseiKakuGo-W5, which readers substitute.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font

from civicdx.core.fonts import pdf_font
from civicdx.core.exports import HEADER_FILL, HEADER_FONT, escape_cell



def _table(sheet, headers: list[str], rows: list[list], *, widths: list[int] | None = None, start_row: int = 1) -> None:
    for c, h in enumerate(headers, start=1):
        cell = sheet.cell(row=start_row, column=c, value=h)
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for r, row in enumerate(rows, start=start_row + 1):
        for c, value in enumerate(row, start=1):
            sheet.cell(row=r, column=c, value=escape_cell(value))
    for i, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = width


def write_xlsx(data: dict, path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "概要"
    ws["A1"] = data["title"]
    ws["A1"].font = Font(bold=True, size=16)
    ws["A2"] = data["subtitle"]
    _table(ws, ["項目", "値"], [[k, v] for k, v in data["kpis"]], widths=[34, 22], start_row=4)
    start = 6 + len(data["kpis"])
    ws.cell(row=start - 1, column=1, value="候補の種類別（業務の重複なし）").font = Font(bold=True)
    type_rows = [[t["label"], t["tasks"], round(t["hours"]), round(t["saving_hours"]), round(t["saving_person_years"], 1)]
                 for t in data["types"]]
    _table(ws, ["種類", "業務数", "対象時間", "削減見込み(時間)", "削減見込み(人役)"], type_rows, start_row=start)
    if type_rows:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "削減見込み（時間/年）"
        chart.add_data(Reference(ws, min_col=4, min_row=start, max_row=start + len(type_rows)), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=start + 1, max_row=start + len(type_rows)))
        chart.height, chart.width = 8, 16
        ws.add_chart(chart, f"G{start}")

    sheet = wb.create_sheet("候補一覧")
    _table(sheet, ["局", "課", "係", "業務ID", "業務名", "種類", "手段", "対象時間", "人役", "削減見込み(時間)", "前提", "確からしさ", "理由"],
           [[r["bureau"], r["division"], r["section"], r["task_id"], r["task_name"], r["type_label"], r["tool"],
             round(r["hours"], 1), round(r["person_years"], 3), round(r["saving_hours"], 1), r["assumption"],
             r["confidence"], " ".join(r["reasons"])] for r in data["candidates"]],
           widths=[14, 16, 14, 10, 30, 12, 10, 10, 8, 12, 40, 8, 80])
    sheet.freeze_panes = "A2"

    sheet = wb.create_sheet("課別")
    _table(sheet, ["課", "削減見込み(時間)"], [[d["path"], round(d["saving_hours"], 1)] for d in data["divisions"]], widths=[40, 16])
    if data["divisions"]:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "削減見込みの大きい課"
        chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=1 + len(data["divisions"])), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=1 + len(data["divisions"])))
        chart.height, chart.width = 10, 18
        sheet.add_chart(chart, "D2")

    sheet = wb.create_sheet("他都市比較")
    _table(sheet, ["分類", "年間時間", "人口1万人当たり時間", "他都市の中央値", "第1四分位", "第3四分位", "中央値との差(時間)"],
           [[" / ".join(p["key"]), round(p["hours"]), _r(p["per10k"]), _r(p["peer_median_per10k"]), _r(p["peer_q1_per10k"]),
             _r(p["peer_q3_per10k"]), _r(p["excess_hours"], 0)] for p in data["peers"]], widths=[30, 14, 16, 14, 12, 12, 16])

    sheet = wb.create_sheet("施策")
    _table(sheet, ["施策", "手段", "担当", "状態", "業務数", "削減見込み(時間)", "削減実績(時間)"],
           [[p["name"], p["tool"], p["owner"], p["status"], p["tasks"], p["planned_hours"], p["achieved_hours"]] for p in data["projects"]],
           widths=[30, 10, 14, 8, 8, 14, 14])
    wb.save(path)


def _r(value, digits: int = 1):
    return None if value is None else round(value, digits)


def write_pdf(data: dict, path: Path) -> None:
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = pdf_font()
    blue = colors.HexColor("#0017C1")
    h1 = ParagraphStyle("h1", fontName=font, fontSize=18, leading=24, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4, textColor=blue)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    small = ParagraphStyle("small", fontName=font, fontSize=7.5, leading=10)

    def table(headers, rows, widths):
        t = Table([[Paragraph(str(h), small) for h in headers]] +
                  [[Paragraph("" if v is None else str(v), small) for v in row] for row in rows], colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8F1FE")),
                               ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#CCCCCC")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    def bar(labels, values, title):
        drawing = Drawing(250 * mm, max(40, 7 * len(labels)) * mm)
        chart = HorizontalBarChart()
        chart.x, chart.y = 60 * mm, 5 * mm
        chart.width, chart.height = 170 * mm, max(30, 7 * len(labels) - 10) * mm
        chart.data = [list(values)]
        chart.categoryAxis.categoryNames = list(labels)
        chart.categoryAxis.labels.fontName = font
        chart.categoryAxis.labels.fontSize = 8
        chart.categoryAxis.reverseDirection = True
        chart.valueAxis.labels.fontName = font
        chart.valueAxis.valueMin = 0
        chart.bars[0].fillColor = blue
        drawing.add(chart)
        return [KeepTogether([Paragraph(title, h2), drawing])]

    story = [Paragraph(data["title"], h1), Paragraph(data["subtitle"], body), Spacer(1, 4 * mm)]
    story.append(table(["項目", "値"], data["kpis"], [80 * mm, 60 * mm]))
    story.append(Paragraph("候補の種類別（業務の重複なし）", h2))
    story.append(table(["種類", "業務数", "対象時間", "削減見込み(時間)", "削減見込み(人役)"],
                       [[t["label"], f"{t['tasks']:,}", f"{t['hours']:,.0f}", f"{t['saving_hours']:,.0f}", f"{t['saving_person_years']:,.1f}"]
                        for t in data["types"]], [50 * mm, 25 * mm, 35 * mm, 35 * mm, 35 * mm]))
    story += bar([t["label"] for t in data["types"]], [round(t["saving_hours"]) for t in data["types"]], "削減見込み（時間/年）")
    story.append(PageBreak())
    story += bar([d["path"][-28:] for d in data["divisions"][:15]], [round(d["saving_hours"]) for d in data["divisions"][:15]],
                 "削減見込みの大きい課（上位15）")
    story.append(Paragraph("主な候補（削減見込みの大きい順、上位40）", h2))
    story.append(table(["課・係", "業務名", "種類", "手段", "対象時間", "削減見込み", "理由と前提"],
                       [[f"{r['division']} {r['section']}", r["task_name"], r["type_label"], r["tool"], f"{r['hours']:,.0f}",
                         f"{r['saving_hours']:,.0f}", " ".join(r["reasons"]) + f"（前提: {r['assumption']}）"]
                        for r in data["candidates"][:40]],
                       [38 * mm, 40 * mm, 20 * mm, 18 * mm, 18 * mm, 18 * mm, 110 * mm]))
    if data["peers"]:
        story.append(PageBreak())
        story.append(Paragraph("他都市との比較（人口1万人当たり時間、中央値との差の大きい順）", h2))
        story.append(table(["分類", "年間時間", "1万人当たり", "他都市中央値", "第1四分位", "第3四分位", "中央値との差(時間)"],
                           [[" / ".join(p["key"]), f"{p['hours']:,.0f}", _fmt(p["per10k"]), _fmt(p["peer_median_per10k"]),
                             _fmt(p["peer_q1_per10k"]), _fmt(p["peer_q3_per10k"]), _fmt(p["excess_hours"], 0)] for p in data["peers"][:25]],
                           [50 * mm, 28 * mm, 28 * mm, 28 * mm, 28 * mm, 28 * mm, 34 * mm]))
    if data["projects"]:
        story.append(Paragraph("施策", h2))
        story.append(table(["施策", "手段", "担当", "状態", "削減見込み(時間)", "削減実績(時間)"],
                           [[p["name"], p["tool"], p["owner"], p["status"], f"{p['planned_hours']:,.0f}",
                             "" if p["achieved_hours"] is None else f"{p['achieved_hours']:,.0f}"] for p in data["projects"]],
                           [70 * mm, 25 * mm, 30 * mm, 20 * mm, 35 * mm, 35 * mm]))
    doc = SimpleDocTemplate(str(path), pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=data["title"])
    doc.build(story)


def _fmt(value, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"
