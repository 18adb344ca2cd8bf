"""Read topics to their end: the one reader behind the counts view, dead letters, reconcile
and the benchmarks. Plain consumer: no group, nothing committed."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from aiokafka import TopicPartition

from streams.kafka import clients
from streams.kafka.failures import ACLS, AccessDenied
from streams.kafka.security import principal_hint
from streams.service.ports import InputMessage
from streams.settings import Settings

TOPIC_AUTHORIZATION_FAILED = 29


class MissingTopic(LookupError):
    """A topic the command needs does not exist; the message says to run `topics create`."""


async def read_to_end(
    settings: Settings,
    topics: Sequence[str],
    start: Mapping[tuple[str, int], int] | None = None,
    since: int = 0,
) -> AsyncIterator[list[InputMessage]]:
    """Batches of the topics' messages up to their end offsets as they are when reading starts.

    Each partition is read from `start[(topic, partition)]` when given, else from offset
    `since` (0: the beginning)."""
    partitions = await partitions_of(settings, topics)
    tps: list[Any] = [
        TopicPartition(topic, p) for topic in topics for p in sorted(partitions[topic])
    ]
    if not tps:
        return
    consumer = clients.consumer(settings, auto_offset_reset="earliest")
    try:  # stopped also when it fails to start: no unclosed client
        await consumer.start()
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        for tp in tps:
            offset = (start or {}).get((tp.topic, tp.partition), since)
            if offset > 0:
                consumer.seek(tp, offset)
        end: dict[Any, int] = await consumer.end_offsets(tps)
        pending = {tp for tp in tps if await consumer.position(tp) < end[tp]}
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=500)
            out = [
                InputMessage(tp.topic, tp.partition, m.offset, m.key, m.value)
                for tp, messages in batch.items()
                for m in messages
                if m.offset < end[tp]
            ]
            if out:
                yield out
            pending = {tp for tp in pending if await consumer.position(tp) < end[tp]}
    finally:
        with contextlib.suppress(Exception):
            await consumer.stop()


async def require_topics(settings: Settings, topics: Sequence[str]) -> None:
    """Raise MissingTopic naming the first topic that does not exist."""
    await partitions_of(settings, topics)


async def partitions_of(settings: Settings, topics: Sequence[str]) -> dict[str, set[int]]:
    """The partitions of each topic; MissingTopic naming the first that does not exist."""
    admin = clients.admin(settings)
    try:  # stopped also when it fails to start: no unclosed client
        await admin.start()
        described = {t["topic"]: t for t in await admin.describe_topics(list(topics))}
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
    found: dict[str, set[int]] = {}
    for topic in topics:
        if described.get(topic, {}).get("error_code") == TOPIC_AUTHORIZATION_FAILED:
            raise AccessDenied(
                f"{principal_hint(settings)} may not describe topic {topic!r} (no ACL for "
                f"DESCRIBE, READ or WRITE on it): {ACLS}"
            )
        partitions = described.get(topic, {}).get("partitions") or []
        if not partitions:
            raise MissingTopic(
                f"topic {topic!r} does not exist (run `transparantie topics create`)"
            )
        found[topic] = {p["partition"] for p in partitions}
    return found
