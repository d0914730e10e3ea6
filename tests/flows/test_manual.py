"""civicdx.flows.manual and civicdx.flows.handover without a database."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from lxml import html as lxml_html

from civicdx.flows import handover, manual

BODY = """# 住民票の写しの交付 業務マニュアル

## 業務の目的と概要

住民基本台帳法第12条に基づき、住民票の写しを交付する。

## 1. 申請書の受付 {#Activity_1}

窓口で**本人確認**を行う。<script>alert('xss')</script> [危険](javascript:alert(1)) [様式第1号](attachment:7)

![受付の流れ](attachment:12)

<div onclick="steal()">生のHTML</div>

## 2. 審査 `住基` {#Activity_2}

- 請求事由の確認
  - 第三者請求は疎明資料を確認
- 手数料の確認

1. 住基システムで検索
2. 写しを印刷

```
SELECT * FROM 住民 WHERE 氏名 = '<name>';
```

| 項目 | 手数料 |
|---|---:|
| 住民票の写し | 300円 |
| 記載事項証明 | 300円 |

### 参考資料
"""


def url(attachment_id: int) -> str:
    return f"/flows/attachment/{attachment_id}/"


def rendered():
    return lxml_html.fromstring(f"<div>{manual.render(BODY, url)}</div>")


# ---------------------------------------------------------------------------------------------------------------
# sections and render
# ---------------------------------------------------------------------------------------------------------------

def test_sections_with_task_refs():
    secs = manual.sections(BODY)
    assert [(s.level, s.task_id, s.anchor) for s in secs] == [
        (1, "", "sec-1"), (2, "", "sec-2"), (2, "Activity_1", "sec-3"), (2, "Activity_2", "sec-4"), (3, "", "sec-5")]
    assert secs[2].title == "1. 申請書の受付"
    assert "{#" not in " ".join(s.title for s in secs)
    assert manual.sections("") == []
    assert manual.sections("本文だけ") == []


def test_render_headings_get_ids_and_task_links():
    doc = rendered()
    headings = doc.xpath("//h1|//h2|//h3")
    assert [h.get("id") for h in headings] == ["sec-1", "sec-2", "sec-3", "sec-4", "sec-5"]
    assert [h.get("data-task") for h in headings] == [None, None, "Activity_1", "Activity_2", None]
    assert headings[2].text_content() == "1. 申請書の受付"
    assert headings[3].text_content().strip() == "2. 審査 住基"
    assert headings[3].xpath(".//code")[0].text == "住基"
    assert "manual-task-section" in headings[2].get("class")
    assert "{#" not in manual.render(BODY, url)


def test_render_escapes_raw_html_and_script():
    out = manual.render(BODY, url)
    doc = rendered()
    assert doc.xpath("//script") == [] and doc.xpath("//div[@onclick]") == []
    assert "&lt;script&gt;" in out
    assert "<div onclick" not in out
    # code blocks are escaped too
    assert doc.xpath("//pre/code")[0].text.strip() == "SELECT * FROM 住民 WHERE 氏名 = '<name>';"
    assert "&lt;name&gt;" in out


def test_render_does_not_link_javascript():
    doc = rendered()
    hrefs = [a.get("href") for a in doc.xpath("//a")]
    assert all(not h.lower().startswith("javascript") for h in hrefs)
    assert "javascript" not in " ".join(hrefs)
    assert "[危険]" in doc.text_content()  # shown as text


@pytest.mark.parametrize("evil", ["[x](javascript:alert(1))", "[x](JAVASCRIPT:alert(1))", "<javascript:alert(1)>",
                                  "[x](vbscript:msgbox)", "![x](javascript:alert(1))"])
def test_render_never_emits_script_urls(evil):
    doc = lxml_html.fromstring(f"<div>{manual.render(evil, url)}</div>")
    for el in doc.iter():
        for attr in ("href", "src"):
            value = (el.get(attr) or "").lower()
            assert not value.startswith(("javascript:", "vbscript:")), (attr, value)


def test_render_attachments_become_urls():
    doc = rendered()
    assert doc.xpath("//a[text()='様式第1号']")[0].get("href") == "/flows/attachment/7/"
    img = doc.xpath("//img")[0]
    assert img.get("src") == "/flows/attachment/12/" and img.get("alt") == "受付の流れ"
    seen = []
    manual.render("![a](attachment:3) [b](attachment:44) [c](https://example.com/attachment:5)",
                  lambda i: seen.append(i) or f"/a/{i}")
    assert seen == [3, 44]
    assert manual.attachment_ids(BODY) == {7, 12}
    assert manual.attachment_ids("") == set()


def test_render_table_and_lists():
    doc = rendered()
    assert [td.text for td in doc.xpath("//tbody/tr/td[1]")] == ["住民票の写し", "記載事項証明"]
    assert len(doc.xpath("//ul/li")) == 3 and len(doc.xpath("//ol/li")) == 2


# ---------------------------------------------------------------------------------------------------------------
# plain_text and blocks
# ---------------------------------------------------------------------------------------------------------------

def test_plain_text_drops_markdown_syntax():
    text = manual.plain_text(BODY)
    assert "{#Activity_1}" not in text and "{#" not in text
    assert "**" not in text and "`" not in text
    # markdown-it refuses the javascript: link, so it stays (harmless) literal text; real links lose their syntax.
    assert "](" not in text.replace("[危険](javascript:alert(1))", "")
    for word in ("住民票の写しの交付", "本人確認", "様式第1号", "受付の流れ", "請求事由の確認", "第三者請求",
                 "住基システムで検索", "SELECT", "記載事項証明", "300円", "参考資料", "申請書の受付"):
        assert word in text, word
    assert "attachment:" not in text
    assert manual.plain_text("") == ""


def test_plain_text_of_a_link_with_parentheses():
    body = "[住民票（Wikipedia）](https://ja.wikipedia.org/wiki/住民票_(日本)) を参照"
    assert manual.plain_text(body) == "住民票（Wikipedia） を参照"


def test_blocks():
    blocks = manual.blocks(BODY)
    kinds = [(b.kind, b.text, b.level) for b in blocks if b.kind in ("heading", "bullet", "number", "code")]
    assert kinds == [
        ("heading", "住民票の写しの交付 業務マニュアル", 1),
        ("heading", "業務の目的と概要", 2),
        ("heading", "1. 申請書の受付", 2),
        ("heading", "2. 審査 住基", 2),
        ("bullet", "請求事由の確認", 1),
        ("bullet", "第三者請求は疎明資料を確認", 2),
        ("bullet", "手数料の確認", 1),
        ("number", "住基システムで検索", 1),
        ("number", "写しを印刷", 1),
        ("code", "SELECT * FROM 住民 WHERE 氏名 = '<name>';", 0),
        ("heading", "参考資料", 3),
    ]
    images = [b for b in blocks if b.kind == "image"]
    assert [(b.text, b.attachment_id) for b in images] == [("受付の流れ", 12)]
    tables = [b for b in blocks if b.kind == "table"]
    assert [b.rows for b in tables] == [[["項目", "手数料"], ["住民票の写し", "300円"], ["記載事項証明", "300円"]]]
    paragraphs = [b.text for b in blocks if b.kind == "paragraph"]
    assert paragraphs[0].startswith("住民基本台帳法第12条")
    assert any("本人確認" in p and "**" not in p and "様式第1号" in p for p in paragraphs)
    # order: the image comes after the 受付 heading and before the 審査 heading
    order = [b.kind + ":" + (b.text or "") for b in blocks]
    assert order.index("heading:1. 申請書の受付") < order.index("image:受付の流れ") < order.index("heading:2. 審査 住基")


@pytest.mark.parametrize("body", ["#\n\n本文です。", "## ![図](attachment:3)\n\n本文です。"])
def test_blocks_empty_heading_does_not_swallow_the_next_paragraph(body):
    assert [(b.kind, b.text) for b in manual.blocks(body) if b.kind != "image"] == [("paragraph", "本文です。")]


# ---------------------------------------------------------------------------------------------------------------
# draft_from_flow, line_diff, check
# ---------------------------------------------------------------------------------------------------------------

TASKS = [("Activity_1", "申請書の受付", {"minutes": "10", "cases": "120", "medium": "紙"}),
         ("Activity_2", "審査", {}),
         ("Activity_3", "住基システムへの入力", {"system": "住基システム", "medium": "電子"})]


def test_draft_from_flow_has_one_section_per_task():
    draft = manual.draft_from_flow("住民票の写しの交付", "住民基本台帳法第12条", TASKS)
    secs = manual.sections(draft)
    assert [(s.task_id, s.title) for s in secs if s.task_id] == [
        ("Activity_1", "1. 申請書の受付"), ("Activity_2", "2. 審査"), ("Activity_3", "3. 住基システムへの入力")]
    assert secs[0].title == "住民票の写しの交付 業務マニュアル" and secs[0].level == 1
    for task_id, _name, _attrs in TASKS:
        assert draft.count("{#" + task_id + "}") == 1
    assert "## 根拠法令" in draft and "住民基本台帳法第12条" in draft
    assert "1件当たり 10 分 / 年間 120 件 / 媒体: 紙" in draft
    assert "媒体: 電子 / システム: 住基システム" in draft
    assert manual.check(draft) == []
    doc = lxml_html.fromstring(f"<div>{manual.render(draft, url)}</div>")
    assert [h.get("data-task") for h in doc.xpath("//*[@data-task]")] == ["Activity_1", "Activity_2", "Activity_3"]


def test_draft_without_basis_or_tasks():
    draft = manual.draft_from_flow("庁内照会への回答", "", [])
    assert "根拠法令" not in draft
    assert [s.task_id for s in manual.sections(draft)] == ["", "", "", "", ""]
    assert "## 手順" in draft


def test_line_diff():
    assert manual.line_diff("一\n二\n三", "一\n弐\n三\n四") == [
        (" ", "一"), ("-", "二"), ("+", "弐"), (" ", "三"), ("+", "四")]
    assert manual.line_diff("", "新規") == [("+", "新規")]
    assert manual.line_diff(None, None) == []
    assert all(op in " +-" for op, _ in manual.line_diff(BODY, BODY.replace("300円", "350円")))
    changes = [(op, t) for op, t in manual.line_diff(BODY, BODY.replace("300円", "350円")) if op != " "]
    assert len(changes) == 4 and sum(op == "+" for op, _ in changes) == 2


def test_check_limits():
    assert manual.check(BODY) == []
    assert manual.check("あ" * manual.MAX_BODY_CHARS) == []
    too_long = manual.check("あ" * (manual.MAX_BODY_CHARS + 1))
    assert len(too_long) == 1 and "本文が長すぎます" in too_long[0] and "200,001 文字" in too_long[0]
    nul = manual.check("本文\x00")
    assert nul == ["本文に制御文字（NUL）が含まれています。"]
    assert len(manual.check("\x00" * (manual.MAX_BODY_CHARS + 1))) == 2


def test_looks_like_image():
    assert manual.looks_like_image(b"\x89PNG\r\n\x1a\n", ".png")
    assert manual.looks_like_image(b"\xff\xd8\xff\xe0", ".jpg")
    assert manual.looks_like_image(b"GIF89a", ".gif")
    assert not manual.looks_like_image(b"<html>", ".png")
    assert not manual.looks_like_image(b"\x89PNG", ".pdf")


# ---------------------------------------------------------------------------------------------------------------
# 引継書
# ---------------------------------------------------------------------------------------------------------------

def fact(**kw):
    base = dict(code="A-1", name="職員採用試験の実施", hours=36.0, busy_months="6,7", flow_tasks=[],
                manual_status="なし", manual_reviewed="", manual_url="/m/1", flow_url="/f/1", open_items=[], tobe=[])
    base.update(kw)
    return base


def _calendar(md: str) -> dict[str, list[str]]:
    part = md.split("## 年間スケジュール（繁忙月）", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in part.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    assert header[0] == "業務名"
    out = {}
    for row in rows[1:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 13, row
        out[cells[0]] = dict(zip(header[1:], cells[1:]))
    return out


def test_busy_months():
    assert handover.busy_months("6,7") == {6, 7}
    assert handover.busy_months("4月、5月,3月") == {3, 4, 5}
    assert handover.busy_months("１２,13,0,x,") == {12}
    assert handover.busy_months("") == set() and handover.busy_months(None) == set()


def test_handover_markdown_calendar_and_sections():
    facts = [
        fact(flow_tasks=["申込書の受付（窓口）", "合否の決裁（課長決裁）"], manual_status="承認済み",
             manual_reviewed="2021-05-01", tobe=[("改善案1", 20.0)]),
        fact(code="A-2", name="庁内照会|への回答", hours=100.0, busy_months="", open_items=["マニュアルが未作成です。"]),
        fact(code="A-3", name="予算要求", hours=12.5, busy_months="10,11,12,1"),
    ]
    md = handover.handover_markdown(title="人事係 引継書", author="山田", successor="佐藤", unit="人事係", facts=facts,
                                    today=dt.date(2021, 7, 1))
    months = ["4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月", "1月", "2月", "3月"]
    assert "| 業務名 | " + " | ".join(months) + " |" in md
    cal = _calendar(md)
    assert list(cal) == ["職員採用試験の実施", "庁内照会｜への回答", "予算要求"]
    assert [m for m in months if cal["職員採用試験の実施"][m] == "●"] == ["6月", "7月"]
    assert [m for m in months if cal["予算要求"][m] == "●"] == ["10月", "11月", "12月", "1月"]
    assert "●" not in cal["庁内照会｜への回答"].values()
    assert list(cal["庁内照会｜への回答"].values()).count("通年") == 1
    assert md.startswith("# 人事係 引継書\n")
    assert "- 前任者: 山田" in md and "- 後任者: 佐藤" in md and "- 作成日: 2021年07月01日" in md
    assert "- 引き継ぐ業務: 3 件（年間 148 時間）" in md
    assert "## 職員採用試験の実施（A-1）" in md and "## 庁内照会|への回答（A-2）" in md
    assert "1. 申込書の受付（窓口）\n2. 合否の決裁（課長決裁）" in md
    assert "- マニュアル: 承認済み（最終確認 2021-05-01）" in md
    assert "- 改善案1（年間 20 時間）" in md
    assert "- ☐ マニュアルが未作成です。" in md
    assert md.count("- （なし）") == 2
    assert "- 繁忙月: 通年" in md
    # the 業務一覧 table has one row per 業務 and counts open items
    assert "| A-2 | 庁内照会｜への回答 | 100 | なし | 1 |" in md
    # the whole thing is valid Markdown whose tables render
    doc = lxml_html.fromstring(f"<div>{manual.render(md, url)}</div>")
    assert len(doc.xpath("//table")) == 2
    assert len(doc.xpath("//table[2]//tbody/tr")) == 3


def test_handover_without_successor():
    md = handover.handover_markdown(title="t", author="a", successor="", unit="u", facts=[fact()],
                                    today=dt.date(2022, 3, 31))
    assert "- 後任者: （未定）" in md
    assert re.search(r"^- 作成日: 2022年03月31日$", md, re.M)
