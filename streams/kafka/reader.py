"""Read topics to their end: the one reader behind the counts view, dead letters, reconcile
and the benchmarks. Plain consumer: no group, nothing committed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Mapping,
    Sequence,
)
from typing import Any

from aiokafka import TopicPartition

from streams.kafka import clients
from streams.kafka.failures import ACLS, AccessDenied, MissingTopic
from streams.kafka.security import principal_hint
from streams.service.ports import InputMessage
from streams.settings import Settings

TOPIC_AUTHORIZATION_FAILED = 29


async def read_to_end(
    settings: Settings,
    topics: Sequence[str],
    start: Mapping[tuple[str, int], int] | None = None,
    since: int = 0,
    until: Mapping[tuple[str, int], int] | None = None,
) -> AsyncIterator[list[InputMessage]]:
    """Batches of the topics' messages (with their Kafka timestamps) up to their end offsets as
    they are when reading starts, or up to `until[(topic, partition)]` when that is lower.

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
        for tp in tps:
            stop = (until or {}).get((tp.topic, tp.partition))
            if stop is not None:
                end[tp] = min(end[tp], stop)
        pending = {tp for tp in tps if await consumer.position(tp) < end[tp]}
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=500)
            out = [
                InputMessage(tp.topic, tp.partition, m.offset, m.key, m.value, m.timestamp)
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


async def read_up_to(
    settings: Settings, stops: Mapping[tuple[str, int], int]
) -> AsyncIterator[list[InputMessage]]:
    """The messages of the named partitions from the beginning up to (not including) their stop
    offsets; partitions of the same topics that are not named are not read."""
    topics = sorted({topic for topic, _ in stops})
    partitions = await partitions_of(settings, topics)
    until = {(t, p): stops.get((t, p), 0) for t in topics for p in partitions[t]}
    async for batch in read_to_end(settings, topics, until=until):
        yield batch


async def end_offsets(settings: Settings, topics: Sequence[str]) -> dict[tuple[str, int], int]:
    """The end offset (the next offset to be written) of every partition of the topics."""
    partitions = await partitions_of(settings, topics)
    tps: list[Any] = [TopicPartition(t, p) for t in topics for p in sorted(partitions[t])]
    consumer = clients.consumer(settings)
    await consumer.start()
    try:
        end = await consumer.end_offsets(tps)
    finally:
        with contextlib.suppress(Exception):
            await consumer.stop()
    return {(tp.topic, tp.partition): offset for tp, offset in end.items()}


async def offsets_after(
    settings: Settings, topics: Sequence[str], moment_ms: int
) -> dict[tuple[str, int], int]:
    """For every partition of the topics, the first offset whose Kafka timestamp is after
    `moment_ms` (Kafka's offsets by time), or the end offset when there is none yet: the
    messages below it are the ones known at that moment."""
    partitions = await partitions_of(settings, topics)
    tps: list[Any] = [TopicPartition(t, p) for t in topics for p in sorted(partitions[t])]
    consumer = clients.consumer(settings)
    await consumer.start()
    try:
        found = await consumer.offsets_for_times({tp: moment_ms + 1 for tp in tps})
        end = await consumer.end_offsets(tps)
    finally:
        with contextlib.suppress(Exception):
            await consumer.stop()
    return {
        (tp.topic, tp.partition): end[tp] if found.get(tp) is None else found[tp].offset
        for tp in tps
    }


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


async def follow(
    settings: Settings,
    topic: str,
    apply: Callable[[bytes | None, bytes | None], None],
    caught_up: asyncio.Event,
    stop: asyncio.Event | None = None,
    prepare: Callable[[Iterable[bytes | None]], Awaitable[object]] | None = None,
    after_batch: Callable[[], None] | None = None,
) -> None:
    """Read a topic from the beginning and follow it until `stop` is set (or forever), handing
    each message's key and value to `apply` (after `prepare` saw the batch's values: the
    writer schemas they name), then calling `after_batch` once per fetch; `caught_up` is set
    once the end offsets as they were at the start are reached."""
    partitions = (await partitions_of(settings, [topic]))[topic]
    consumer = clients.consumer(settings)
    try:  # stopped also when it fails to start: no unclosed client
        await consumer.start()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        positions = {tp: 0 for tp in tps}
        while stop is None or not stop.is_set():
            batch = await consumer.getmany(timeout_ms=200)
            if prepare is not None:
                await prepare(m.value for ms in batch.values() for m in ms)
            for tp, messages in batch.items():
                for message in messages:
                    apply(message.key, message.value)
                    positions[tp] = message.offset + 1
            if after_batch is not None:
                after_batch()
            if not caught_up.is_set() and all(positions[tp] >= end[tp] for tp in tps):
                caught_up.set()
    finally:
        with contextlib.suppress(Exception):
            await consumer.stop()


async def read_once(
    follower: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
    caught_up: asyncio.Event,
    what: str,
    timeout: float,
) -> None:
    """Run `follower(stop)` until `caught_up` is set, then stop it; TimeoutError naming `what`
    when that takes longer than `timeout` seconds (and what stopped the follower, if it did)."""
    stop = asyncio.Event()
    task = asyncio.create_task(follower(stop))
    waiter = asyncio.create_task(caught_up.wait())
    try:
        done, _ = await asyncio.wait(
            {task, waiter}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        stop.set()
        waiter.cancel()
    await task  # raises what stopped the reading (no broker, no topic)
    if waiter not in done:
        raise TimeoutError(f"{what} was not read to its end in {timeout} s")


async def committed_offsets(
    settings: Settings, group: str, partitions: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], int]:
    """The offsets a consumer group committed for the partitions (0 where it committed none:
    it reads those from the beginning)."""
    if not partitions:
        return {}
    admin = clients.admin(settings)
    await admin.start()
    try:
        tps: list[Any] = [TopicPartition(t, p) for t, p in partitions]
        found = await admin.list_consumer_group_offsets(group, partitions=tps)
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
    committed = {(tp.topic, tp.partition): meta.offset for tp, meta in found.items()}
    return {tp: max(0, committed.get(tp, 0)) for tp in partitions}
