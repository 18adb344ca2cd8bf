"""The worker's wire codecs in the configured framing, bundled as the service layer's `Wire`."""

from __future__ import annotations

from dataclasses import asdict

from streams.codecs import subtotals
from streams.codecs.avro import AvroCodec
from streams.codecs.events import EventDecoder
from streams.codecs.writers import WriterSchemas
from streams.domain import RegionCounts, Regions
from streams.service.ports import Wire
from streams.service.reports import SubtotalReport
from streams.settings import Settings


def writer_schemas(settings: Settings) -> WriterSchemas:
    """The writer schemas this process can read: schemas/history, WRITER_SCHEMAS_DIR, and (for
    `confluent`) the registry ids the registry adapter fetches into it."""
    return WriterSchemas(settings.writer_schemas_dir)


def worker_wire(settings: Settings, regions: Regions, writers: WriterSchemas | None = None) -> Wire:
    """Decoders of the input topics, and encoders of dead letters, counts and subtotals."""
    writers = writers if writers is not None else writer_schemas(settings)
    counts = AvroCodec("RegionCounts", settings.framing, writers)

    def encode_counts(row: RegionCounts) -> bytes:
        return counts.encode(asdict(row))

    def encode_subtotals(report: SubtotalReport) -> bytes:
        return subtotals.encode(report, regions)

    return Wire(
        decoders={
            topic: EventDecoder(name, settings.framing, writers)
            for topic, name in settings.event_topics().items()
        },
        encode_dead_letter=AvroCodec("DeadLetter", settings.framing, writers).encode,
        encode_counts=encode_counts,
        encode_subtotals=encode_subtotals,
        decode_subtotals=subtotals.decode,
    )
