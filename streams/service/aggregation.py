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
from streams.service.reports import Kept, complete, supersedes

_OFFSET = 8  # bytes of the offset in front of a report in the aggregator's table


def entry(offset: int, value: bytes) -> bytes:
    """What the aggregator's table keeps per partition: the offset of the report's message
    in the subtotals topic, then the message."""
    return offset.to_bytes(_OFFSET, "big") + value


def split_entry(stored: bytes) -> tuple[int, bytes]:
    """(offset, report message) of an entry; a bare report (kept by an older version; JSON,
    so it starts with "{", which no offset below 2**62 does) has offset -1."""
    if stored[:1] == b"{":
        return -1, stored
    return int.from_bytes(stored[:_OFFSET], "big"), stored[_OFFSET:]


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
        self._decoded: dict[bytes, Kept] = {}

    def kept(self, entry: bytes) -> Kept:
        """A report and its offset from an entry of the table, decoded once however often it
        is summed."""
        found = self._decoded.get(entry)
        if found is None:
            offset, value = split_entry(entry)
            found = self._decoded[entry] = Kept(offset, self.wire.decode_subtotals(value))
        return found

    def take(
        self, value: bytes, offset: int, stored: bytes | None, generation: int
    ) -> bytes | None:
        """The table entry for a report message read at `offset`, when it replaces the stored
        entry of its partition; None when it does not."""
        new = entry(offset, value)
        old = None if stored is None else self.kept(stored)
        return new if supersedes(self.kept(new), old, generation) else None

    def rows(self, latest: Iterable[bytes], generation: int) -> list[RegionCounts] | None:
        """The table from the entries (the latest report of every partition); None while the
        reports are not a complete set of the current generation."""
        kept = {e: self.kept(e) for e in latest}
        self._decoded = kept  # forget reports replaced since
        found = complete((k.report for k in kept.values()), self.partitions, generation)
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
