"""単語登録: words in the 「表記 読み」 form, used to bias recognition and to correct it afterwards.

The correction pass reads the recognised text with SudachiPy and replaces any run of whole morphemes whose
reading equals an entry's reading but whose spelling differs (財政家 ザイセイカ → 財政課). Readings shorter
than three kana are never used for correction: too many ordinary words share them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

MIN_READING = 3
MAX_NOTATION = 40


class VocabularyError(Exception):
    """Bad dictionary text; ``problems`` lists (line, message) in Japanese."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{line}行目: {msg}" for line, msg in problems))


@dataclass(frozen=True)
class Entry:
    notation: str
    reading: str  # katakana

    def line(self) -> str:
        return f"{self.notation} {to_katakana(self.reading)}"


@dataclass(frozen=True)
class Correction:
    before: str
    after: str
    reading: str
    start: int  # character offsets in the text that was corrected
    end: int


def to_katakana(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def _is_kana(text: str) -> bool:
    return bool(text) and all("ァ" <= c <= "ヺ" or c in "ーヽヾ" for c in text)


def parse(text: str) -> list[Entry]:
    """Entries from UTF-8 text: one per line, 表記 and 読み separated by a space or a tab, # starts a comment.
    Every bad line is reported at once (VocabularyError); duplicates keep the first."""
    entries: dict[tuple[str, str], Entry] = {}
    problems: list[tuple[int, str]] = []
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#") or line.startswith("＃"):
            continue
        parts = line.replace("\u3000", " ").replace("\t", " ").split()
        if len(parts) != 2:
            problems.append((no, f"「{line[:30]}」は「表記 読み」の2項目ではありません（空白またはタブで区切ってください）。"))
            continue
        notation, reading = unicodedata.normalize("NFKC", parts[0]), to_katakana(parts[1])
        if len(notation) > MAX_NOTATION:
            problems.append((no, f"表記「{notation[:20]}…」が長すぎます（{MAX_NOTATION}文字まで）。"))
        elif not _is_kana(reading):
            problems.append((no, f"読み「{parts[1]}」はひらがなかカタカナで書いてください。"))
        else:
            entries.setdefault((notation, reading), Entry(notation, reading))
    if problems:
        raise VocabularyError(problems)
    return list(entries.values())


HOTWORD_CHARS = 90


def hotwords(entries: list[Entry], budget: int = HOTWORD_CHARS) -> str:
    """The first notations, joined like Japanese text (「歳出、歳入、…」), within ``budget`` characters (about
    110 Whisper tokens). A longer hint takes over the model's context: it then writes space-separated words without
    punctuation and invents hint words; every entry still takes part in the correction pass."""
    chosen, used = [], 0
    for notation in dict.fromkeys(e.notation for e in entries):
        if used + len(notation) + 1 > budget:
            break
        chosen.append(notation)
        used += len(notation) + 1
    return "、".join(chosen)


@lru_cache(maxsize=1)
def _tokenizer():
    from sudachipy import Dictionary, SplitMode

    return Dictionary().tokenizer(mode=SplitMode.A)


def readings(text: str) -> list[tuple[int, int, str, str]]:
    """(begin, end, surface, katakana reading) for each morpheme of ``text``."""
    return [(m.begin(), m.end(), m.surface(), to_katakana(m.reading_form())) for m in _tokenizer().tokenize(text)]


def corrections(text: str, entries: list[Entry]) -> list[Correction]:
    """Non-overlapping replacements for ``text``: longest reading first, left to right."""
    usable = sorted((e for e in entries if len(e.reading) >= MIN_READING), key=lambda e: -len(e.reading))
    if not usable or not text.strip():
        return []
    morphemes = readings(text)
    found: list[Correction] = []
    taken: set[int] = set()
    for entry in usable:
        for i in range(len(morphemes)):
            acc = ""
            for j in range(i, len(morphemes)):
                acc += morphemes[j][3]
                if len(acc) >= len(entry.reading):
                    break
            if acc != entry.reading:
                continue
            start, end = morphemes[i][0], morphemes[j][1]
            before = text[start:end]
            if before == entry.notation or any(k in taken for k in range(start, end)):
                continue
            found.append(Correction(before, entry.notation, entry.reading, start, end))
            taken.update(range(start, end))
    return sorted(found, key=lambda c: c.start)


def apply(text: str, found: list[Correction]) -> str:
    for c in sorted(found, key=lambda c: -c.start):
        text = text[:c.start] + c.after + text[c.end:]
    return text
