"""The region aggregator, without Faust: the latest subtotal of every partition in, rows out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from streams.domain import Cell, RegionCounts, Regions, publication_table
from streams.service.clock import Clock
from streams.service.ports import Wire, WorkerMetrics


def combine(latest: Iterable[Mapping[Cell, int]]) -> Counter[Cell]:
    """Sum the latest subtotals of every partition."""
    total: Counter[Cell] = Counter()
    for cells in latest:
        total.update(cells)
    return total


class Aggregator:
    """Sums the latest subtotal message per input partition into the publication table, and
    says which rows changed since they were last published."""

    def __init__(self, regions: Regions, clock: Clock, wire: Wire, metrics: WorkerMetrics) -> None:
        self.regions = regions
        self.clock = clock
        self.wire = wire
        self.metrics = metrics
        self.owned = False  # this worker owns the aggregator's partition
        self.published: dict[str, RegionCounts] = {}
        self._decoded: dict[bytes, Counter[Cell]] = {}

    def rows(self, latest: Iterable[bytes]) -> list[RegionCounts]:
        """The table from the latest subtotal message of every partition."""
        decoded, self._decoded = self._decoded, {}
        cells = []
        for value in latest:  # each subtotal message is decoded once, not at every publication
            found = decoded.get(value)
            if found is None:
                found = self.wire.decode_subtotals(value)[1]
            self._decoded[value] = found
            cells.append(found)
        return publication_table(combine(cells), self.regions, self.clock.today())

    def counts_messages(
        self, latest: Iterable[bytes], force: bool = False
    ) -> list[tuple[bytes, bytes]]:
        """RegionCounts messages for the rows that changed since the last publication (and
        their metrics; every row when forced)."""
        changed = [r for r in self.rows(latest) if force or self.published.get(r.regio_code) != r]
        self.metrics.set_region_rows(changed)
        out = []
        for row in changed:
            self.published[row.regio_code] = row
            out.append((row.regio_code.encode(), self.wire.encode_counts(row)))
        return out

    def disown(self) -> None:
        """The aggregator's partition went to another worker: forget what was published."""
        self.owned = False
        self.published.clear()
        self.metrics.forget_regions()
