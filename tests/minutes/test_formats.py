"""Exports: Word minutes parsed back, text, SRT, WebVTT, JSON."""

from __future__ import annotations

import io
import json

from docx import Document

from civicdx.minutes import formats

TRANSCRIPT = {
    "duration_s": 75.0, "model": "whisper-base", "rtf": 0.2,
    "speakers": {"S1": "委員長", "S2": "財政課長"},
    "segments": [
        {"id": 1, "start": 0.0, "end": 4.2, "speaker": "S1", "raw_text": "えー、開会します", "text": "開会します。", "confidence": 0.9, "edited": False, "words": []},
        {"id": 2, "start": 5.0, "end": 9.5, "speaker": "S2", "raw_text": "歳出予算を説明します", "text": "歳出予算を説明します。", "confidence": 0.8, "edited": False, "words": []},
        {"id": 3, "start": 9.6, "end": 12.0, "speaker": "S2", "raw_text": "以上です", "text": "以上です。", "confidence": 0.8, "edited": False, "words": []},
        {"id": 4, "start": 3661.5, "end": 3663.0, "speaker": "S1", "raw_text": "<script>&", "text": "<script>&", "confidence": 0.3, "edited": True, "words": []},
    ],
    "corrections": [],
}
META = formats.Meta(title="令和6年度 第2回 総務委員会", held="2024年10月1日 10:00", place="第1委員会室",
                    attendees=["委員長", "財政課長"], agenda=["議案第15号", "議案第16号"])


def test_docx_has_the_minutes_layout():
    doc = Document(io.BytesIO(formats.to_docx(TRANSCRIPT, META)))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == META.title
    table = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert table[0] == ["日時", "2024年10月1日 10:00"]
    assert ["場所", "第1委員会室"] in table and ["出席者", "委員長、財政課長"] in table
    assert table[-1] == ["議題", "1. 議案第15号\n2. 議案第16号"]
    assert "発言" in texts
    # consecutive lines of one speaker form one turn
    assert texts[texts.index("発言") + 1:] == ["委員長　（00:00）", "開会します。", "財政課長　（00:05）",
                                             "歳出予算を説明します。以上です。", "委員長　（1:01:01）", "<script>&"]


def test_text_export_both_levels():
    clean = formats.to_text(TRANSCRIPT, META)
    assert clean.splitlines()[:2] == [META.title, "日時: 2024年10月1日 10:00"]
    assert "[00:05] 財政課長: 歳出予算を説明します。以上です。" in clean
    assert "えー" not in clean
    assert "[00:00] 委員長: えー、開会します" in formats.to_text(TRANSCRIPT, clean=False)


def test_srt_and_vtt_timing_and_escaping():
    srt = formats.to_srt(TRANSCRIPT)
    assert srt.startswith("1\n00:00:00,000 --> 00:00:04,200\n委員長: 開会します。\n")
    assert "4\n01:01:01,500 --> 01:01:03,000\n" in srt
    vtt = formats.to_vtt(TRANSCRIPT)
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:04.200\n<v 委員長>開会します。\n")
    assert "<v 委員長>&lt;script&gt;&amp;" in vtt


def test_json_export_round_trips():
    data = json.loads(formats.to_json(TRANSCRIPT, META))
    assert data["segments"][1]["text"] == "歳出予算を説明します。"
    assert data["meeting"]["agenda"] == ["議案第15号", "議案第16号"]
