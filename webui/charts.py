"""Geometry of the call-history charts (per-day bars), drawn by the SVG template views/chart.tpl.

Pure arithmetic: days in, bar rectangles and axis ticks out. No markup is built here; the
template writes the elements and escapes every text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT = 640, 180
LEFT, BOTTOM, TOP = 40, 30, 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    value: float
    label: str
    series: str


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    ticks: list[tuple[float, str]]       # (y, text) on the value axis
    labels: list[tuple[float, str]]      # (x, text) under the bars
    width: int = WIDTH
    height: int = HEIGHT
    empty: bool = False


def nice_max(value: float) -> float:
    """A round upper bound for the axis: 1, 2, 5, 10, 20, 50 ..."""
    if value <= 0:
        return 1.0
    step = 1.0
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


def bars(title: str, days: list[dict[str, Any]], series: list[str]) -> Chart:
    """Grouped bars: one group per day, one bar per series key (e.g. calls and missed)."""
    if not days:
        return Chart(title, [], [], [], empty=True)
    top = nice_max(max(float(d[s]) for d in days for s in series))
    plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - BOTTOM - TOP
    group = plot_w / len(days)
    bar_w = max(1.0, group * 0.8 / len(series))
    out: list[Bar] = []
    labels: list[tuple[float, str]] = []
    every = max(1, len(days) // 10)
    for i, d in enumerate(days):
        x0 = LEFT + i * group + group * 0.1
        for j, s in enumerate(series):
            value = float(d[s])
            h = plot_h * value / top
            out.append(Bar(round(x0 + j * bar_w, 1), round(TOP + plot_h - h, 1), round(bar_w, 1), round(h, 1),
                           value, str(d["day"]), s))
        if i % every == 0:
            labels.append((round(x0 + group * 0.4, 1), str(d["day"])[5:]))
    ticks = [(round(TOP + plot_h - plot_h * k / 4, 1), _fmt(top * k / 4)) for k in range(5)]
    return Chart(title, out, ticks, labels)


def _fmt(v: float) -> str:
    return str(int(v)) if v == int(v) else f"{v:g}"
