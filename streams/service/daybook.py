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

from streams.domain import Regions, publication_table
from streams.service.history import Provenance, Snapshot, Source
from streams.service.reports import Complete, SubtotalReport, complete


class Daybook:
    """Keeps the last complete same-day table of subtotal reports; says when a day ended."""

    def __init__(self, regions: Regions, partitions: int) -> None:
        self.regions = regions
        self.partitions = partitions
        #: the last complete table and the input positions its reports reflect
        self.kept: tuple[Complete, dict[tuple[str, int], int]] | None = None

    def observe(self, reports: Iterable[SubtotalReport], generation: int) -> list[Snapshot]:
        """Look at the aggregator's latest report of every partition; return the snapshot of
        the day that ended, if they are the first complete table of a later day."""
        reports = list(reports)
        found = complete(reports, self.partitions, generation)
        if found is None:
            return []  # incomplete, of another generation, or the workers' days are moving
        ended = []
        if self.kept is not None and found.day > self.kept[0].day:
            ended.append(self.snapshot(*self.kept))
        positions: dict[tuple[str, int], int] = {}
        for report in reports:
            positions.update(report.positions)
        self.kept = (found, positions)
        return ended

    def reset(self, reports: Iterable[SubtotalReport]) -> None:
        """Start again from the aggregator's recovered reports (after a rebalance): a set that
        was complete in the generation it was sent in was a true table of its day."""
        self.kept = None
        reports = list(reports)
        if reports:
            self.observe(reports, max(r.generation for r in reports))

    def snapshot(self, table: Complete, positions: dict[tuple[str, int], int]) -> Snapshot:
        """The snapshot of a complete table, with the input positions it reflects."""
        rows = tuple(publication_table(table.cells, self.regions, table.day))
        return Snapshot(table.day, rows, Provenance(positions, Source.LIVE))
