"""A read model of the counts topic: the latest RegionCounts per region (for /counts and report)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date
from typing import Any

from aiokafka import TopicPartition

from streams.codecs.avro import AvroCodec
from streams.codecs.writers import WriterSchemas
from streams.domain import RegionCounts, Regions
from streams.domain.table import complete_table, is_whole
from streams.kafka import clients
from streams.kafka.reader import partitions_of
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
        topic = self.settings.topic_counts
        partitions = (await partitions_of(self.settings, [topic]))[topic]
        consumer = clients.consumer(self.settings)
        try:  # stopped also when it fails to start: no unclosed client
            await consumer.start()
            tps = [TopicPartition(topic, p) for p in sorted(partitions)]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            end = await consumer.end_offsets(tps)
            positions = {tp: 0 for tp in tps}
            while stop is None or not stop.is_set():
                batch = await consumer.getmany(timeout_ms=200)
                await self.schemas.prepare(m.value for ms in batch.values() for m in ms)
                for tp, messages in batch.items():
                    for message in messages:
                        self.apply(message.key, message.value)
                        positions[tp] = message.offset + 1
                self.settle()
                if not self.caught_up.is_set() and all(positions[tp] >= end[tp] for tp in tps):
                    self.caught_up.set()
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()

    async def read_once(self, timeout: float = 30.0) -> dict[str, RegionCounts]:
        """Read the topic up to its current end, then stop (for `report` and `reconcile`)."""
        stop = asyncio.Event()
        task = asyncio.create_task(self.run(stop))
        waiter = asyncio.create_task(self.caught_up.wait())
        try:
            done, _ = await asyncio.wait(
                {task, waiter}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            stop.set()
            waiter.cancel()
        await task  # raises what stopped the reading (no broker, no topic)
        if waiter not in done:
            raise TimeoutError(
                f"the counts topic {self.settings.topic_counts!r} was not read to its end"
                f" in {timeout} s"
            )
        return self.latest
