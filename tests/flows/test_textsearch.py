"""civicdx.flows.textsearch without Django: tokens, query terms, FTS5/tsquery expressions, snippets, and an
in-memory FTS5 table that must agree with a plain-Python substring reference."""

from __future__ import annotations

import re
import sqlite3
import unicodedata

import pytest

from civicdx.flows import textsearch as ts


# ---------------------------------------------------------------------------------------------------------------
# normalize / index_text
# ---------------------------------------------------------------------------------------------------------------

def test_normalize_folds_width_and_case():
    assert ts.normalize("ＲＰＡ") == "rpa"
    assert ts.normalize("ｶﾞｽ料金　１２３") == "ガス料金 123"
    assert ts.normalize("AI-OCR") == "ai-ocr"
    assert ts.normalize(None) == ""


def test_index_text_is_bigrams_then_last_character_per_run():
    assert ts.index_text("住民票") == "住民 民票 票"
    assert ts.index_text("住民票の写し") == "住民 民票 票の の写 写し し"
    assert ts.index_text("旅費・精算") == "旅費 費 精算 算"
    assert ts.index_text("ＲＰＡ導入") == "rp pa a導 導入 入"
    assert ts.index_text("a") == "a"
    assert ts.index_text("") == ""
    assert ts.index_text("「」、。！？ ") == ""


def test_runs_split_on_anything_that_is_not_a_letter_or_digit():
    assert ts._runs("住民票（写し）の交付、ＲＰＡ化!") == ["住民票", "写し", "の交付", "rpa化"]
    assert ts._runs("12月・3月") == ["12月", "3月"]


# ---------------------------------------------------------------------------------------------------------------
# query_terms
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query,terms", [
    ("旅費の精算", ["旅費", "精算"]),
    ("住民票の交付", ["住民票", "交付"]),
    ("住民票 交付", ["住民票", "交付"]),
    ("住民票　交付", ["住民票", "交付"]),          # ideographic space
    ("住民票を交付", ["住民票", "交付"]),
    ("申請書から台帳へ転記", ["申請書", "台帳", "転記"]),
    ("ＲＰＡ", ["rpa"]),
    ("ｒｐａ", ["rpa"]),
    ("RPA", ["rpa"]),
    ("ごみの収集", ["ごみの収集"]),                # a particle next to hiragana does not split
    ("税", ["税"]),
    ("住民票 住民票", ["住民票"]),                 # duplicates once
    ("「住民票」・交付！", ["住民票", "交付"]),
    ("", []),
    ("　 、。", []),
])
def test_query_terms(query, terms):
    assert ts.query_terms(query) == terms


def test_query_terms_are_capped():
    words = [f"語{i:02d}" for i in range(20)]
    assert ts.query_terms(" ".join(words)) == words[:ts.MAX_TERMS]
    assert len(ts.query_terms("あ" * 100)[0]) == ts.MAX_TERM_CHARS


# ---------------------------------------------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------------------------------------------

def test_fts5_query():
    assert ts.fts5_query(["住民票", "交付"]) == '"住民 民票" AND "交付"'
    assert ts.fts5_query(["税"]) == '"税" *'
    assert ts.fts5_query(["住民票"], ("name",)) == '{name} : ("住民 民票")'
    assert ts.fts5_query(["a", "bc"], ("name", "flow")) == '{name flow} : ("a" * AND "bc")'


def test_tsquery():
    assert ts.tsquery(["住民票", "交付"]) == "(住民 <-> 民票) & (交付)"
    assert ts.tsquery(["税"]) == "税:*"
    assert ts.tsquery(["税"], "A") == "税:*A"
    assert ts.tsquery(["住民票"], "AB") == "(住民:AB <-> 民票:AB)"


HOSTILE = [
    '"住民票',
    '" OR 1=1 --',
    "住民票) OR (交付",
    "住民*",
    "*",
    "name:住民票",
    "{name flow}: 住民",
    "住民 & 交付 | !税",
    "'; DROP TABLE flows_search_fts; --",
    "NEAR(住民 交付, 2)",
    "住民 NOT 交付 AND OR",
    "^住民 +交付 -税",
    "住民票:*A <-> 交付",
    "\\x00\x00\u200b\ufeff",
    "(((((((((",
]

_SAFE_FTS5 = re.compile(r'^(?:"[^"\s*(){}:^]+(?: [^"\s*(){}:^]+)*"(?: \*)?)(?: AND "[^"\s*(){}:^]+(?: [^"\s*(){}:^]+)*"(?: \*)?)*$')


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_give_only_safe_tokens(query):
    terms = ts.query_terms(query)
    for term in terms:
        assert term and all(ch.isalnum() or unicodedata.category(ch).startswith("M") for ch in term), term
    expr = ts.fts5_query(terms)
    if terms:
        assert _SAFE_FTS5.match(expr), expr
        # each quoted phrase holds 1–2 character tokens only
        for phrase in re.findall(r'"([^"]*)"', expr):
            assert all(1 <= len(tok) <= 2 for tok in phrase.split(" "))
    tsq = ts.tsquery(terms, "AB")
    if not terms:
        assert expr == tsq == ""
        return
    assert not re.search(r"[\"'\\;!|]", tsq)
    for piece in re.split(r"\s*(?:&|<->)\s*", tsq):
        piece = piece.strip("()")
        assert re.fullmatch(r"\w{1,2}:(?:\*)?(?:AB)?|\w:\*AB", piece), piece


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_are_valid_fts5(query):
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE f USING fts5(name, flow, manual, content='', "
                "tokenize='unicode61 remove_diacritics 0')")
    con.execute("INSERT INTO f(rowid, name, flow, manual) VALUES (1, ?, '', '')", (ts.index_text("住民票の交付"),))
    terms = ts.query_terms(query)
    if not terms:
        return
    for columns in ((), ("name",), ("name", "flow")):
        con.execute("SELECT rowid FROM f WHERE f MATCH ?", (ts.fts5_query(terms, columns),)).fetchall()


@pytest.mark.parametrize("query", ["q", "Ｑ"])
def test_no_query_term_can_match_the_field_separator(query):
    # PostgreSQL semantics of to_tsquery: "x:*" matches every lexeme that starts with x, "ab" matches "ab" only.
    for term in ts.query_terms(query):
        for token in ts._term_tokens(term):
            matches = ts.FIELD_SEPARATOR.startswith(token) if len(term) == 1 else ts.FIELD_SEPARATOR == token
            assert not matches, (term, ts.FIELD_SEPARATOR)


# ---------------------------------------------------------------------------------------------------------------
# snippet
# ---------------------------------------------------------------------------------------------------------------

def test_snippet_marks_matches():
    pieces = ts.snippet("住民票の写しを交付する", ["住民票", "交付"])
    assert pieces == [("住民票", True), ("の写しを", False), ("交付", True), ("する", False)]


def test_snippet_normalises_and_cuts_around_the_first_match():
    text = "前置き。" * 30 + "ＲＰＡで  入力を自動化" + "。後書き" * 30
    pieces = ts.snippet(text, ["rpa"], width=40)
    assert pieces[0] == ("…", False) and pieces[-1] == ("…", False)
    assert ("rpa", True) in pieces
    joined = "".join(t for t, _m in pieces[1:-1])
    assert len(joined) == 40
    assert "で 入力" in joined  # whitespace runs folded


def test_snippet_without_match_is_empty():
    assert ts.snippet("住民票", ["交付"]) == []
    assert ts.snippet("", ["交付"]) == []
    assert ts.snippet("住民票", []) == []


def test_snippet_overlapping_terms_do_not_repeat_text():
    pieces = ts.snippet("住民票交付", ["住民票", "民票交"])
    assert "".join(t for t, _m in pieces) == "住民票交付"


# ---------------------------------------------------------------------------------------------------------------
# FTS5 agrees with the substring reference
# ---------------------------------------------------------------------------------------------------------------

TEXTS = [
    "住民票の写しの交付",
    "戸籍謄本・抄本の交付",
    "印鑑登録証明書の交付（コンビニ交付を含む）",
    "旅費の精算と支出命令",
    "職員の旅費計算、精算書の審査",
    "ＲＰＡによる給与データの入力",
    "給与計算システムへの入力・転記",
    "国民健康保険税の賦課",
    "固定資産税（土地）の評価替え",
    "ごみの収集運搬業務の委託",
    "粗大ごみ受付センター",
    "住民 票",                              # two runs: 住民票 must not match across them
    "民票住",
    "介護保険料の還付通知の発送",
    "令和3年度 第2回 住民説明会",
    "パスポート申請の受付（旅券）",
    "",
]

QUERIES = [
    "住民票", "住民票の交付", "住民票 交付", "交付", "票", "住", "民票", "旅費の精算", "精算", "計算",
    "ＲＰＡ", "rpa", "給与", "入力", "税", "資産税", "ごみ", "ごみの収集", "受付", "旅券", "パスポート",
    "令和3", "3年", "第2回", "住民", "の交付", "還付通知", "委託", "存在しない語", "票住", "民", "コンビニ交付",
]


def _reference(query: str) -> set[int]:
    """A term matches a text when it is a substring of one run of letters and digits of the text."""
    terms = ts.query_terms(query)
    if not terms:
        return set()
    return {i for i, text in enumerate(TEXTS)
            if all(any(term in run for run in ts._runs(text)) for term in terms)}


@pytest.fixture(scope="module")
def fts():
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE f USING fts5(name, flow, manual, content='', "
                "tokenize='unicode61 remove_diacritics 0')")
    for i, text in enumerate(TEXTS):
        # the text in one column, something unrelated in the others
        col = ("name", "flow", "manual")[i % 3]
        values = {"name": ts.index_text("無関係"), "flow": "", "manual": ""}
        values[col] = ts.index_text(text)
        con.execute("INSERT INTO f(rowid, name, flow, manual) VALUES (?, ?, ?, ?)",
                    (i, values["name"], values["flow"], values["manual"]))
    return con


@pytest.mark.parametrize("query", QUERIES)
def test_fts5_matches_exactly_the_substring_reference(fts, query):
    terms = ts.query_terms(query)
    got = {r[0] for r in fts.execute("SELECT rowid FROM f WHERE f MATCH ?", (ts.fts5_query(terms),))}
    assert got == _reference(query), (query, terms)


def test_reference_is_not_trivial():
    # guard against a reference (and an index) that finds nothing or everything
    assert _reference("住民票") == {0}
    assert _reference("交付") == {0, 1, 2}
    assert _reference("旅費の精算") == {3, 4}
    assert _reference("票") == {0, 11, 12}
    assert _reference("ＲＰＡ") == {5}
    assert _reference("存在しない語") == set()


def test_column_filter_limits_to_that_column(fts):
    name_only = {r[0] for r in fts.execute("SELECT rowid FROM f WHERE f MATCH ?",
                                           (ts.fts5_query(ts.query_terms("交付"), ("name",)),))}
    assert name_only == {i for i in _reference("交付") if i % 3 == 0}
    both = {r[0] for r in fts.execute("SELECT rowid FROM f WHERE f MATCH ?",
                                      (ts.fts5_query(ts.query_terms("交付"), ("name", "flow")),))}
    assert both == {i for i in _reference("交付") if i % 3 in (0, 1)}
    everywhere = {r[0] for r in fts.execute("SELECT rowid FROM f WHERE f MATCH ?",
                                            (ts.fts5_query(ts.query_terms("無関係")),))}
    assert everywhere == {i for i in range(len(TEXTS)) if i % 3 != 0}
