"""Japanese full-text search without a dictionary: character bigrams, the same on SQLite and PostgreSQL.

Pure module. Text is NFKC-normalised and lower-cased, cut into runs of letters and digits, and each run becomes
its overlapping bigrams followed by its last character (「住民票」→ 住民 民票 票). A query term matches when its
bigrams occur consecutively — a phrase query — which is exactly "the term occurs as a substring of one run", on
FTS5 (unicode61 tokenizer) and on PostgreSQL's tsvector ('simple' configuration) alike. One-character terms
are prefix queries. Queries are split on spaces and on particles between content words, so 「旅費の精算」
looks for 旅費 and 精算.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TERMS = 8
MAX_TERM_CHARS = 40
# Particles split a query (「住民票の交付」→ 住民票, 交付) only when they sit between non-hiragana words.
_PARTICLE_SPLIT = re.compile(r"(?<=[^\u3040-\u309f\s])(?:から|まで|より|の|を|に|へ|と|で|や|が|は)(?=[^\u3040-\u309f\s])")
# Separates fields on PostgreSQL: full-width letters never survive normalize(), so no query can match it.
FIELD_SEPARATOR = "ｑｑｑ"


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


_RUN = re.compile(r"[^\W_]+")  # letters and digits (str.isalnum), the unit a query term must fall inside


def _runs(text: str) -> list[str]:
    return _RUN.findall(normalize(text))


def _run_tokens(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)] + [run[-1]]


def index_text(text: str) -> str:
    """The token string stored in the index for one field."""
    return " ".join(tok for run in _runs(text) for tok in _run_tokens(run))


def query_terms(query: str) -> list[str]:
    """The terms of a user's query (normalised), at most MAX_TERMS, each at most MAX_TERM_CHARS long."""
    terms: list[str] = []
    for chunk in normalize(query).split():
        for part in _PARTICLE_SPLIT.split(chunk):
            terms += [run[:MAX_TERM_CHARS] for run in _runs(part)]
    seen: list[str] = []
    for term in terms:
        if term not in seen:
            seen.append(term)
    return seen[:MAX_TERMS]


def _term_tokens(term: str) -> list[str]:
    return [term[i:i + 2] for i in range(len(term) - 1)] if len(term) > 1 else [term]


def fts5_query(terms: list[str], columns: tuple[str, ...] = ()) -> str:
    """An FTS5 MATCH expression: every term as a phrase of its bigrams, AND-ed; optionally limited to columns."""
    parts = []
    for term in terms:
        if len(term) == 1:
            parts.append(f'"{term}" *')
        else:
            parts.append('"' + " ".join(_term_tokens(term)) + '"')
    expr = " AND ".join(parts)
    if columns:
        return "{" + " ".join(columns) + "} : (" + expr + ")"
    return expr


def tsquery(terms: list[str], weights: str = "") -> str:
    """A PostgreSQL to_tsquery('simple', …) expression with the same meaning as fts5_query."""
    parts = []
    for term in terms:
        if len(term) == 1:
            parts.append(f"{term}:*{weights}")
        else:
            suffix = f":{weights}" if weights else ""
            parts.append("(" + " <-> ".join(f"{tok}{suffix}" for tok in _term_tokens(term)) + ")")
    return " & ".join(parts)


def snippet(text: str, terms: list[str], width: int = 70) -> list[tuple[str, bool]]:
    """A piece of ``text`` around the first match, as (segment, is_match) pairs; [] when nothing matches."""
    norm = normalize(text)
    norm = re.sub(r"\s+", " ", norm)
    spans = []
    for term in terms:
        for m in re.finditer(re.escape(term), norm):
            spans.append((m.start(), m.end()))
    if not spans:
        return []
    spans.sort()
    first = spans[0][0]
    start = max(0, first - width // 3)
    end = min(len(norm), start + width)
    pieces: list[tuple[str, bool]] = []
    if start > 0:
        pieces.append(("…", False))
    pos = start
    for s, e in spans:
        if s < pos or s >= end:
            continue
        pieces.append((norm[pos:s], False))
        pieces.append((norm[s:min(e, end)], True))
        pos = min(e, end)
    pieces.append((norm[pos:end], False))
    if end < len(norm):
        pieces.append(("…", False))
    return [(t, m) for t, m in pieces if t]
