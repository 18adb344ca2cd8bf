"""A read model of the counts topic: the latest RegionCounts per region (for /counts and report)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date
from typing import Any

from streams.codecs.avro import AvroCodec, DecodeError
from streams.domain import RegionCounts, Regions
from streams.domain.regions import NEDERLAND, ONBEKEND
from streams.domain.table import region_row
from streams.settings import Settings


def row_from_record(record: dict[str, Any]) -> RegionCounts:
    """A RegionCounts row from a decoded record."""
    return RegionCounts(**record)


class CountsView:
    """Consumes the whole counts topic (no consumer group) and keeps the latest row per region."""

    def __init__(self, settings: Settings, regions: Regions) -> None:
        self.settings = settings
        self.regions = regions
        self.latest: dict[str, RegionCounts] = {}
        self.codec = AvroCodec("RegionCounts", settings.framing)
        self.caught_up = asyncio.Event()
        self.changed = asyncio.Event()

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        """Take one message of the counts topic."""
        if key is None or value is None:
            return
        try:
            row = row_from_record(self.codec.decode(value))
        except (DecodeError, TypeError):
            return
        self.latest[row.regio_code] = row
        self.changed.set()

    def rows(self, fallback_day: date) -> list[RegionCounts]:
        """The table: 35 regions in code order, ONBEKEND when non-zero, Nederland last."""
        as_of = self.latest[NEDERLAND].as_of if NEDERLAND in self.latest else fallback_day

        def row(code: str) -> RegionCounts:
            zero = region_row(code, self.regions.name_of(code), {}, as_of)
            return self.latest.get(code, zero)

        rows = [row(code) for code in self.regions.codes_in_order]
        unknown = row(ONBEKEND)
        if unknown.totaal or unknown.beschut_wsw:
            rows.append(unknown)
        rows.append(row(NEDERLAND))
        return rows

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Read the topic from the beginning and follow it until `stop` is set (or forever)."""
        from aiokafka import AIOKafkaConsumer, TopicPartition

        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.settings.bootstrap_servers,
            enable_auto_commit=False,
            group_id=None,
        )
        await consumer.start()
        try:
            partitions = consumer.partitions_for_topic(self.settings.topic_counts) or {0}
            tps = [TopicPartition(self.settings.topic_counts, p) for p in sorted(partitions)]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            end = await consumer.end_offsets(tps)
            positions = {tp: 0 for tp in tps}
            while stop is None or not stop.is_set():
                batch = await consumer.getmany(timeout_ms=200)
                for tp, messages in batch.items():
                    for message in messages:
                        self.apply(message.key, message.value)
                        positions[tp] = message.offset + 1
                if not self.caught_up.is_set() and all(positions[tp] >= end[tp] for tp in tps):
                    self.caught_up.set()
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()

    async def read_once(self, timeout: float = 30.0) -> None:
        """Read the topic up to its current end, then stop (for `transparantie report`)."""
        stop = asyncio.Event()
        task = asyncio.create_task(self.run(stop))
        try:
            await asyncio.wait_for(self.caught_up.wait(), timeout)
        finally:
            stop.set()
            await task
