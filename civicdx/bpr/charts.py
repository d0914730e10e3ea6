"""ECharts options for the BPR pages. Pure: no Django."""

from __future__ import annotations


def matrix_treemap(groups: list[dict]) -> dict:
    """コア/ノンコア → 定型/非定型 → 専門性 as nested rectangles sized by hours."""
    tree: dict[str, dict[str, list]] = {}
    for g in groups:
        core, routine, expertise = g["key"]
        tree.setdefault(core, {}).setdefault(routine, []).append({"name": expertise, "value": round(g["hours"])})
    data = [{"name": core, "children": [{"name": routine, "children": leaves} for routine, leaves in routines.items()]}
            for core, routines in tree.items()]
    return {
        "tooltip": {"formatter": "{b}: {c} 時間"},
        "series": [{"type": "treemap", "data": data, "leafDepth": 3, "roam": False, "breadcrumb": {"show": False},
                    "label": {"show": True, "formatter": "{b}\n{c} h"},
                    "upperLabel": {"show": True, "height": 22},
                    "levels": [{"itemStyle": {"borderWidth": 3, "gapWidth": 3}}, {"itemStyle": {"gapWidth": 2}},
                               {"colorSaturation": [0.35, 0.6]}]}],
    }


def peer_boxes(rows: list[dict]) -> dict:
    """Per category: the peers' quartile range as a bar from Q1 to Q3, the median and this city as points."""
    labels = [" / ".join(r["key"]) for r in rows]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["他都市 第1〜第3四分位", "他都市 中央値", "本市"]},
        "grid": {"left": 160, "right": 30, "top": 40, "bottom": 30},
        "yAxis": {"type": "category", "data": labels, "inverse": True},
        "xAxis": {"type": "value", "name": "時間/1万人"},
        "series": [
            {"type": "bar", "stack": "q", "data": [round(r["peer_q1_per10k"] or 0, 1) for r in rows],
             "itemStyle": {"color": "transparent"}, "tooltip": {"show": False}},
            {"type": "bar", "stack": "q", "name": "他都市 第1〜第3四分位",
             "data": [round((r["peer_q3_per10k"] or 0) - (r["peer_q1_per10k"] or 0), 1) for r in rows],
             "itemStyle": {"color": "#C5D7FB"}},
            {"type": "scatter", "name": "他都市 中央値", "data": [round(r["peer_median_per10k"] or 0, 1) for r in rows],
             "symbol": "rect", "symbolSize": [4, 18]},
            {"type": "scatter", "name": "本市", "data": [round(r["per10k"] or 0, 1) for r in rows], "symbolSize": 12},
        ],
    }
