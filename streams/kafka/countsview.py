"""A read model of the counts topic: the latest RegionCounts per region (for /counts and report)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from streams.codecs.avro import AvroCodec
from streams.codecs.writers import WriterSchemas
from streams.domain import RegionCounts, Regions
from streams.domain.table import complete_table, is_whole
from streams.kafka.reader import follow, read_once
from streams.kafka.registry import schema_gate
from streams.service.ports import DecodeError
from streams.service.schemas import SchemaGate
from streams.settings import Settings


def row_from_record(record: dict[str, Any]) -> RegionCounts:
    """A RegionCounts row from a decoded record."""
    return RegionCounts(**record)


class CountsView:
    """Consumes the whole counts topic (no consumer group) and keeps the latest row per region,
    and the last whole table (streams.domain.table.is_whole) that they made: the table it
    serves, so that a reader never sees a publication half applied or two days mixed."""

    def __init__(
        self,
        settings: Settings,
        regions: Regions,
        writers: WriterSchemas | None = None,
        schemas: SchemaGate | None = None,
    ) -> None:
        self.settings = settings
        self.regions = regions
        self.latest: dict[str, RegionCounts] = {}
        self.whole: dict[str, RegionCounts] | None = None  # None until a whole table was read
        writers = writers if writers is not None else WriterSchemas(settings.writer_schemas_dir)
        self.codec = AvroCodec("RegionCounts", settings.framing, writers)
        # a command gives up on an unreachable registry after 30 s; the worker hands in its own
        self.schemas = schemas or schema_gate(settings, writers, give_up_after=30.0)
        self.caught_up = asyncio.Event()

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        """Take one message of the counts topic."""
        if key is None or value is None:
            return
        try:
            row = row_from_record(self.codec.decode(value))
        except (DecodeError, TypeError):
            return
        self.latest[row.regio_code] = row

    def settle(self) -> None:
        """After a fetch: serve the latest rows when they make a whole table."""
        if self.latest != self.whole and is_whole(self.latest):
            self.whole = dict(self.latest)

    def serving(self) -> bool:
        """True when the view has read the topic to its end and holds a whole table."""
        return self.caught_up.is_set() and self.whole is not None

    def rows(self, fallback_day: date) -> list[RegionCounts]:
        """The last whole table: 35 regions in code order, ONBEKEND when non-zero, Nederland
        last (zeros on `fallback_day` before any)."""
        return complete_table(self.whole or {}, self.regions, fallback_day)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Read the topic from the beginning and follow it until `stop` is set (or forever)."""
        await follow(
            self.settings, self.settings.topic_counts, self.apply, self.caught_up, stop,
            self.schemas.prepare, self.settle,
        )  # fmt: skip

    async def read_once(self, timeout: float = 30.0) -> dict[str, RegionCounts]:
        """Read the topic up to its current end, then stop (for `report` and `reconcile`)."""
        what = f"the counts topic {self.settings.topic_counts!r}"
        await read_once(self.run, self.caught_up, what, timeout)
        return self.latest
