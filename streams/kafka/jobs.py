"""Jobs over the topics that the commands run: the service logic wired to the Kafka readers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date

from streams.codecs.wire import worker_wire
from streams.domain import RegionCounts, Regions
from streams.kafka.countsview import CountsView
from streams.kafka.reader import read_to_end, require_topics
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

    def read_inputs(
        positions: Mapping[tuple[str, int], int],
    ) -> AsyncIterator[Sequence[InputMessage]]:
        return read_to_end(settings, inputs, positions)

    async def read_counts() -> Mapping[str, RegionCounts]:
        return await CountsView(settings, regions).read_once(timeout)

    admission = Admission(worker_wire(settings, regions).decoders, regions)
    return await reconcile(admission, read_inputs, read_counts, regions, as_of, settle)
