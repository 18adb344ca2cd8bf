"""Read topics to their end: the one reader behind the counts view, dead letters, reconcile
and the benchmarks. Plain consumer: no group, nothing committed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from typing import Any

from aiokafka import TopicPartition

from streams.kafka import clients
from streams.service.ports import InputMessage
from streams.settings import Settings


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
    await consumer.start()
    try:
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
    """Raise LookupError naming the first topic that does not exist."""
    await partitions_of(settings, topics)


async def partitions_of(settings: Settings, topics: Sequence[str]) -> dict[str, set[int]]:
    """The partitions of each topic; LookupError naming the first that does not exist."""
    admin = clients.admin(settings)
    await admin.start()
    try:
        described = {t["topic"]: t for t in await admin.describe_topics(list(topics))}
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
    found: dict[str, set[int]] = {}
    for topic in topics:
        partitions = described.get(topic, {}).get("partitions") or []
        if not partitions:
            raise LookupError(f"topic {topic!r} does not exist (run `transparantie topics create`)")
        found[topic] = {p["partition"] for p in partitions}
    return found


async def follow(
    settings: Settings,
    topic: str,
    apply: Callable[[bytes | None, bytes | None], None],
    caught_up: asyncio.Event,
    stop: asyncio.Event | None = None,
) -> None:
    """Read a topic from the beginning and follow it until `stop` is set (or forever), handing
    each message's key and value to `apply`; `caught_up` is set once the end offsets as they
    were at the start are reached."""
    partitions = (await partitions_of(settings, [topic]))[topic]
    consumer = clients.consumer(settings)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        positions = {tp: 0 for tp in tps}
        while stop is None or not stop.is_set():
            batch = await consumer.getmany(timeout_ms=200)
            for tp, messages in batch.items():
                for message in messages:
                    apply(message.key, message.value)
                    positions[tp] = message.offset + 1
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
