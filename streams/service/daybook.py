"""The end of a counting day, as the aggregator sees it: the last complete table of a day is that
day's history snapshot, with the input positions its subtotals reflect as provenance.

Every input partition's subtotal report carries its day and the positions it reflects
(streams/service/runtime.py). The aggregator's latest reports are a table of one day when they
are a complete set by the same rule as the counts (streams/service/reports.py: one per
partition, all of the current generation, all of that day), so a former owner's late report is
never part of a snapshot. When a complete table of a later day appears
(the workers' clocks passed midnight in Europe/Amsterdam, or AS_OF_FILE moved on), the last
complete table of the earlier day was its final one: it is the snapshot. Days skipped over
(the clock jumped, or no worker ran) get no live snapshot; `history backfill` rebuilds them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from streams.domain import Regions, publication_table
from streams.service.history import Provenance, Snapshot, Source
from streams.service.reports import SubtotalReport, complete


class Daybook:
    """Keeps the last complete same-day set of subtotal reports; says when a day ended."""

    def __init__(self, regions: Regions, partitions: int) -> None:
        self.regions = regions
        self.partitions = partitions
        self.kept: tuple[date, list[SubtotalReport]] | None = None

    def observe(self, reports: Iterable[SubtotalReport], generation: int) -> list[Snapshot]:
        """Look at the aggregator's latest report of every partition; return the snapshot of
        the day that ended, if they are the first complete table of a later day."""
        reports = list(reports)
        found = complete(reports, self.partitions, generation)
        if found is None:
            return []  # incomplete, of another generation, or the workers' days are moving
        ended = []
        if self.kept is not None and found.day > self.kept[0]:
            ended.append(self.snapshot(*self.kept))
        self.kept = (found.day, reports)
        return ended

    def reset(self, reports: Iterable[SubtotalReport]) -> None:
        """Start again from the aggregator's recovered reports (after a rebalance): a set that
        was complete in the generation it was sent in was a true table of its day."""
        self.kept = None
        reports = list(reports)
        if reports:
            self.observe(reports, max(r.generation for r in reports))

    def snapshot(self, day: date, reports: list[SubtotalReport]) -> Snapshot:
        """The table of `day` from one report per input partition, with their positions."""
        found = complete(reports, self.partitions, reports[0].generation)
        assert found is not None  # kept only when complete
        offsets: dict[tuple[str, int], int] = {}
        for report in reports:
            offsets.update(report.positions)
        rows = tuple(publication_table(found.cells, self.regions, day))
        return Snapshot(day, rows, Provenance(offsets, Source.LIVE))
