"""ケバ取り: remove fillers and collapse repeats, character-exactly, so every token keeps its timestamp.

A filler list has one word a line. A word ending in 「、」 (その、) is removed only where a pause or
punctuation follows it, because その・あの・まあ are also ordinary words; any other word is removed wherever
it stands at a word boundary, with its lengthening (えーー, あのーっ).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_FILLERS = """\
えー
えーと
えーっと
えっと
ええと
あー
あのー
そのー
このー
うーん
んー
まあ、
え、
あ、
まぁ、
あの、
その、
この、
なんか、
"""

# a filler starts a word: after no kana (start, punctuation, kanji) or after a particle
_BOUNDARY_BEFORE = r"(?:(?<![ぁ-ゖァ-ヺー])|(?<=[はがをにでもとねよ]))"
_PAUSE_AFTER = r"(?=[、。，,．.！？!?\s]|$)"


@dataclass(frozen=True)
class Rules:
    anywhere: tuple[str, ...]
    standalone: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Rules:
        anywhere, standalone = [], []
        for line in text.splitlines():
            word = line.strip()
            if not word or word.startswith("#"):
                continue
            if word.endswith(("、", ",")):
                standalone.append(word[:-1])
            else:
                anywhere.append(word)
        return cls(tuple(anywhere), tuple(standalone))

    def pattern(self) -> re.Pattern:
        alts = []
        if self.anywhere:
            words = "|".join(re.escape(w) for w in sorted(self.anywhere, key=len, reverse=True))
            alts.append(rf"{_BOUNDARY_BEFORE}(?:{words})[ーっッ〜~]*{_PAUSE_AFTER}?")
        if self.standalone:
            words = "|".join(re.escape(w) for w in sorted(self.standalone, key=len, reverse=True))
            alts.append(rf"{_BOUNDARY_BEFORE}(?:{words})[ーっッ]*{_PAUSE_AFTER}")
        return re.compile("|".join(alts)) if alts else re.compile(r"(?!)")


DEFAULT_RULES = Rules.parse(DEFAULT_FILLERS)
_REPEAT = re.compile(r"(.{2,12}?)([、,\s]?)\1")
_KANA = re.compile(r"^[ぁ-ゖァ-ヺー]+$")


def filler_spans(text: str, rules: Rules = DEFAULT_RULES) -> list[tuple[int, int, str]]:
    """(start, end, "") spans to delete: each filler with the punctuation right after it."""
    spans = []
    for m in rules.pattern().finditer(text):
        if m.end() == m.start():
            continue
        end = m.end()
        while end < len(text) and text[end] in "、，, \u3000":
            end += 1
        spans.append((m.start(), end, ""))
    return spans


def repeat_spans(text: str) -> list[tuple[int, int, str]]:
    """Spans deleting the first of two identical neighbours (予算、予算の → 予算の). Kana doublings without a
    pause (だんだん, ワクワク) are words, and digits repeat in numbers (2020年度): they stay."""
    spans = []
    for m in _REPEAT.finditer(text):
        chunk, sep = m.group(1), m.group(2)
        if not chunk.strip() or any(c.isdigit() for c in chunk) or (not sep and len(chunk) < 3 and _KANA.match(chunk)):
            continue
        spans.append((m.start(), m.start() + len(chunk) + len(sep), ""))
    return spans


_JA_SPACE = re.compile(r"(?<=[^\x00-\x7f])[ \u3000]+(?=[^\x00-\x7f])")


def pause_spans(text: str) -> list[tuple[int, int, str]]:
    """Whisper marks pauses in Japanese with spaces; minutes write 、. When it spaces nearly every word instead
    (short pieces: 待ち 時間 の 短縮 は), the spaces carry no pause and are dropped."""
    pieces = text.split()
    mark = "" if len(pieces) >= 4 and sum(map(len, pieces)) / len(pieces) < 3.5 else "、"
    return [(m.start(), m.end(), mark) for m in _JA_SPACE.finditer(text)]


def tidy(text: str) -> str:
    """Punctuation left dangling after removals: a leading 、, doubled 、, 、 before 。."""
    text = re.sub(r"^[、，,\s]+", "", text)
    text = re.sub(r"[、，,]{2,}", "、", text)
    return re.sub(r"[、，,]+(?=[。．！？!?]|$)", "", text).strip()
