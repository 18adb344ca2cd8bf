"""The worker's wire codecs in the configured framing, bundled as the service layer's `Wire`."""

from __future__ import annotations

from dataclasses import asdict

from streams.codecs import subtotals
from streams.codecs.avro import AvroCodec
from streams.codecs.events import EventDecoder
from streams.domain import RegionCounts, Regions
from streams.service.ports import Wire
from streams.service.reports import SubtotalReport
from streams.settings import Settings


def worker_wire(settings: Settings, regions: Regions) -> Wire:
    """Decoders of the input topics, and encoders of dead letters, counts and subtotals."""
    counts = AvroCodec("RegionCounts", settings.framing)

    def encode_counts(row: RegionCounts) -> bytes:
        return counts.encode(asdict(row))

    def encode_subtotals(report: SubtotalReport) -> bytes:
        return subtotals.encode(report, regions)

    return Wire(
        decoders={t: EventDecoder(n, settings.framing) for t, n in settings.event_topics().items()},
        encode_dead_letter=AvroCodec("DeadLetter", settings.framing).encode,
        encode_counts=encode_counts,
        encode_subtotals=encode_subtotals,
        decode_subtotals=subtotals.decode,
    )
