"""The table over time for the live page: a region's daily trend (13 months), compared with
Nederland, and every region's change against the previous quarter end and a year earlier."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from streams.domain import NEDERLAND, RegionCounts
from streams.service.history import (
    Snapshot,
    is_quarter_end,
    previous_quarter_end,
    quarter_end_on_or_before,
    year_earlier,
)

#: How far back the page's trend looks: thirteen months, so the same month last year is in it.
TREND_MONTHS = 13

#: What a trend shows: the total in Sonar, or the share of it with a profile (percent).
Measure = Literal["totaal", "dekking"]
MEASURES: tuple[Measure, ...] = ("totaal", "dekking")


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    month = day.month - 1 - months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def window(today: date) -> tuple[date, date]:
    """The first and last day of the trend that ends today."""
    return months_before(today, TREND_MONTHS), today


def value(row: RegionCounts, measure: Measure) -> float | None:
    """The figure a trend shows of one row (None: a share of nobody)."""
    if measure == "totaal":
        return float(row.totaal)
    met = row.gemeente_met_profiel + row.uwv_met_profiel
    return 100.0 * met / row.totaal if row.totaal else None


@dataclass(frozen=True)
class Point:
    """One day of a trend: the region's figure and, when compared, Nederland's."""

    day: date
    region: float | None
    nederland: float | None = None

    @property
    def quarter_end(self) -> bool:
        """True on a peildatum of the quarterly publication."""
        return is_quarter_end(self.day)


@dataclass(frozen=True)
class Trend:
    """A region's figure per day over the window, optionally beside Nederland's."""

    regio_code: str
    regio_naam: str
    measure: Measure
    compared: bool  # Nederland shown beside the region
    indexed: bool  # totals compared as an index (first day = 100): their sizes differ
    first: date
    last: date
    points: tuple[Point, ...]

    def monthly(self) -> list[Point]:
        """The last point of every month, and the last point: the figures as a table."""
        picked = [
            p
            for p, q in zip(self.points, self.points[1:], strict=False)
            if p.day.month != q.day.month
        ]
        return picked + list(self.points[-1:])


def _index(values: list[float | None]) -> list[float | None]:
    base = next((v for v in values if v), None)
    return [None if v is None or base is None else 100.0 * v / base for v in values]


def trend(
    snapshots: Iterable[Snapshot],
    regio_code: str,
    measure: Measure,
    compare: bool,
    today: date,
    live: Sequence[RegionCounts] = (),
) -> Trend | None:
    """The trend of one region over the 13 months up to today (the live row as today's point,
    when given); None when neither the history nor the live table knows the region."""
    first, last = window(today)
    rows: dict[date, dict[str, RegionCounts]] = {}
    for s in snapshots:
        if first <= s.peildatum < today:  # today's snapshot is not final: the live row is
            rows[s.peildatum] = {r.regio_code: r for r in s.rows}
    if live:
        rows[today] = {r.regio_code: r for r in live}
    days = sorted(d for d in rows if regio_code in rows[d])
    if not days:
        return None
    compared = compare and regio_code != NEDERLAND
    indexed = compared and measure == "totaal"

    def series(code: str) -> list[float | None]:
        found = [rows[d].get(code) for d in days]
        values = [None if r is None else value(r, measure) for r in found]
        return _index(values) if indexed else values

    region = series(regio_code)
    national = series(NEDERLAND) if compared else [None] * len(days)
    name = rows[days[-1]][regio_code].regio_naam
    points = tuple(Point(d, r, n) for d, r, n in zip(days, region, national, strict=True))
    return Trend(regio_code, name, measure, compared, indexed, first, last, points)


@dataclass(frozen=True)
class RegionChange:
    """One region now, on the previous quarter end and a year earlier (None: not in history)."""

    now: RegionCounts
    previous: RegionCounts | None
    year_before: RegionCounts | None


@dataclass(frozen=True)
class Changes:
    """The live table against the two earlier days, and the latest publication at hand."""

    today: date
    previous_day: date
    year_before_day: date
    latest_publication: date | None  # the latest quarter end the history has a snapshot of
    rows: tuple[RegionChange, ...]


def changes(snapshots: Iterable[Snapshot], live: Sequence[RegionCounts], today: date) -> Changes:
    """Every live row beside the same region on the previous quarter end and a year earlier."""
    previous_day, year_before_day = previous_quarter_end(today), year_earlier(today)
    by_day = {s.peildatum: s for s in snapshots}
    ends = sorted(d for d in by_day if is_quarter_end(d) and d <= quarter_end_on_or_before(today))
    latest = ends[-1] if ends else None

    def earlier(day: date, code: str) -> RegionCounts | None:
        snapshot = by_day.get(day)
        return None if snapshot is None else snapshot.row(code)

    rows = tuple(
        RegionChange(r, earlier(previous_day, r.regio_code), earlier(year_before_day, r.regio_code))
        for r in live
    )
    return Changes(today, previous_day, year_before_day, latest, rows)


def _figures(row: RegionCounts | None) -> dict[str, int] | None:
    if row is None:
        return None
    return {"totaal": row.totaal, "met_profiel": row.gemeente_met_profiel + row.uwv_met_profiel}


def changes_to_json(found: Changes) -> dict[str, Any]:
    """The changes as the page reads them (GET /changes): only aggregate figures."""
    latest = found.latest_publication
    return {
        "peildatum": found.today.isoformat(),
        "vorig_kwartaaleinde": found.previous_day.isoformat(),
        "jaar_eerder": found.year_before_day.isoformat(),
        "laatste_publicatie": None if latest is None else latest.isoformat(),
        "rows": [
            {"regio_code": c.now.regio_code, "regio_naam": c.now.regio_naam, **(_figures(c.now) or {}),
             "vorig_kwartaaleinde": _figures(c.previous), "jaar_eerder": _figures(c.year_before)}
            for c in found.rows
        ],
    }  # fmt: skip
