"""The worker's wire codecs in the configured framing, bundled as the service layer's `Wire`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date

from streams.codecs import subtotals
from streams.codecs.avro import AvroCodec
from streams.codecs.events import EventDecoder
from streams.domain import Cell, RegionCounts, Regions
from streams.service.ports import Wire
from streams.settings import Settings


def worker_wire(settings: Settings, regions: Regions) -> Wire:
    """Decoders of the input topics, and encoders of dead letters, counts and subtotals."""
    counts = AvroCodec("RegionCounts", settings.framing)

    def encode_counts(row: RegionCounts) -> bytes:
        return counts.encode(asdict(row))

    def encode_subtotals(
        partition: int, cells: Mapping[Cell, int], day: date, positions: Mapping[str, int]
    ) -> bytes:
        return subtotals.encode(partition, cells, regions, day, positions)

    return Wire(
        decoders={t: EventDecoder(n, settings.framing) for t, n in settings.event_topics().items()},
        encode_dead_letter=AvroCodec("DeadLetter", settings.framing).encode,
        encode_counts=encode_counts,
        encode_subtotals=encode_subtotals,
        decode_subtotals=subtotals.decode,
        subtotal_provenance=subtotals.provenance,
    )
