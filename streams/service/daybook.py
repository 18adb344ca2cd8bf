"""The end of a counting day, as the aggregator sees it: the last complete table of a day is that
day's history snapshot, with the input positions its subtotals reflect as provenance.

Every input partition's subtotal message carries its day and the positions it reflects
(streams/service/runtime.py). A set of the latest message of every partition that are all of
the same day is a complete table of that day. When a complete table of a later day appears
(the workers' clocks passed midnight in Europe/Amsterdam, or AS_OF_FILE moved on), the last
complete table of the earlier day was its final one: it is the snapshot. Days skipped over
(the clock jumped, or no worker ran) get no live snapshot; `history backfill` rebuilds them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from streams.domain import Cell, Regions, publication_table
from streams.service.history import Provenance, Snapshot, Source
from streams.service.ports import Wire


class Daybook:
    """Keeps the last complete same-day set of subtotal messages; says when a day ended."""

    def __init__(self, regions: Regions, partitions: int, wire: Wire) -> None:
        self.regions = regions
        self.partitions = partitions
        self.wire = wire
        self.latest: dict[int, tuple[date, bytes]] = {}  # input partition -> (day, message)
        self.kept: tuple[date, dict[int, bytes]] | None = None

    def receive(self, value: bytes) -> list[Snapshot]:
        """Take one subtotal message; return the snapshot of the day that it ended, if any."""
        partition, day, _ = self.wire.subtotal_provenance(value)
        self.latest[partition] = (day, value)
        if len(self.latest) < self.partitions:
            return []
        days = {d for d, _ in self.latest.values()}
        if len(days) != 1:
            return []  # the workers' days are moving: not a table of one day
        ended = []
        if self.kept is not None and day > self.kept[0]:
            ended.append(self.snapshot(*self.kept))
        self.kept = (day, {p: v for p, (_, v) in self.latest.items()})
        return ended

    def reset(self, values: Iterable[bytes]) -> None:
        """Start again from the aggregator's recovered latest messages (after a rebalance)."""
        self.latest.clear()
        self.kept = None
        for value in values:
            self.receive(value)

    def snapshot(self, day: date, messages: dict[int, bytes]) -> Snapshot:
        """The table of `day` from one message per input partition, with their positions."""
        cells: Counter[Cell] = Counter()
        offsets: dict[tuple[str, int], int] = {}
        for value in messages.values():
            cells.update(self.wire.decode_subtotals(value)[1])
            offsets.update(self.wire.subtotal_provenance(value)[2])
        rows = tuple(publication_table(cells, self.regions, day))
        return Snapshot(day, rows, Provenance(offsets, Source.LIVE))
