"""A4 Word documents with a Japanese font on every style (python-docx), shared by the parts' exports."""

from __future__ import annotations

DOCX_EAST_ASIAN_FONT = "游ゴシック"


def east_asian(style, name: str) -> None:
    from docx.oxml.ns import qn

    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    if qn("w:eastAsiaTheme") in fonts.attrib:
        del fonts.attrib[qn("w:eastAsiaTheme")]


def a4_document(title: str, *, font_size: float = 10.5, margin_cm: float = 2.0):
    """A new python-docx Document: A4, even margins, the title in its properties, Japanese font everywhere."""
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(margin_cm)
    section.top_margin = section.bottom_margin = Cm(margin_cm)
    doc.core_properties.title = title
    for style in doc.styles:   # Normal, and every style that would otherwise take the theme's East Asian font
        if style.type in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER):
            east_asian(style, DOCX_EAST_ASIAN_FONT)
    doc.styles["Normal"].font.size = Pt(font_size)
    return doc
