"""The Japanese font for generated documents: IPA Gothic from Debian's fonts-ipafont-gothic (embedded in PDFs, so
files read anywhere); without it, PDFs fall back to the standard CID font HeiseiKakuGo-W5, which readers substitute."""

from __future__ import annotations

from pathlib import Path

IPA_GOTHIC = Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf")


def pdf_font() -> str:
    """Register the Japanese font with reportlab (once) and return its name."""
    from reportlab.pdfbase import pdfmetrics

    if IPA_GOTHIC.exists():
        from reportlab.pdfbase.ttfonts import TTFont

        if "IPAGothic" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("IPAGothic", str(IPA_GOTHIC)))
        return "IPAGothic"
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
    return "HeiseiKakuGo-W5"
