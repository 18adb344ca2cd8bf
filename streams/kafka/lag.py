"""The consumer group's lag seen from outside any worker: committed offsets against end offsets.

What `transparantie lag` prints and what every worker exports for the whole group
(`transparantie_group_lag_messages`), so the lag is known, and alerts, when no worker of the
group consumes at all. Read with the admin API (committed offsets) and a consumer without a
group (end and beginning offsets): nothing is joined, nothing committed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import TopicPartition

from streams.kafka import clients
from streams.kafka.reader import partitions_of
from streams.settings import Settings

RETRIES = 20
RETRY_SECONDS = 0.5


@dataclass(frozen=True, order=True)
class PartitionLag:
    """One partition the group consumes."""

    topic: str
    partition: int
    committed: int | None  # the group's committed offset (None: never committed)
    end: int  # the offset the next message will get
    lag: int  # messages the group has yet to process


def consumed_topics(settings: Settings) -> list[str]:
    """The topics the workers' group consumes and commits: the inputs and the subtotals."""
    return [*settings.event_topics(), settings.topic_subtotals]


def lag_of(
    tps: Sequence[Any], committed: dict[Any, int], end: dict[Any, int], start: dict[Any, int]
) -> list[PartitionLag]:
    """Per partition: a partition never committed is read from its beginning (the workers'
    `auto_offset_reset` is earliest), so all of it is lag."""
    rows = []
    for tp in tps:
        done = committed.get(tp)
        done = None if done is None or done < 0 else done
        behind = end[tp] - (start[tp] if done is None else done)
        rows.append(PartitionLag(tp.topic, tp.partition, done, end[tp], max(0, behind)))
    return sorted(rows)


class GroupLag:
    """Reads the group's lag, keeping its clients between reads (a worker reads it every
    `lag_interval_seconds`); `close` when done. A failed read closes them, the next reopens."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._clients: tuple[Any, Any] | None = None

    async def read(self) -> list[PartitionLag]:
        """The lag of every partition of the consumed topics."""
        try:
            admin, consumer = await self._open()
            topics = consumed_topics(self.settings)
            partitions = await partitions_of(self.settings, topics)
            tps = [TopicPartition(t, p) for t in topics for p in sorted(partitions[t])]
            committed = await self._committed(admin, tps)
            end = await consumer.end_offsets(tps)
            start = await consumer.beginning_offsets(tps)
        except BaseException:
            await self.close()
            raise
        return lag_of(tps, committed, end, start)

    async def _committed(self, admin: Any, tps: list[Any]) -> dict[Any, int]:
        # a cluster that has never had a group has no offsets topic yet: the first asks
        # create it and answer "coordinator not available" for a moment (retriable)
        for attempt in range(RETRIES):
            try:
                offsets = await admin.list_consumer_group_offsets(
                    self.settings.app_id, partitions=tps
                )
            except Exception as exc:
                if not getattr(exc, "retriable", False) or attempt == RETRIES - 1:
                    raise
                await asyncio.sleep(RETRY_SECONDS)
            else:
                return {tp: meta.offset for tp, meta in offsets.items()}
        raise AssertionError("unreachable")

    async def _open(self) -> tuple[Any, Any]:
        if self._clients is None:
            admin = clients.admin(self.settings)
            consumer = clients.consumer(self.settings)
            try:
                await admin.start()
                await consumer.start()
            except BaseException:
                await _close(admin, consumer)
                raise
            self._clients = (admin, consumer)
        return self._clients

    async def close(self) -> None:
        """Close the clients (safe to call at any time)."""
        if self._clients is not None:
            await _close(*self._clients)
            self._clients = None


async def _close(admin: Any, consumer: Any) -> None:
    with contextlib.suppress(Exception):
        await consumer.stop()
    with contextlib.suppress(Exception):
        await admin.close()


async def group_lag(settings: Settings) -> list[PartitionLag]:
    """The group's lag, once (for the command)."""
    reader = GroupLag(settings)
    try:
        return await reader.read()
    finally:
        await reader.close()
