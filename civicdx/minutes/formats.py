"""Exports of a transcript: Word minutes (議事録 layout), plain text, SRT, WebVTT and JSON. Pure: data in, bytes out.

``meta`` is the 議事録 header: 会議名, 日時, 場所, 出席者, 議題 (missing items are left out). Text is the
ケバ取り level unless ``clean=False``; speakers appear by their display names.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

from civicdx.core.docx import a4_document


@dataclass
class Meta:
    title: str
    held: str = ""
    place: str = ""
    attendees: list[str] = field(default_factory=list)
    agenda: list[str] = field(default_factory=list)


def _clock(seconds: float, sep: str = ",") -> str:
    ms = int(round(max(0.0, seconds) * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def short_clock(seconds: float) -> str:
    total = int(max(0.0, seconds))
    h, rest = divmod(total, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60:02d}:{rest % 60:02d}"


def _lines(transcript: dict, clean: bool) -> list[tuple[dict, str, str]]:
    names = transcript.get("speakers", {})
    key = "text" if clean else "raw_text"
    return [(s, names.get(s["speaker"], s["speaker"]), s[key]) for s in transcript["segments"] if s[key].strip()]


def turns(transcript: dict, *, clean: bool = True) -> list[tuple[str, float, str]]:
    """Consecutive segments of one speaker joined into turns: (name, start, text)."""
    out: list[list] = []
    for seg, name, text in _lines(transcript, clean):
        if out and out[-1][0] == name:
            out[-1][2] += text
        else:
            out.append([name, seg["start"], text])
    return [tuple(t) for t in out]


def to_text(transcript: dict, meta: Meta | None = None, *, clean: bool = True) -> str:
    head = []
    if meta is not None:
        head = [meta.title] + [f"{k}: {v}" for k, v in (("日時", meta.held), ("場所", meta.place),
                                                         ("出席者", "、".join(meta.attendees)), ("議題", "、".join(meta.agenda))) if v]
        head.append("")
    body = [f"[{short_clock(start)}] {name}: {text}" for name, start, text in turns(transcript, clean=clean)]
    return "\n".join(head + body) + "\n"


def to_srt(transcript: dict, *, clean: bool = True) -> str:
    blocks = [f"{i}\n{_clock(s['start'])} --> {_clock(s['end'])}\n{name}: {text}\n"
              for i, (s, name, text) in enumerate(_lines(transcript, clean), start=1)]
    return "\n".join(blocks)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(transcript: dict, *, clean: bool = True) -> str:
    blocks = [f"{_clock(s['start'], '.')} --> {_clock(s['end'], '.')}\n<v {_vtt_escape(name)}>{_vtt_escape(text)}\n"
              for s, name, text in _lines(transcript, clean)]
    return "WEBVTT\n\n" + "\n".join(blocks)


def to_json(transcript: dict, meta: Meta | None = None) -> str:
    data = dict(transcript)
    if meta is not None:
        data["meeting"] = {"title": meta.title, "held": meta.held, "place": meta.place,
                           "attendees": meta.attendees, "agenda": meta.agenda}
    return json.dumps(data, ensure_ascii=False, indent=1)


def to_docx(transcript: dict, meta: Meta, *, clean: bool = True) -> bytes:
    """議事録: title, a table of 日時・場所・出席者・議題, then 発言 by speaker (name in bold, time, text)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    doc = a4_document(meta.title)
    heading = doc.add_heading(meta.title, level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    rows = [("日時", meta.held), ("場所", meta.place), ("出席者", "、".join(meta.attendees)),
            ("議題", "\n".join(f"{i}. {a}" for i, a in enumerate(meta.agenda, start=1)))]
    rows = [r for r in rows if r[1]]
    if rows:
        table = doc.add_table(rows=len(rows), cols=2)
        table.style = "Table Grid"
        for (label, value), row in zip(rows, table.rows):
            row.cells[0].text, row.cells[1].text = label, value
            row.cells[0].paragraphs[0].runs[0].bold = True
    doc.add_heading("発言", level=2)
    for name, start, text in turns(transcript, clean=clean):
        para = doc.add_paragraph()
        who = para.add_run(f"{name}　")
        who.bold = True
        when = para.add_run(f"（{short_clock(start)}）")
        when.font.size = Pt(8)
        when.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
        doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
