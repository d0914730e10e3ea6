"""業務フロー as PNG, and 業務マニュアル / 引継書 as Word and PDF, from hand-made flows and Markdown (no database)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document
from PIL import Image

from civicdx.core.fonts import IPA_GOTHIC
from civicdx.flows import bpmn, documents, handover, manual, render

SCALE = 1.5
ADDED, CHANGED = (26, 127, 55), (230, 120, 0)
STEPS = [
    bpmn.StepInput(1, "申請書の受付", kind="受付", minutes=10, cases=1200, medium="紙"),
    bpmn.StepInput(2, "要件の審査", kind="審査・確認", minutes=20, cases=1200, medium="紙"),
    bpmn.StepInput(3, "システムへの入力", kind="入力・転記", minutes=5, cases=1200, medium="電子", system="福祉システム"),
    bpmn.StepInput(4, "認定の起案・決裁", kind="起案・決裁", minutes=15, cases=100, seal=True),
    bpmn.StepInput(5, "通知書の印刷・封入封緘", kind="通知・発送", minutes=2, cases=1200, worker="委託"),
]
MANUAL_BODY = """# 児童手当認定 業務マニュアル

## 業務の目的と概要

児童手当の認定請求を受け付け、支給要件を審査して認定する。

## 手順

### 1. 申請書の受付 {#Activity_1}

- 本人確認書類を確認する
- 記載漏れを確認する

1. 受付印を押す
2. 受付簿に記入する

![受付画面](attachment:7)

```
メニュー > 児童手当 > 認定登録
```

| 書類 | 要否 |
|---|---|
| 健康保険証の写し | 要 |
| 口座の通帳 | 要 |
"""
META = [("業務名", "児童手当認定"), ("所属", "子育て支援課 給付係"), ("版", "3"), ("状態", "公開"),
        ("最終確認日", "2025年3月1日"), ("管理者", "山田 花子")]


@pytest.fixture(scope="module")
def model() -> bpmn.FlowModel:
    return bpmn.parse(bpmn.generate("児童手当認定", "給付係", STEPS))


@pytest.fixture(scope="module")
def png(model) -> bytes:
    return render.flow_png(model, scale=SCALE, highlight={"Activity_2": "#1A7F37", "Activity_4": "#E67800"})


def _pixels(image: Image.Image, model: bpmn.FlowModel, bounds) -> list[tuple[int, int, int]]:
    """The pixels of the image inside DI ``bounds``, placed as flow_png places them (margin from the top left)."""
    xs = [b[0] for b in model.lane_bounds.values()] + [n.bounds[0] for n in model.nodes.values()]
    ys = [b[1] for b in model.lane_bounds.values()] + [n.bounds[1] for n in model.nodes.values()]
    ox, oy = min(xs) - render.MARGIN, min(ys) - render.MARGIN
    x, y, w, h = bounds
    box = (round((x - ox) * SCALE), round((y - oy) * SCALE), round((x + w - ox) * SCALE), round((y + h - oy) * SCALE))
    return _rgb(image.convert("RGB").crop(box))


def _rgb(image: Image.Image) -> list[tuple[int, int, int]]:
    return list(getattr(image, "get_flattened_data", image.getdata)())   # getdata is deprecated from Pillow 12


def test_flow_png_draws_lanes_and_tasks_where_the_diagram_says(model, png):
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    lanes = list(model.lane_bounds.values())
    right = max(x + w for x, _y, w, _h in lanes)
    bottom = max(y + h for _x, y, _w, h in lanes)
    left, top = min(x for x, *_ in lanes), min(y for _x, y, *_ in lanes)
    assert abs(image.width - (right - left + 2 * render.MARGIN) * SCALE) <= 2
    assert image.height >= (bottom - top) * SCALE
    # every task leaves ink (border and name) inside its scaled bounds; an empty spot in a lane does not
    for task in model.tasks():
        ink = [p for p in _pixels(image, model, task.bounds) if max(p) < 128]
        assert len(ink) > 50, task.name
    x, y, w, h = model.nodes["Activity_1"].bounds
    gap = _pixels(image, model, (x, y + 3 * bpmn.LANE_H + 10, w, h - 20))   # the same column, three lanes down
    assert all(p == (255, 255, 255) for p in gap)


def test_flow_png_highlights_tasks_in_their_colour(model, png):
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert ADDED in _pixels(image, model, model.nodes["Activity_2"].bounds)
    assert CHANGED in _pixels(image, model, model.nodes["Activity_4"].bounds)
    assert ADDED not in _pixels(image, model, model.nodes["Activity_1"].bounds)
    plain = Image.open(io.BytesIO(render.flow_png(model, scale=SCALE))).convert("RGB")
    assert ADDED not in set(_rgb(plain))


def test_flow_png_scale_and_a_flow_without_lanes(model):
    small = Image.open(io.BytesIO(render.flow_png(model, scale=1.0)))
    large = Image.open(io.BytesIO(render.flow_png(model, scale=2.0)))
    assert abs(large.width - 2 * small.width) <= 2
    bare = bpmn.FlowModel(nodes={"S": bpmn.Node("S", "startEvent", "開始", bounds=(0, 0, 36, 36))}, edges=[], lanes=[])
    assert Image.open(io.BytesIO(render.flow_png(bare))).width > 36


def test_manual_docx_has_title_meta_flow_and_blocks(png):
    data = documents.manual_docx(title="児童手当認定 業務マニュアル", meta=META, body_blocks=manual.blocks(MANUAL_BODY),
                                 flow_png=png, attachment_image=lambda i: png if i == 7 else None)
    doc = Document(io.BytesIO(data))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == ("Title", "児童手当認定 業務マニュアル")
    assert ("Heading 2", "業務の目的と概要") in headings
    assert ("Heading 3", "1. 申請書の受付") in headings          # the {#Activity_1} task reference is not shown
    assert sum(1 for _s, text in headings if text == "児童手当認定 業務マニュアル") == 1   # no repeated # title
    meta = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert meta["業務名"] == "児童手当認定" and meta["管理者"] == "山田 花子" and meta["版"] == "3"
    assert [c.text for c in doc.tables[1].rows[1].cells] == ["健康保険証の写し", "要"]
    assert len(doc.inline_shapes) == 2                       # the flow and the attached screenshot
    styles = {p.text: p.style.name for p in doc.paragraphs}
    assert styles["本人確認書類を確認する"] == "List Bullet"
    assert styles["受付印を押す"] == "List Number"
    assert any("メニュー > 児童手当 > 認定登録" in p.text for p in doc.paragraphs)
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == \
        documents.DOCX_EAST_ASIAN_FONT


def test_manual_docx_names_a_missing_image_instead_of_failing():
    blocks = manual.blocks("![消えた画像](attachment:99)\n\n![壊れた画像](attachment:98)")
    data = documents.manual_docx(title="t", meta=[], body_blocks=blocks, flow_png=None,
                                 attachment_image=lambda i: b"not an image" if i == 98 else None)
    doc = Document(io.BytesIO(data))
    assert len(doc.inline_shapes) == 0
    texts = [p.text for p in doc.paragraphs]
    assert any("消えた画像" in t for t in texts) and any("壊れた画像" in t for t in texts)


def test_manual_pdf(png):
    data = documents.manual_pdf(title="児童手当認定 業務マニュアル", meta=META, body_blocks=manual.blocks(MANUAL_BODY),
                                flow_png=png, attachment_image=lambda i: png if i == 7 else None)
    assert data.startswith(b"%PDF")
    assert len(data) > 20_000                                 # text, font and two images
    if IPA_GOTHIC.exists():
        assert b"IPAGothic" in data                           # the Japanese font is embedded
    else:
        assert b"HeiseiKakuGo-W5" in data


def test_markdown_pdf_escapes_markup():
    data = documents.markdown_pdf(title="<b>引継書</b> & メモ", body_blocks=manual.blocks("a < b & c\n\n- <i>x</i>"))
    assert data.startswith(b"%PDF")


def _handover_md() -> str:
    facts = [
        {"name": "児童手当認定", "code": "T0101", "hours": 1234.5, "busy_months": "6月,10月",
         "flow_tasks": ["申請書の受付（窓口）", "要件の審査（給付係）"], "manual_status": "公開",
         "manual_reviewed": "2025-03-01", "manual_url": "/flows/1/manual/", "flow_url": "/flows/1/",
         "open_items": ["差し戻し中の申請 3 件"], "tobe": [("電子申請の導入", 300.0)]},
        {"name": "現況届の審査", "code": "T0102", "hours": 800, "busy_months": "",
         "flow_tasks": ["現況届の受付（窓口）"], "manual_status": "下書き", "manual_reviewed": "",
         "manual_url": "/flows/2/manual/", "flow_url": "/flows/2/", "open_items": [], "tobe": []},
    ]
    return handover.handover_markdown(title="令和7年度 引継書", author="山田 花子", successor="", unit="給付係",
                                      facts=facts, today=dt.date(2025, 3, 31))


def test_handover_markdown_docx_has_the_yearly_schedule_table():
    doc = Document(io.BytesIO(documents.markdown_docx(title="令和7年度 引継書",
                                                      body_blocks=manual.blocks(_handover_md()))))
    schedule = [t for t in doc.tables if t.rows[0].cells[0].text == "業務名" and len(t.columns) == 13]
    assert len(schedule) == 1
    header = [c.text for c in schedule[0].rows[0].cells]
    assert header == ["業務名"] + [f"{m}月" for m in handover.FISCAL_MONTHS]
    first, second = ([c.text for c in row.cells] for row in schedule[0].rows[1:])
    assert first[0] == "児童手当認定" and first[3] == "●" and first[7] == "●" and first[1] == ""
    assert second[:2] == ["現況届の審査", "通年"]
    # each 業務の流れ is its own numbered list: numbering restarts instead of running on across the document
    numbered = [p for p in doc.paragraphs if p.style.name == "List Number"]
    assert [p.text for p in numbered] == ["申請書の受付（窓口）", "要件の審査（給付係）", "現況届の受付（窓口）"]
    num_ids = [p._p.pPr.numPr.numId.val for p in numbered]
    assert num_ids[0] == num_ids[1] != num_ids[2]


def test_handover_markdown_pdf():
    data = documents.markdown_pdf(title="令和7年度 引継書", body_blocks=manual.blocks(_handover_md()))
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
