"""A trend as an accessible SVG line chart, drawn on the server: no script, no chart library.

The image names itself (`<title>`, `<desc>` with the first and last figures); the page shows the
same figures as a table beside it. Nederland, when compared, is dashed as well as coloured, so
the two lines differ without colour too.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any
from xml.sax.saxutils import escape

from streams.publication import dutch
from streams.service.history import quarter_ends_between
from streams.service.trends import Trend

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 14, 34, 30
SHORT_MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
STYLE = """
.bg { fill: #fff; } .grid { stroke: #d5dbe3; stroke-width: 1; } .axis { fill: #4a5058; }
.q { stroke: #7b8494; stroke-width: 1; stroke-dasharray: 2 3; }
.regio { stroke: #154273; } .nl { stroke: #a34700; stroke-dasharray: 7 4; }
.line { fill: none; stroke-width: 2.5; stroke-linejoin: round; stroke-linecap: round; }
text { font: 12px "DejaVu Sans", system-ui, sans-serif; fill: #1a1a1a; }
@media (prefers-color-scheme: dark) {
  .bg { fill: #14171b; } .grid { stroke: #3a424d; } .axis, text { fill: #eceff3; }
  .regio { stroke: #8fc0ff; } .nl { stroke: #ffb26b; }
}
"""


def label(trend: Trend) -> str:
    """What the y axis counts."""
    if trend.measure == "dekking":
        return "met profiel in Sonar (% van het totaal)"
    return "totaal in Sonar (index, eerste dag = 100)" if trend.indexed else "totaal in Sonar"


def figure(trend: Trend, v: float | None) -> str:
    """One value as the table and the description write it."""
    if v is None:
        return dutch.DASH
    if trend.measure == "dekking" or trend.indexed:
        return f"{v:.1f}".replace(".", ",") + ("%" if trend.measure == "dekking" else "")
    return dutch.number(round(v))


def description(trend: Trend) -> str:
    """A sentence with what the chart shows: the first and the last figure of each line."""
    first, last = trend.points[0], trend.points[-1]
    text = (
        f"Lijngrafiek van {label(trend)} in {trend.regio_naam}, per dag van "
        f"{dutch.day(first.day)} tot {dutch.day(last.day)}: van {figure(trend, first.region)} "
        f"naar {figure(trend, last.region)}."
    )
    if trend.compared:
        text += (
            f" Nederland (gestippeld): van {figure(trend, first.nederland)} naar "
            f"{figure(trend, last.nederland)}."
        )
    return text + " De cijfers per maand staan in de tabel bij de grafiek."


def ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round values from low to high, about `count` steps apart (1, 2 or 5 times a power of 10)."""
    span = high - low or abs(high) or 1.0
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    return [
        start + i * step
        for i in range(int((high - start) / step) + 2)
        if start + i * step <= high + step
    ]


def _line(cls: str, x1: float, x2: float, y1: float, y2: float) -> str:
    return f'<line class="{cls}" x1="{x1:.1f}" x2="{x2:.1f}" y1="{y1:.1f}" y2="{y2:.1f}"/>'


def _text(cls: str, x: float, y: float, anchor: str, text: str) -> str:
    return (
        f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>'
    )


def axis_figure(trend: Trend, v: float) -> str:
    """A tick's value: whole numbers without decimals."""
    return figure(trend, v).replace(",0", "") if v == int(v) else figure(trend, v)


def _paths(points: list[tuple[float, float] | None]) -> list[str]:
    """Polyline point lists, broken where a value is missing."""
    runs: list[list[tuple[float, float]]] = [[]]
    for p in points:
        if p is None:
            runs.append([])
        else:
            runs[-1].append(p)
    return [" ".join(f"{x:.1f},{y:.1f}" for x, y in run) for run in runs if run]


def render_svg(trend: Trend) -> str:
    """The trend as a standalone SVG document."""
    values = [v for p in trend.points for v in (p.region, p.nederland) if v is not None]
    grid = ticks(min(values), max(values)) if values else [0.0, 1.0]
    low, high = grid[0], grid[-1] if grid[-1] > grid[0] else grid[0] + 1
    days = max((trend.last - trend.first).days, 1)

    def x(day: date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - trend.first).days / days

    def y(v: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (v - low) / (high - low))

    def line(pick: str) -> list[str]:
        return _paths([None if getattr(p, pick) is None else (x(p.day), y(getattr(p, pick)))
                       for p in trend.points])  # fmt: skip

    parts = [f'<rect class="bg" width="{WIDTH}" height="{HEIGHT}"/>']
    for v in grid:
        parts.append(_line("grid", LEFT, WIDTH - RIGHT, y(v), y(v)))
        parts.append(_text("axis", LEFT - 6, y(v) + 4, "end", axis_figure(trend, v)))
    for q in quarter_ends_between(trend.first, trend.last):  # the publication's peildata
        parts.append(_line("q", x(q), x(q), TOP, HEIGHT - BOTTOM))
    for month in month_starts(trend.first, trend.last)[::2]:
        name = f"{SHORT_MONTHS[month.month - 1]} \u2019{month.year % 100:02d}"
        parts.append(_text("axis", x(month), HEIGHT - 10, "middle", name))
    if trend.compared:
        parts += [f'<polyline class="line nl" points="{p}"/>' for p in line("nederland")]
    parts += [f'<polyline class="line regio" points="{p}"/>' for p in line("region")]
    parts.append(legend(trend))
    title, desc = escape(f"{trend.regio_naam}: {label(trend)}"), escape(description(trend))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-labelledby="t d" lang="nl">'
        f'<title id="t">{title}</title><desc id="d">{desc}</desc><style>{STYLE}</style>'
        + "".join(parts) + "</svg>\n"
    )  # fmt: skip


def legend(trend: Trend) -> str:
    """The names of the lines, above the chart, each with a sample of its stroke."""
    items = [("regio", trend.regio_naam)] + ([("nl", "Nederland")] if trend.compared else [])
    out, at = [], float(LEFT)
    for cls, name in items:
        out.append(_line(f"line {cls}", at, at + 26, 14, 14))
        out.append(_text("", at + 32, 18, "start", name))
        at += 40 + 8 * len(name)
    out.append(_text("axis", WIDTH - RIGHT, 18, "end", label(trend)))
    return "".join(out)


def month_starts(first: date, last: date) -> list[date]:
    """The first day of every month after `first` up to `last`."""
    found, day = [], (first.replace(day=1) + timedelta(days=32)).replace(day=1)
    while day <= last:
        found.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return found


def rounded(trend: Trend, v: float | None) -> float | int | None:
    """A value as the JSON gives it: whole people, or a share or index to one decimal."""
    if v is None:
        return None
    return round(v, 1) if trend.measure == "dekking" or trend.indexed else round(v)


def trend_to_json(trend: Trend) -> dict[str, Any]:
    """The chart's words and its figures per month (GET /trend/{regio_code}.json)."""
    return {
        "regio_code": trend.regio_code,
        "regio_naam": trend.regio_naam,
        "maat": trend.measure,
        "vergelijk": trend.compared,
        "index": trend.indexed,
        "van": trend.first.isoformat(),
        "tot": trend.last.isoformat(),
        "label": label(trend),
        "beschrijving": description(trend),
        "maanden": [
            {"datum": p.day.isoformat(), "regio": rounded(trend, p.region),
             "nederland": rounded(trend, p.nederland) if trend.compared else None}
            for p in trend.monthly()
        ],
    }  # fmt: skip
