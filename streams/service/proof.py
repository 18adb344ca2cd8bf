"""Proof of a history snapshot: its day's table recomputed from the input topics up to exactly
the offsets it names, through the worker's own admission, must equal it cell by cell.

The same recomputation gives the table "as known at" a moment: the offsets are then Kafka's
offsets by time (every message before the first one stamped after the moment).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from streams.domain import RegionCounts, Regions
from streams.service.admission import Admission
from streams.service.history import Provenance, Snapshot, Source
from streams.service.ports import ReadUpTo
from streams.service.reconcile import Difference, Recomputation, differences

Offsets = Mapping[tuple[str, int], int]


async def recompute(
    admission: Admission, read: ReadUpTo, offsets: Offsets, day: date, regions: Regions
) -> tuple[list[RegionCounts], Recomputation]:
    """The table of `day` from every input message below `offsets`, and the recomputation."""
    recomputation = Recomputation(admission)
    async for batch in read(offsets):
        for message in batch:
            recomputation.add(message)
    return recomputation.table(day, regions), recomputation


async def known_at(
    admission: Admission,
    read: ReadUpTo,
    offsets: Offsets,
    day: date,
    moment: datetime,
    regions: Regions,
) -> Snapshot:
    """The table of `day` as known at `moment`, given the offsets by time of that moment."""
    rows, _ = await recompute(admission, read, offsets, day, regions)
    return Snapshot(day, tuple(rows), Provenance(dict(offsets), Source.BACKFILL, moment))


@dataclass(frozen=True)
class Proof:
    """The outcome of proving one snapshot."""

    snapshot: Snapshot
    recomputed: list[RegionCounts]
    #: cells where the snapshot (actual) differs from the recomputation (expected)
    differences: list[Difference]
    #: input partitions that the snapshot's provenance does not name: it cannot be proven
    unnamed: list[tuple[str, int]] = field(default_factory=list)
    events: int = 0
    rejected: Mapping[str, int] = field(default_factory=dict)

    @property
    def proven(self) -> bool:
        """True when the recomputation equals the snapshot and the provenance is complete."""
        return not self.differences and not self.unnamed


async def prove(
    snapshot: Snapshot,
    admission: Admission,
    read: ReadUpTo,
    regions: Regions,
    input_partitions: Collection[tuple[str, int]],
) -> Proof:
    """Recompute the snapshot's day from its offsets and compare (`input_partitions`: every
    partition of the input topics, each of which the provenance must name)."""
    offsets = snapshot.provenance.offsets
    unnamed = sorted(tp for tp in input_partitions if tp not in offsets)
    rows, recomputation = await recompute(admission, read, offsets, snapshot.peildatum, regions)
    found = differences(rows, {row.regio_code: row for row in snapshot.rows})
    return Proof(snapshot, rows, found, unnamed, recomputation.events, dict(recomputation.rejected))
