"""The region aggregator, without Faust: the latest report of every partition in, rows out.

Rows are published only from a complete set of reports (streams/service/reports.py): one per
input partition, of the current generation and of one day, whose day is the rows' as_of. Until
the set is complete nothing is published, so the counts topic keeps the last true table.
"""

from __future__ import annotations

from collections.abc import Iterable

from streams.domain import ONBEKEND, RegionCounts, Regions, publication_table
from streams.domain.table import region_row
from streams.service.ports import Wire, WorkerMetrics
from streams.service.reports import SubtotalReport, complete, supersedes


class Aggregator:
    """Sums the latest report per input partition into the publication table, and says which
    rows changed since they were last published."""

    def __init__(self, regions: Regions, partitions: int, wire: Wire, metrics: WorkerMetrics):
        self.regions = regions
        self.partitions = partitions
        self.wire = wire
        self.metrics = metrics
        self.owned = False  # this worker owns the aggregator's partition
        self.published: dict[str, RegionCounts] = {}
        self._decoded: dict[bytes, SubtotalReport] = {}

    def decode(self, value: bytes) -> SubtotalReport:
        """A report from its message, decoded once however often it is summed."""
        found = self._decoded.get(value)
        if found is None:
            found = self._decoded[value] = self.wire.decode_subtotals(value)
        return found

    def accepts(self, incoming: bytes, stored: bytes | None, generation: int) -> bool:
        """Whether a report message replaces the stored one of its partition."""
        old = None if stored is None else self.decode(stored)
        return supersedes(self.decode(incoming), old, generation)

    def rows(self, latest: Iterable[bytes], generation: int) -> list[RegionCounts] | None:
        """The table from the latest report of every partition; None while the reports are
        not a complete set of the current generation."""
        values = list(latest)
        self._decoded = {v: self.decode(v) for v in values}  # forget reports replaced since
        found = complete(self._decoded.values(), self.partitions, generation)
        if found is None:
            return None
        rows = publication_table(found.cells, self.regions, found.day)
        if rows[-2].regio_code != ONBEKEND:  # published as zeros too: a row once non-zero
            name = self.regions.name_of(ONBEKEND)  # must not stay behind in the topic
            rows.insert(-1, region_row(ONBEKEND, name, {}, found.day))
        return rows

    def counts_messages(
        self, latest: Iterable[bytes], generation: int, everything: bool = False
    ) -> list[tuple[bytes, bytes]]:
        """RegionCounts messages for the rows that changed since the last publication (every
        row after `own`, or with `everything`), and their metrics; none while the reports are
        incomplete."""
        rows = self.rows(latest, generation) if self.owned else None
        if rows is None:
            return []
        changed = [r for r in rows if everything or self.published.get(r.regio_code) != r]
        self.metrics.set_region_rows(changed)
        out = []
        for row in changed:
            self.published[row.regio_code] = row
            out.append((row.regio_code.encode(), self.wire.encode_counts(row)))
        return out

    def own(self) -> None:
        """This worker owns the aggregator's partition (again): publish every row next time."""
        self.owned = True
        self.published.clear()

    def forget_published(self) -> None:
        """A publication may not have reached the topic: publish every row next time."""
        self.published.clear()

    def disown(self) -> None:
        """The aggregator's partition was revoked: publish nothing until it is owned again."""
        self.owned = False
        self.published.clear()
        self.metrics.forget_regions()
