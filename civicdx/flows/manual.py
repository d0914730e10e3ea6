"""業務マニュアル in Markdown: rendering, sections linked to flow tasks, a first draft from the flow, diffs.

Pure module (markdown-it-py). A heading points at a task of the flow by ending in ``{#TaskId}``, e.g.
``## 1. 申請書の受付 {#Activity_1}``; images and files attached to the manual are written
``![説明](attachment:12)``. Raw HTML in the Markdown is shown as text, never executed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from markdown_it import MarkdownIt

MAX_BODY_CHARS = 200_000
_TASK_REF = re.compile(r"\s*\{#([A-Za-z_][\w.\-]*)\}\s*$")
_ATTACHMENT = re.compile(r"attachment:(\d+)")


@dataclass
class Section:
    level: int
    title: str
    task_id: str
    anchor: str


def _md() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    return md


_MD = _md()


def check(body: str) -> list[str]:
    problems = []
    if len(body) > MAX_BODY_CHARS:
        problems.append(f"本文が長すぎます（{len(body):,} 文字、上限 {MAX_BODY_CHARS:,} 文字）。画像や資料は添付してください。")
    if "\x00" in body:
        problems.append("本文に制御文字（NUL）が含まれています。")
    return problems


def sections(body: str) -> list[Section]:
    out = []
    for n, token_pair in enumerate(_headings(_MD.parse(body or ""))):
        open_tok, inline = token_pair
        title, task_id = _split_ref(inline.content)
        out.append(Section(level=int(open_tok.tag[1]), title=title, task_id=task_id, anchor=f"sec-{n + 1}"))
    return out


def _headings(tokens):
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and i + 1 < len(tokens):
            yield tok, tokens[i + 1]


def _split_ref(text: str) -> tuple[str, str]:
    m = _TASK_REF.search(text)
    if not m:
        return text.strip(), ""
    return text[:m.start()].strip(), m.group(1)


def render(body: str, attachment_url) -> str:
    """HTML for the manual. Headings get ids (sec-N) and, when they point at a task, ``data-task``."""
    tokens = _MD.parse(body or "")
    for n, (open_tok, inline) in enumerate(_headings(tokens)):
        title, task_id = _split_ref(inline.content)
        open_tok.attrSet("id", f"sec-{n + 1}")
        if task_id:
            open_tok.attrSet("data-task", task_id)
            open_tok.attrSet("class", "manual-task-section")
            if inline.children:
                last = inline.children[-1]
                if last.type == "text":
                    last.content = _TASK_REF.sub("", last.content)
    for tok in tokens:
        for child in tok.children or ():
            for attr in ("src", "href"):
                value = child.attrGet(attr)
                if isinstance(value, str) and value.startswith("attachment:"):
                    child.attrSet(attr, _ATTACHMENT.sub(lambda m: attachment_url(int(m.group(1))), value))
    return _MD.renderer.render(tokens, _MD.options, {})


def attachment_ids(body: str) -> set[int]:
    return {int(m) for m in _ATTACHMENT.findall(body or "")}


def _inline_text(tok, *, images: bool = False) -> str:
    """The words of an inline token: link and emphasis text kept, markup dropped; image descriptions if asked."""
    out = []
    for child in tok.children or ():
        if child.type == "image":
            if images:
                out.append(child.content)
        elif child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return "".join(out)


def plain_text(body: str) -> str:
    """The words of the manual without Markdown syntax (search index, summaries)."""
    out = []
    for tok in _MD.parse(body or ""):
        if tok.type == "inline":
            out.append(_TASK_REF.sub("", _inline_text(tok, images=True)))
        elif tok.type in ("fence", "code_block"):
            out.append(tok.content)
    return "\n".join(out)


@dataclass
class Block:
    """A block of a manual for Word and PDF output: kind is heading, paragraph, bullet, number, code, image, table."""

    kind: str
    text: str = ""
    level: int = 0
    rows: list[list[str]] | None = None
    attachment_id: int | None = None


def blocks(body: str) -> list[Block]:
    tokens = _MD.parse(body or "")
    out: list[Block] = []
    list_stack: list[str] = []
    table: list[list[str]] | None = None
    row: list[str] | None = None
    heading_level = 0
    for tok in tokens:
        t = tok.type
        if t == "heading_open":
            heading_level = int(tok.tag[1])
        elif t == "heading_close":
            heading_level = 0
        elif t == "bullet_list_open":
            list_stack.append("bullet")
        elif t == "ordered_list_open":
            list_stack.append("number")
        elif t in ("bullet_list_close", "ordered_list_close"):
            list_stack.pop()
        elif t == "table_open":
            table = []
        elif t == "tr_open":
            row = []
        elif t == "tr_close" and table is not None and row is not None:
            table.append(row)
        elif t == "table_close" and table is not None:
            out.append(Block("table", rows=table))
            table = None
        elif t in ("fence", "code_block"):
            out.append(Block("code", tok.content.rstrip("\n")))
        elif t == "inline":
            if row is not None and table is not None:
                row.append(_inline_text(tok))
                continue
            images = [c for c in tok.children or () if c.type == "image"]
            for img in images:
                m = _ATTACHMENT.search(img.attrGet("src") or "")
                if m:
                    out.append(Block("image", text=img.content, attachment_id=int(m.group(1))))
            text = _inline_text(tok).strip()
            if not text:
                continue
            if heading_level:
                out.append(Block("heading", _split_ref(text)[0], level=heading_level))
            elif list_stack:
                out.append(Block(list_stack[-1], text, level=len(list_stack)))
            else:
                out.append(Block("paragraph", text))
    return out


def draft_from_flow(task_name: str, legal_basis: str, tasks: list[tuple[str, str, dict]]) -> str:
    """A first manual: purpose and basis, then one section per task of the flow (id, name, attributes)."""
    lines = [f"# {task_name} 業務マニュアル", "", "## 業務の目的と概要", "", "（この業務の目的と概要を書いてください。）", ""]
    if legal_basis:
        lines += ["## 根拠法令", "", legal_basis, ""]
    lines += ["## 手順", ""]
    for n, (task_id, name, attrs) in enumerate(tasks, start=1):
        lines += [f"### {n}. {name} {{#{task_id}}}", ""]
        facts = []
        if attrs.get("minutes"):
            facts.append(f"1件当たり {attrs['minutes']} 分")
        if attrs.get("cases"):
            facts.append(f"年間 {attrs['cases']} 件")
        if attrs.get("medium"):
            facts.append(f"媒体: {attrs['medium']}")
        if attrs.get("system"):
            facts.append(f"システム: {attrs['system']}")
        if facts:
            lines += ["- " + " / ".join(facts), ""]
        lines += ["（手順、注意点、使う様式を書いてください。）", ""]
    lines += ["## よくある問い合わせ", "", "## 関係部署・連絡先", ""]
    return "\n".join(lines)


def line_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Line diff as (op, text) with op in ' ', '+', '-'."""
    out = []
    for line in difflib.ndiff((old or "").splitlines(), (new or "").splitlines()):
        op = line[:1]
        if op in (" ", "+", "-"):
            out.append((op, line[2:]))
    return out


def looks_like_image(head: bytes, ext: str) -> bool:
    signatures = {".png": (b"\x89PNG",), ".jpg": (b"\xff\xd8",), ".jpeg": (b"\xff\xd8",),
                  ".gif": (b"GIF87a", b"GIF89a"), ".webp": (b"RIFF",)}
    return any(head.startswith(sig) for sig in signatures.get(ext, ()))
