"""The table over time: daily snapshots, their provenance, the publication's quarter ends.

A snapshot is the final table of one counting day (peildatum). Its provenance says what it
reflects, so that it can be recomputed and proven afterwards: the input offsets per partition
(every message before them, nothing after), and, for a day rebuilt from the log later, the
"as known at" time (only events whose Kafka timestamp is at or before it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import Enum

from streams.domain import COUNT_FIELDS, RegionCounts
from streams.service.clock import AMSTERDAM

#: The publication's peildata: the last day of each quarter (month, day).
QUARTER_ENDS: tuple[tuple[int, int], ...] = ((3, 31), (6, 30), (9, 30), (12, 31))


class Source(Enum):
    """How a snapshot was made."""

    LIVE = "live"  # the worker's table at the end of the day
    BACKFILL = "backfill"  # recomputed from the input topics for a day before the worker ran


@dataclass(frozen=True)
class Provenance:
    """What one snapshot reflects."""

    #: (input topic, partition) -> the first offset NOT reflected (every offset below it is)
    offsets: Mapping[tuple[str, int], int]
    source: Source = Source.LIVE
    #: for a backfilled day: only events with a Kafka timestamp at or before this time
    known_at: datetime | None = None
    #: when the snapshot was written to the history topic (None before it was)
    made_at: datetime | None = None


@dataclass(frozen=True)
class Snapshot:
    """The final table of one counting day, with its provenance."""

    peildatum: date
    rows: tuple[RegionCounts, ...]
    provenance: Provenance = field(default_factory=lambda: Provenance({}))

    @property
    def quarter_end(self) -> bool:
        """True when the day is a peildatum of the quarterly publication."""
        return is_quarter_end(self.peildatum)

    def row(self, regio_code: str) -> RegionCounts | None:
        """The row of one region (or NL), if the snapshot has it."""
        return next((r for r in self.rows if r.regio_code == regio_code), None)


def end_of_day(day: date) -> datetime:
    """The last millisecond of a counting day in Europe/Amsterdam: a backfilled day is the table
    "as known at" this moment (the events known by the end of the day)."""
    midnight = datetime.combine(day + timedelta(days=1), time(), AMSTERDAM)
    return midnight - timedelta(milliseconds=1)


def local_time(moment: datetime) -> str:
    """A moment as ISO 8601 in Europe/Amsterdam, to the millisecond (as the days are counted)."""
    return moment.astimezone(AMSTERDAM).isoformat(timespec="milliseconds")


def parse_moment(text: str) -> datetime:
    """A moment given on the command line: an ISO 8601 date and time (in Europe/Amsterdam when it
    names no offset), or a bare date for the end of that day; ValueError otherwise."""
    text = text.strip()
    if len(text) == 10:
        return end_of_day(date.fromisoformat(text))
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=AMSTERDAM)


def day_of(timestamp_ms: int) -> date:
    """The counting day (in Europe/Amsterdam) that a Kafka timestamp (epoch millis) falls on."""
    return datetime.fromtimestamp(timestamp_ms / 1000, AMSTERDAM).date()


def is_quarter_end(day: date) -> bool:
    """31 March, 30 June, 30 September and 31 December."""
    return (day.month, day.day) in QUARTER_ENDS


def quarter_end_on_or_before(day: date) -> date:
    """The latest quarter end that is not after `day`."""
    candidates = [date(day.year, m, d) for m, d in QUARTER_ENDS] + [date(day.year - 1, 12, 31)]
    return max(q for q in candidates if q <= day)


def previous_quarter_end(day: date) -> date:
    """The quarter end before `day` (strictly before)."""
    return quarter_end_on_or_before(day - timedelta(days=1))


def year_earlier(day: date) -> date:
    """The same day a year earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def quarter_ends_between(first: date, last: date) -> list[date]:
    """Every quarter end from `first` to `last`, both included, in order."""
    found = []
    day = quarter_end_on_or_before(last)
    while day >= first:
        found.append(day)
        day = previous_quarter_end(day)
    return found[::-1]


@dataclass(frozen=True)
class Change:
    """One figure of one region now and on an earlier day (None when that day is unknown)."""

    regio_code: str
    figure: str  # one of COUNT_FIELDS
    now: int
    then: int | None

    @property
    def difference(self) -> int | None:
        """now - then, or None when the earlier figure is unknown."""
        return None if self.then is None else self.now - self.then


def changes(now: Sequence[RegionCounts], then: Iterable[RegionCounts] | None) -> list[Change]:
    """Every figure of every row of `now` against the same region's row in `then`."""
    earlier = {r.regio_code: r for r in then or ()}
    return [
        Change(
            row.regio_code, figure, getattr(row, figure),
            getattr(earlier[row.regio_code], figure) if row.regio_code in earlier else None,
        )
        for row in now
        for figure in COUNT_FIELDS
    ]  # fmt: skip
