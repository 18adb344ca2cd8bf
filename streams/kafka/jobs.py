"""Jobs over the topics that the commands run: the service logic wired to the Kafka readers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date, datetime

from streams.codecs.wire import worker_wire, writer_schemas
from streams.domain import RegionCounts, Regions
from streams.kafka.countsview import CountsView
from streams.kafka.history import read_snapshots
from streams.kafka.reader import (
    offsets_after,
    partitions_of,
    read_to_end,
    read_up_to,
    require_topics,
)
from streams.kafka.registry import schema_gate
from streams.service.admission import Admission
from streams.service.history import Snapshot
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

    writers = writer_schemas(settings)
    gate = schema_gate(settings, writers, give_up_after=timeout)

    async def read_inputs(
        positions: Mapping[tuple[str, int], int],
    ) -> AsyncIterator[Sequence[InputMessage]]:
        async for batch in read_to_end(settings, inputs, positions):
            await gate.prepare(m.value for m in batch)  # the writer schemas, before decoding
            yield batch

    async def read_counts() -> Mapping[str, RegionCounts]:
        return await CountsView(settings, regions, writers, gate).read_once(timeout)

    admission = Admission(worker_wire(settings, regions, writers).decoders, regions)
    return await reconcile(admission, read_inputs, read_counts, regions, as_of, settle)


class Inputs:
    """The input topics as a recomputation reads them: batches up to given offsets, with the
    writer schemas they name known before they are decoded, through the worker's admission."""

    def __init__(self, settings: Settings, regions: Regions, timeout: float = 30.0) -> None:
        self.settings = settings
        writers = writer_schemas(settings)
        self.gate = schema_gate(settings, writers, give_up_after=timeout)
        self.admission = Admission(worker_wire(settings, regions, writers).decoders, regions)

    async def read(
        self, stops: Mapping[tuple[str, int], int]
    ) -> AsyncIterator[Sequence[InputMessage]]:
        """Every message of the named partitions below their stop offsets."""
        async for batch in read_up_to(self.settings, stops):
            await self.gate.prepare(m.value for m in batch)
            yield batch


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
    every = [(t, p) for t in inputs for p in sorted(partitions[t])]
    source = Inputs(settings, regions, timeout)
    return await prove(snapshot, source.admission, source.read, regions, every)


async def table_known_at(
    settings: Settings, regions: Regions, peildatum: date, moment: datetime
) -> Snapshot:
    """The table of `peildatum` from the input messages known at `moment` (offsets by time)."""
    inputs = list(settings.event_topics())
    offsets = await offsets_after(settings, inputs, int(moment.timestamp() * 1000))
    source = Inputs(settings, regions)
    return await known_at(source.admission, source.read, offsets, peildatum, moment, regions)
