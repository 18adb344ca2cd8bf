"""Jobs over the topics that the commands run: the service logic wired to the Kafka readers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date, datetime

from streams.codecs.wire import worker_wire
from streams.domain import RegionCounts, Regions
from streams.kafka.countsview import CountsView
from streams.kafka.history import read_snapshots, write_snapshots
from streams.kafka.reader import (
    end_offsets,
    offsets_after,
    partitions_of,
    read_to_end,
    read_up_to,
    require_topics,
)
from streams.service.admission import Admission
from streams.service.backfill import BackfillReport, DayOf, PartitionPass, snapshots
from streams.service.history import Snapshot, Source
from streams.service.ports import InputMessage
from streams.service.proof import Proof, known_at, prove
from streams.service.reconcile import Result, reconcile
from streams.settings import Settings


async def reconcile_topics(
    settings: Settings, regions: Regions, as_of: date, settle: float = 10.0, timeout: float = 30.0
) -> Result:
    """Reconcile the counts topic against a recomputation from the input topics."""
    inputs = list(settings.event_topics())
    await require_topics(settings, [*inputs, settings.topic_counts])

    def read_inputs(
        positions: Mapping[tuple[str, int], int],
    ) -> AsyncIterator[Sequence[InputMessage]]:
        return read_to_end(settings, inputs, positions)

    async def read_counts() -> Mapping[str, RegionCounts]:
        return await CountsView(settings, regions).read_once(timeout)

    admission = Admission(worker_wire(settings, regions).decoders, regions)
    return await reconcile(admission, read_inputs, read_counts, regions, as_of, settle)


def _admission(settings: Settings, regions: Regions) -> Admission:
    return Admission(worker_wire(settings, regions).decoders, regions)


async def prove_snapshot(
    settings: Settings, regions: Regions, peildatum: date, timeout: float = 30.0
) -> Proof:
    """Recompute the history snapshot of `peildatum` from the input topics up to its offsets and
    compare; LookupError when the history has no snapshot of that day."""
    inputs = list(settings.event_topics())
    partitions = await partitions_of(settings, inputs)
    snapshot = next(iter(await read_snapshots(settings, peildatum, peildatum, timeout)), None)
    if snapshot is None:
        raise LookupError(f"the history has no snapshot of {peildatum.isoformat()}")

    def read(offsets: Mapping[tuple[str, int], int]) -> AsyncIterator[Sequence[InputMessage]]:
        return read_up_to(settings, offsets)

    every = [(t, p) for t in inputs for p in sorted(partitions[t])]
    return await prove(snapshot, _admission(settings, regions), read, regions, every)


async def table_known_at(
    settings: Settings, regions: Regions, peildatum: date, moment: datetime
) -> Snapshot:
    """The table of `peildatum` from the input messages known at `moment` (offsets by time)."""
    inputs = list(settings.event_topics())
    offsets = await offsets_after(settings, inputs, int(moment.timestamp() * 1000))

    def read(stops: Mapping[tuple[str, int], int]) -> AsyncIterator[Sequence[InputMessage]]:
        return read_up_to(settings, stops)

    return await known_at(_admission(settings, regions), read, offsets, peildatum, moment, regions)


async def backfill_history(
    settings: Settings, regions: Regions, first: date, last: date, replace: bool = False
) -> BackfillReport:
    """Rebuild the days from `first` to `last` from the input topics in one pass and write them
    to the history topic; days with a live snapshot keep it unless `replace`."""
    inputs = list(settings.event_topics())
    partitions = await partitions_of(settings, [*inputs, settings.topic_history])
    horizon = await end_offsets(settings, inputs)
    live = {
        s.peildatum
        for s in await read_snapshots(settings, first, last)
        if s.provenance.source is Source.LIVE
    }
    admission, day_of = _admission(settings, regions), DayOf(first, last)
    parts, read_s, fold_s = [], 0.0, 0.0
    for number in sorted({p for t in inputs for p in partitions[t]}):
        mine = {(t, number): horizon[(t, number)] for t in inputs if number in partitions[t]}
        started = time.monotonic()
        one = PartitionPass(admission, regions, day_of, number, mine)
        async for batch in read_up_to(settings, mine):
            one.add(batch)
        read = time.monotonic()
        parts.append(one.fold())
        read_s, fold_s = read_s + read - started, fold_s + time.monotonic() - read
    every = snapshots(parts, day_of, regions)
    chosen = [s for s in every if replace or s.peildatum not in live]
    await write_snapshots(settings, chosen)
    report = BackfillReport(chosen, sorted(d for d in live if not replace))
    report.events = sum(p.events for p in parts)
    for p in parts:
        report.rejected.update(p.rejected)
    report.read_seconds, report.fold_seconds = read_s, fold_s
    return report
