"""引継書 (handover document) as Markdown: pure, from facts gathered by ``selectors.handover_facts``."""

from __future__ import annotations

import datetime as dt

FISCAL_MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)


def busy_months(value: str) -> set[int]:
    out = set()
    for part in (value or "").replace("、", ",").split(","):
        part = part.strip().removesuffix("月")
        if part.isdigit() and 1 <= int(part) <= 12:
            out.add(int(part))
    return out


def _cell(text: str) -> str:
    return str(text).replace("|", "｜").replace("\n", " ")


def handover_markdown(*, title: str, author: str, successor: str, unit: str, facts: list[dict], today: dt.date) -> str:
    """``facts``: one dict per 業務 with name, code, hours, busy_months, flow_tasks, manual_status,
    manual_reviewed, manual_url, flow_url, open_items (list of str), tobe (list of (title, hours))."""
    total = sum(f["hours"] for f in facts)
    lines = [f"# {title}", "",
             f"- 所属: {unit}", f"- 前任者: {author}", f"- 後任者: {successor or '（未定）'}",
             f"- 作成日: {today:%Y年%m月%d日}", f"- 引き継ぐ業務: {len(facts)} 件（年間 {total:,.0f} 時間）", "",
             "## 業務一覧", "", "| 業務ID | 業務名 | 年間時間 | マニュアル | 未了事項 |", "|---|---|---:|---|---:|"]
    for f in facts:
        lines.append(f"| {_cell(f['code'])} | {_cell(f['name'])} | {f['hours']:,.0f} | {_cell(f['manual_status'])} "
                     f"| {len(f['open_items'])} |")
    lines += ["", "## 年間スケジュール（繁忙月）", "",
              "| 業務名 | " + " | ".join(f"{m}月" for m in FISCAL_MONTHS) + " |",
              "|---|" + "|".join(":-:" for _ in FISCAL_MONTHS) + "|"]
    for f in facts:
        months = busy_months(f["busy_months"])
        cells = ["●" if m in months else "" for m in FISCAL_MONTHS] if months else ["通年"] + [""] * 11
        lines.append(f"| {_cell(f['name'])} | " + " | ".join(cells) + " |")
    for f in facts:
        lines += ["", f"## {f['name']}（{f['code']}）", "",
                  f"- 年間時間: {f['hours']:,.1f} 時間",
                  f"- 繁忙月: {f['busy_months'] or '通年'}",
                  f"- マニュアル: {f['manual_status']}" + (f"（最終確認 {f['manual_reviewed']}）" if f["manual_reviewed"] else ""),
                  f"- リンク: [業務フロー]({f['flow_url']})・[マニュアル]({f['manual_url']})", ""]
        if f["flow_tasks"]:
            lines += ["### 業務の流れ", ""]
            lines += [f"{n}. {task}" for n, task in enumerate(f["flow_tasks"], start=1)]
            lines.append("")
        if f["tobe"]:
            lines += ["### 検討中の改善案", ""]
            lines += [f"- {name}（年間 {hours:,.0f} 時間）" for name, hours in f["tobe"]]
            lines.append("")
        lines += ["### 未了事項・注意点", ""]
        lines += [f"- ☐ {item}" for item in f["open_items"]] or ["- （なし）"]
        lines += ["", "（進行中の案件、関係者、締切などを書き足してください。）"]
    lines += ["", "## 後任者への申し送り", "", "（自由記述）", ""]
    return "\n".join(lines)
