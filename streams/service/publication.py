"""One edition of the quarterly publication: the snapshot of its peildatum and the two it is
compared with (the previous quarter end and a year earlier), assembled from the history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from streams.domain import NEDERLAND, RegionCounts
from streams.service.history import Snapshot, previous_quarter_end, year_earlier


class MissingSnapshot(LookupError):
    """The history has no snapshot of the peildatum asked for."""

    def __init__(self, peildatum: date) -> None:
        super().__init__(
            f"the history has no snapshot of {peildatum.isoformat()}: fill it with "
            f"`transparantie history backfill --from {peildatum.isoformat()}`, or pick a day "
            "the history has (GET /history)"
        )
        self.peildatum = peildatum


def edition_days(peildatum: date) -> tuple[date, date, date]:
    """The days an edition needs: the peildatum, the previous quarter end, a year earlier."""
    return peildatum, previous_quarter_end(peildatum), year_earlier(peildatum)


def met_profiel(row: RegionCounts) -> int:
    """Everyone in a row with a profile in Sonar (gemeente and UWV)."""
    return row.gemeente_met_profiel + row.uwv_met_profiel


@dataclass(frozen=True)
class Comparison:
    """One region's row on the peildatum beside its rows on the two earlier days."""

    now: RegionCounts
    previous: RegionCounts | None
    year_before: RegionCounts | None

    def totaal_change(self, earlier: RegionCounts | None) -> int | None:
        """Totaal now minus totaal on the earlier day (None when that day is unknown)."""
        return None if earlier is None else self.now.totaal - earlier.totaal

    def profiel_change(self, earlier: RegionCounts | None) -> int | None:
        """Met profiel now minus met profiel on the earlier day (None when unknown)."""
        return None if earlier is None else met_profiel(self.now) - met_profiel(earlier)


@dataclass(frozen=True)
class Edition:
    """Everything one edition of the publication shows, before any layout."""

    snapshot: Snapshot
    previous: Snapshot | None  # the previous quarter end, if the history has it
    year_before: Snapshot | None  # the same day a year earlier, if the history has it
    made_at: datetime  # when this edition was rendered

    @property
    def peildatum(self) -> date:
        """The day the edition's table is the final table of."""
        return self.snapshot.peildatum

    @property
    def previous_day(self) -> date:
        """The previous quarter end (whether or not the history has it)."""
        return previous_quarter_end(self.peildatum)

    @property
    def year_before_day(self) -> date:
        """The same day a year earlier (whether or not the history has it)."""
        return year_earlier(self.peildatum)

    @property
    def rows(self) -> tuple[RegionCounts, ...]:
        """The table of the peildatum: regions in code order, Onbekend if any, Nederland."""
        return self.snapshot.rows

    @property
    def nederland(self) -> RegionCounts:
        """The Nederland row of the peildatum."""
        row = self.snapshot.row(NEDERLAND)
        if row is None:
            raise ValueError(f"the snapshot of {self.peildatum} has no Nederland row")
        return row

    def comparisons(self) -> list[Comparison]:
        """Every row of the peildatum beside the same region's rows on the earlier days."""

        def earlier(snapshot: Snapshot | None, code: str) -> RegionCounts | None:
            return None if snapshot is None else snapshot.row(code)

        return [
            Comparison(row, earlier(self.previous, row.regio_code),
                       earlier(self.year_before, row.regio_code))
            for row in self.rows
        ]  # fmt: skip


def edition(peildatum: date, snapshots: Iterable[Snapshot], made_at: datetime) -> Edition:
    """The edition of `peildatum` from the snapshots at hand; MissingSnapshot without its own."""
    by_day = {s.peildatum: s for s in snapshots}
    if peildatum not in by_day:
        raise MissingSnapshot(peildatum)
    _, previous, year_before = edition_days(peildatum)
    return Edition(by_day[peildatum], by_day.get(previous), by_day.get(year_before), made_at)
