"""Snapshots made up for tests of the publication and the page: every region, plausible figures.

`snapshot(day)` gives the table of one day with all 35 regions and Nederland, figures that
grow slowly with the day (so changes against earlier days are non-zero and known), and a
provenance with offsets on the four input topics.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from streams.domain import NEDERLAND, ONBEKEND, RegionCounts
from streams.domain.table import Column, region_row
from streams.service.history import Provenance, Snapshot, Source
from streams.service.reference import load_regions

REGIONS = load_regions()
TOPICS = (
    "transparantie.client-registrations", "transparantie.indications",
    "transparantie.register-memberships", "transparantie.profile-edits",
)  # fmt: skip
EPOCH = date(2024, 1, 1)


def cells(index: int, day: date) -> dict[Column, int]:
    """The figures of the index-th region on a day: fixed per region, plus one a week."""
    weeks = (day - EPOCH).days // 7
    base = 1000 + 137 * index
    return {
        Column.GEMEENTE_MET_PROFIEL: base // 16 + weeks,
        Column.GEMEENTE_ZONDER_PROFIEL: base // 3 + 2 * weeks,
        Column.UWV_MET_PROFIEL: base + 3 * weeks,
        Column.UWV_ZONDER_PROFIEL: base // 4,
        Column.BESCHUT_WSW: 40 + index,
    }


def rows_of(day: date, onbekend: int = 0) -> tuple[RegionCounts, ...]:
    """35 regions in code order, Onbekend when `onbekend` > 0, and Nederland (their sum)."""
    per_region = [(code, cells(i, day)) for i, code in enumerate(REGIONS.codes_in_order)]
    if onbekend:
        per_region.append((ONBEKEND, {Column.UWV_ZONDER_PROFIEL: onbekend}))
    national: dict[Column, int] = {}
    for _, figures in per_region:
        for column, n in figures.items():
            national[column] = national.get(column, 0) + n
    rows = [region_row(code, REGIONS.name_of(code), c, day) for code, c in per_region]
    rows.append(region_row(NEDERLAND, REGIONS.name_of(NEDERLAND), national, day))
    return tuple(rows)


def snapshot(day: date, onbekend: int = 0, source: Source = Source.LIVE) -> Snapshot:
    """The made-up table of one day, with offsets that grow with the day."""
    n = (day - EPOCH).days
    offsets = {(t, p): 1000 * n + 17 * p + i for i, t in enumerate(TOPICS) for p in range(4)}
    known_at = (
        datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)
        if source is Source.BACKFILL
        else None
    )
    return Snapshot(day, rows_of(day, onbekend), Provenance(offsets, source, known_at))


def daily(first: date, last: date) -> list[Snapshot]:
    """A snapshot for every day from first to last, both included."""
    return [snapshot(first + timedelta(days=i)) for i in range((last - first).days + 1)]
