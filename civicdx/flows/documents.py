"""業務マニュアル and 引継書 as Word (python-docx) and PDF (reportlab). Pure: plain data in, bytes out.

A manual is its title, a table of facts (業務名, 所属, 版 …), the flow drawn as a PNG (``render.flow_png``) and the
blocks of its Markdown body (``manual.blocks``); images attached to the manual come from ``attachment_image(id)``.
A Markdown document without facts or flow (the 引継書) goes through the same code. PDF text uses the IPA Gothic
TrueType font (embedded) when installed, else the standard Japanese CID font HeiseiKakuGo-W5, as the BPR report does.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from xml.sax.saxutils import escape

from civicdx.core.docx import DOCX_EAST_ASIAN_FONT, a4_document, east_asian
from civicdx.core.fonts import pdf_font
from civicdx.flows.manual import Block

DOCX_MONO_FONT = "Consolas"
IMAGE_MISSING = "（画像を表示できません: {}）"
AttachmentImage = Callable[[int], "bytes | None"]


def manual_docx(*, title: str, meta: list[tuple[str, str]], body_blocks: list[Block], flow_png: bytes | None,
                attachment_image: AttachmentImage) -> bytes:
    return _docx(title, meta, body_blocks, flow_png, attachment_image)


def manual_pdf(*, title: str, meta: list[tuple[str, str]], body_blocks: list[Block], flow_png: bytes | None,
               attachment_image: AttachmentImage) -> bytes:
    return _pdf(title, meta, body_blocks, flow_png, attachment_image)


def markdown_docx(*, title: str, body_blocks: list[Block], attachment_image: AttachmentImage | None = None) -> bytes:
    return _docx(title, [], body_blocks, None, attachment_image or _no_image)


def markdown_pdf(*, title: str, body_blocks: list[Block], attachment_image: AttachmentImage | None = None) -> bytes:
    return _pdf(title, [], body_blocks, None, attachment_image or _no_image)


def _no_image(_attachment_id: int) -> None:
    return None


def _body(title: str, body_blocks: list[Block]) -> list[Block]:
    """The blocks without a leading level-1 heading that repeats the title (Markdown documents usually start so)."""
    if body_blocks and body_blocks[0].kind == "heading" and body_blocks[0].level == 1 \
            and body_blocks[0].text.strip() == title.strip():
        return body_blocks[1:]
    return body_blocks


def _numbered(body_blocks: list[Block]) -> Iterator[tuple[Block, bool, int]]:
    """Each block with (starts a new numbered list, its number): Word and PDF restart numbering per list."""
    counters: dict[int, int] = {}
    prev: Block | None = None
    for block in body_blocks:
        restart, number = False, 0
        if block.kind == "number":
            level = block.level or 1
            continues = prev is not None and prev.kind in ("number", "bullet") and (
                prev.level > level or (prev.level == level and prev.kind == "number"))
            restart = not continues
            counters[level] = 1 if restart else counters.get(level, 0) + 1
            number = counters[level]
        yield block, restart, number
        prev = block


def _image_size(data: bytes) -> tuple[int, int] | None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:  # noqa: BLE001 - anything Pillow cannot read is "not an image" here
        return None


def _rows(rows: list[list[str]] | None) -> list[list[str]]:
    rows = [list(r) for r in rows or [] if r is not None]
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


# ---------------------------------------------------------------------------------------------------------------
# Word
# ---------------------------------------------------------------------------------------------------------------

def _docx_numbering(doc, paragraph, cache: dict[str, int], style_name: str, restart: bool) -> None:
    """Restart a 'List Number' style's numbering for each new list (Word otherwise counts on across the document)."""
    if restart or style_name not in cache:
        numbering = doc.part.numbering_part.element
        style_num = doc.styles[style_name].element.pPr.numPr.numId.val
        num = numbering.add_num(numbering.num_having_numId(style_num).abstractNumId.val)
        num.add_lvlOverride(ilvl=0).add_startOverride(1)
        cache[style_name] = num.numId
    paragraph._p.get_or_add_pPr().get_or_add_numPr().get_or_add_numId().val = cache[style_name]


def _docx(title: str, meta: list[tuple[str, str]], body_blocks: list[Block], flow_png: bytes | None,
          attachment_image: AttachmentImage) -> bytes:
    from docx.image.exceptions import UnrecognizedImageError
    from docx.shared import Cm, Pt

    doc = a4_document(title)
    max_width, max_height = Cm(17.0), Cm(22.0)

    def picture(data: bytes, *, width=None) -> bool:
        try:
            shape = doc.add_picture(io.BytesIO(data), width=width)
        except (UnrecognizedImageError, ValueError, OSError):
            return False
        for limit, size in ((max_width, "width"), (max_height, "height")):
            current = getattr(shape, size)
            if current > limit:
                shape.width, shape.height = int(shape.width * limit / current), int(shape.height * limit / current)
        return True

    def table(rows: list[list[str]], *, header: bool) -> None:
        rows = _rows(rows)
        if not rows or not rows[0]:
            return
        t = doc.add_table(rows=len(rows), cols=len(rows[0]))
        t.style = "Table Grid"
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                cell = t.cell(r, c)
                cell.text = str(value)
                if (header and r == 0) or (not header and c == 0):
                    for run in cell.paragraphs[0].runs:
                        run.bold = True
        doc.add_paragraph()

    doc.add_heading(title, level=0)
    if meta:
        table([[k, v] for k, v in meta], header=False)
    if flow_png:
        doc.add_heading("業務フロー", level=1)
        picture(flow_png, width=Cm(16))
    numbering: dict[str, int] = {}
    for block, restart, _number in _numbered(_body(title, body_blocks)):
        level = max(1, block.level)
        if block.kind == "heading":
            doc.add_heading(block.text, level=min(level, 6))
        elif block.kind in ("bullet", "number"):
            base = "List Bullet" if block.kind == "bullet" else "List Number"
            style_name = base if level == 1 else f"{base} {min(level, 3)}"
            paragraph = doc.add_paragraph(block.text, style=style_name)
            if block.kind == "number":
                _docx_numbering(doc, paragraph, numbering, style_name, restart)
        elif block.kind == "code":
            run = doc.add_paragraph().add_run(block.text)
            run.font.name = DOCX_MONO_FONT
            run.font.size = Pt(9)
            east_asian(run, DOCX_EAST_ASIAN_FONT)
        elif block.kind == "table":
            table(block.rows or [], header=True)
        elif block.kind == "image":
            data = attachment_image(block.attachment_id) if block.attachment_id is not None else None
            if not data or not picture(data):
                doc.add_paragraph(IMAGE_MISSING.format(block.text or block.attachment_id))
            elif block.text:
                doc.add_paragraph(block.text, style="Caption")
        else:
            doc.add_paragraph(block.text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------------------------


def _column_widths(rows: list[list[str]], total: float) -> list[float]:
    """Columns as wide as their longest text (between 2 and 24 characters), sharing ``total``."""
    weights = [min(24, max(2, *(len(str(r[c])) for r in rows))) for c in range(len(rows[0]))]
    return [total * w / sum(weights) for w in weights]


def _pdf(title: str, meta: list[tuple[str, str]], body_blocks: list[Block], flow_png: bytes | None,
         attachment_image: AttachmentImage) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, Preformatted, SimpleDocTemplate, Spacer, Table, TableStyle

    font = pdf_font()
    blue, grey = colors.HexColor("#0017C1"), colors.HexColor("#CCCCCC")
    h1 = ParagraphStyle("h1", fontName=font, fontSize=18, leading=24, spaceAfter=6)
    headings = {level: ParagraphStyle(f"h{level + 1}", fontName=font, fontSize=size, leading=size * 1.45,
                                      spaceBefore=8, spaceAfter=3, textColor=blue if level <= 2 else colors.black)
                for level, size in ((1, 14), (2, 12.5), (3, 11.5), (4, 10.5), (5, 10), (6, 10))}
    body = ParagraphStyle("body", fontName=font, bulletFontName=font, fontSize=10, leading=15, spaceAfter=4)
    small = ParagraphStyle("small", fontName=font, fontSize=8, leading=11)
    caption = ParagraphStyle("caption", parent=small, textColor=colors.HexColor("#555555"), spaceAfter=6)
    code = ParagraphStyle("code", fontName=font, fontSize=8.5, leading=12, backColor=colors.HexColor("#F5F5F5"),
                          borderPadding=4, spaceBefore=4, spaceAfter=8, leftIndent=4, rightIndent=4)

    page_w, page_h = A4
    margin = 18 * mm
    frame_w, frame_h = page_w - 2 * margin, page_h - 2 * margin - 12 * mm

    def image(data: bytes, *, fill: bool) -> Image | None:
        size = _image_size(data)
        if not size:
            return None
        w, h = (frame_w, frame_w * size[1] / size[0]) if fill else (size[0] * 0.75, size[1] * 0.75)  # px at 96 dpi
        shrink = min(1.0, frame_w / w, frame_h / h)
        return Image(io.BytesIO(data), width=w * shrink, height=h * shrink)

    def table(rows: list[list[str]], widths: list[float], *, header: bool) -> Table:
        t = Table([[Paragraph(escape(str(v)), small) for v in row] for row in rows], colWidths=widths,
                  repeatRows=1 if header else 0, hAlign="LEFT")
        shade = ("BACKGROUND", (0, 0), (-1, 0)) if header else ("BACKGROUND", (0, 0), (0, -1))
        t.setStyle(TableStyle([(*shade, colors.HexColor("#E8F1FE")), ("GRID", (0, 0), (-1, -1), 0.25, grey),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    story: list = [Paragraph(escape(title), h1)]
    if meta:
        story += [table([[k, v] for k, v in meta], [35 * mm, frame_w - 35 * mm], header=False), Spacer(1, 4 * mm)]
    if flow_png:
        flow = image(flow_png, fill=True)
        if flow is not None:
            story += [Paragraph("業務フロー", headings[1]), flow, Spacer(1, 4 * mm)]
    for block, _restart, number in _numbered(_body(title, body_blocks)):
        indent = 12 * max(1, block.level)
        if block.kind == "heading":
            story.append(Paragraph(escape(block.text), headings[min(max(1, block.level), 6)]))
        elif block.kind in ("bullet", "number"):
            marker = "・" if block.kind == "bullet" else f"{number}."
            story.append(Paragraph(escape(block.text), ParagraphStyle(
                f"list{indent}", parent=body, leftIndent=indent + 6, bulletIndent=indent - 8, spaceAfter=2),
                bulletText=marker))
        elif block.kind == "code":
            story.append(Preformatted(block.text, code))
        elif block.kind == "table":
            rows = _rows(block.rows)
            if rows and rows[0]:
                story += [table(rows, _column_widths(rows, frame_w), header=True), Spacer(1, 3 * mm)]
        elif block.kind == "image":
            data = attachment_image(block.attachment_id) if block.attachment_id is not None else None
            picture = image(data, fill=False) if data else None
            if picture is None:
                story.append(Paragraph(escape(IMAGE_MISSING.format(block.text or block.attachment_id)), body))
            else:
                story += [picture] + ([Paragraph(escape(block.text), caption)] if block.text else [])
        else:
            story.append(Paragraph(escape(block.text), body))

    def decorate(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(margin, page_h - 12 * mm, title[:60])
        canvas.line(margin, page_h - 13.5 * mm, page_w - margin, page_h - 13.5 * mm)
        canvas.drawCentredString(page_w / 2, 10 * mm, f"{doc.page}")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin + 6 * mm,
                            bottomMargin=margin, title=title)
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue()
