"""ECharts options for the survey pages. Pure: no Django; the templates put them in data-chart."""

from __future__ import annotations

import json


def to_attr(option: dict) -> str:
    return json.dumps(option, ensure_ascii=False)


def bar(labels: list[str], values: list[float], *, name: str, horizontal: bool = False, unit: str = "時間") -> dict:
    category = {"type": "category", "data": labels, "axisLabel": {"interval": 0, "width": 140, "overflow": "truncate"}}
    value = {"type": "value", "name": unit}
    if horizontal:
        category["inverse"] = True
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 150 if horizontal else 60, "right": 30, "top": 30, "bottom": 40 if horizontal else 80, "containLabel": False},
        "xAxis": value if horizontal else {**category, "axisLabel": {"rotate": 35, "interval": 0}},
        "yAxis": category if horizontal else value,
        "series": [{"type": "bar", "name": name, "data": [round(v, 1) for v in values]}],
    }


def pareto(labels: list[str], hours: list[float], cumulative: list[float]) -> dict:
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["年間時間", "累積構成比"]},
        "grid": {"left": 70, "right": 60, "top": 40, "bottom": 40},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"show": False}},
        "yAxis": [{"type": "value", "name": "時間"}, {"type": "value", "name": "%", "max": 100, "min": 0}],
        "series": [
            {"type": "bar", "name": "年間時間", "data": [round(h, 1) for h in hours]},
            {"type": "line", "name": "累積構成比", "yAxisIndex": 1, "showSymbol": False,
             "data": [round(c * 100, 2) for c in cumulative]},
        ],
    }


def pie(labels: list[str], values: list[float]) -> dict:
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} 時間 ({d}%)"},
        "series": [{"type": "pie", "radius": ["40%", "70%"],
                    "data": [{"name": n, "value": round(v, 1)} for n, v in zip(labels, values, strict=True)]}],
    }


def stacked_bar(labels: list[str], series: dict[str, list[float]], *, horizontal: bool = False, unit: str = "件",
                colors: list[str] | None = None) -> dict:
    category = {"type": "category", "data": labels, "axisLabel": {"interval": 0, "width": 160, "overflow": "truncate"}}
    value = {"type": "value", "name": unit}
    option = {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"data": list(series), "top": 0},
        "grid": {"left": 170 if horizontal else 60, "right": 40, "top": 40, "bottom": 30},
        "xAxis": value if horizontal else category,
        "yAxis": ({**category, "inverse": True} if horizontal else value),
        "series": [{"name": name, "type": "bar", "stack": "total", "data": data} for name, data in series.items()],
    }
    if colors:
        option["color"] = colors
    return option
