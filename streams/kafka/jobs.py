"""Jobs over the topics that the commands run: the service logic wired to the Kafka readers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date

from streams.codecs.wire import worker_wire, writer_schemas
from streams.domain import RegionCounts, Regions
from streams.kafka.countsview import CountsView
from streams.kafka.reader import read_to_end, require_topics
from streams.kafka.registry import schema_gate
from streams.service.admission import Admission
from streams.service.ports import InputMessage
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
