"""The population's past: when each client's events became known (their Kafka timestamps), who
left within the window, and the table of every quarter end before as_of, known by construction.

A client arrives at one moment: all its events become known (are stamped) within SPREAD_HOURS
of it, on the same day. Most arrive before the window of five quarters before as_of opens, the
others on a day within it. A leaver is counted from its arrival until its erasure becomes known
on a later day. Every start or end date of the population lies before the window opens, after
as_of, or on the boundaries as_of and as_of + 1 (streams/devtools/generate/client.py), so on
every day of the window before as_of a client's cell is its "eve" cell: the cell of its fate
(as_of's) unless the fate has a date on as_of and says otherwise (`Client.before_as_of`).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from streams.devtools.generate.parameters import (
    ARRIVAL_HOURS,
    EARLY_DAYS,
    EARLY_SHARE,
    SPREAD_HOURS,
    WINDOW_DAYS,
)
from streams.domain.table import Cell, publication_table
from streams.service.clock import AMSTERDAM
from streams.service.history import day_of, quarter_ends_between
from streams.service.reference import load_regions

HOUR_MS = 3_600_000
SPREAD_MS = SPREAD_HOURS * HOUR_MS


def midnight_ms(day: date) -> int:
    """The first millisecond of a day in Europe/Amsterdam, as epoch millis."""
    return int(datetime.combine(day, time(), AMSTERDAM).timestamp() * 1000)


class Timeline:
    """The window, the arrivals and the quarter-end tallies of one population."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        self.window_start = as_of - timedelta(days=WINDOW_DAYS)
        self.quarter_ends = quarter_ends_between(self.window_start, as_of - timedelta(days=1))
        self.tallies: dict[date, Counter[Cell]] = {q: Counter() for q in self.quarter_ends}
        self.arrived_in_window = 0
        self.left = 0

    def arrivals(self, clients: int, rng: random.Random) -> list[int]:
        """The arrival moments of the clients, in order (epoch millis)."""
        lo, hi = ARRIVAL_HOURS
        moments = []
        for _ in range(clients):
            if rng.random() < EARLY_SHARE:
                day = self.window_start - timedelta(days=rng.randint(1, EARLY_DAYS))
            else:
                day = self.window_start + timedelta(days=rng.randint(0, WINDOW_DAYS - 1))
            moments.append(midnight_ms(day) + rng.randint(lo * HOUR_MS, hi * HOUR_MS - 1))
        return sorted(moments)

    def leaving(self, arrival: int, rng: random.Random) -> int:
        """When a leaver's erasure becomes known: on a day after its arrival, within the window
        (or a millisecond after its arrival when no such day is left: never counted then)."""
        first = max(day_of(arrival) + timedelta(days=1), self.window_start)
        if first >= self.as_of:
            return arrival + SPREAD_MS
        day = first + timedelta(days=rng.randint(0, (self.as_of - first).days - 1))
        return midnight_ms(day) + rng.randint(HOUR_MS, 19 * HOUR_MS - 1)

    def count(self, arrival: int, eve: Cell | None, leaves: tuple[int, Cell] | None) -> None:
        """Add one client to the tally of every quarter end it is known on."""
        arrived = day_of(arrival)
        if arrived >= self.window_start:
            self.arrived_in_window += 1
        if leaves is not None and day_of(leaves[0]) < self.as_of:
            self.left += 1
        for q, tally in self.tallies.items():
            if arrived > q:
                continue
            if leaves is not None:
                gone, interim = leaves
                cell: Cell | None = interim if q < day_of(gone) else None
            else:
                cell = eve
            if cell is not None:
                tally[cell] += 1

    def expected(self) -> dict[str, list[dict[str, Any]]]:
        """The table of every quarter end in the window, as expected-quarters.json holds it."""
        regions = load_regions()
        return {
            q.isoformat(): [row.to_json() for row in publication_table(t, regions, q)]
            for q, t in self.tallies.items()
        }
