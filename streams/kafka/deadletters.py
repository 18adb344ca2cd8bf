"""The dead-letter topic: list its records (without their personal data) and replay them.

A dead letter (schema `DeadLetter`) holds a rejected input message whole: the source topic,
partition and offset, the error class, the reason, and the raw key and value. The key and
value hold client ids, so `list` shows only their sizes, never the bytes or anything decoded
from them. `replay` sends each raw key and value back to its source topic and partition,
unchanged, after the cause was fixed; a message that is still bad is simply dead-lettered
again, at a new offset at the end of the topic. Replaying from an offset (`since_offset`)
up to the end as it was when the replay started never loops over its own re-rejections.

Both read with a plain consumer (no consumer group, nothing committed), from the beginning
of the topic to its end offsets at the moment of reading (`read_to_end`, which
`streams.reconcile` uses for the input topics too).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from streams.codecs.avro import AvroCodec, DecodeError
from streams.settings import Settings

#: The longest reason shown in the text table (JSON carries it whole).
REASON_WIDTH = 80


class RawMessage(NamedTuple):
    """One message read from a topic (a NamedTuple: millions are made by reconcile)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


async def read_to_end(
    bootstrap_servers: str,
    topics: Sequence[str],
    start: Mapping[tuple[str, int], int] | None = None,
    since: int = 0,
) -> AsyncIterator[list[RawMessage]]:
    """Batches of the topics' messages up to their end offsets as they are when reading starts.

    Each partition is read from `start[(topic, partition)]` when given, else from offset
    `since` (0: the beginning). Plain consumer: no group, no commits."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        tps: list[Any] = []
        for topic in topics:
            partitions = await _partitions_of(consumer, topic)
            tps += [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return
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
                RawMessage(tp.topic, tp.partition, m.offset, m.key, m.value)
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


async def require_topics(bootstrap_servers: str, topics: Sequence[str]) -> None:
    """Raise LookupError naming the first topic that does not exist."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=None)
    await consumer.start()
    try:
        for topic in topics:
            await _partitions_of(consumer, topic)
    finally:
        with contextlib.suppress(Exception):
            await consumer.stop()


async def _partitions_of(consumer: Any, topic: str) -> set[int]:
    """The partitions of a topic; fail clearly when the topic does not exist."""
    partitions: set[int] | None = consumer.partitions_for_topic(topic)
    if not partitions:
        await consumer._client.force_metadata_update()  # a fresh consumer may not know it yet
        partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        raise LookupError(f"topic {topic!r} does not exist (run `transparantie topics create`)")
    return partitions


@dataclass(frozen=True, slots=True)
class DeadLetterInfo:
    """What `list` shows of one dead letter: everything except the raw bytes."""

    offset: int  # in the dead-letter topic
    source_topic: str
    source_partition: int
    source_offset: int
    error_class: str
    reason: str
    dead_lettered_at: str  # ISO 8601, UTC
    key_bytes: int | None  # size of the raw key (None: no key)
    value_bytes: int | None  # size of the raw value (None: no value)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A decoded dead letter, with the raw key and value (personal data: never print these)."""

    offset: int
    source_topic: str
    source_partition: int
    source_offset: int
    key: bytes | None
    value: bytes | None
    error_class: str
    reason: str
    dead_lettered_at: int  # epoch millis

    def info(self) -> DeadLetterInfo:
        """The printable part."""
        at = datetime.fromtimestamp(self.dead_lettered_at / 1000, UTC)
        return DeadLetterInfo(
            self.offset, self.source_topic, self.source_partition, self.source_offset,
            self.error_class, self.reason, at.isoformat(timespec="milliseconds"),
            None if self.key is None else len(self.key),
            None if self.value is None else len(self.value),
        )  # fmt: skip


def decode_dead_letter(codec: AvroCodec, message: RawMessage) -> DeadLetter:
    """A dead letter from a message of the dead-letter topic; DecodeError when it is not one."""
    r = codec.decode(message.value)
    try:
        return DeadLetter(
            message.offset, r["source_topic"], r["partition"], r["offset"], r["key"], r["value"],
            r["error_class"], r["reason"], r["dead_lettered_at"],
        )  # fmt: skip
    except KeyError as exc:
        raise DecodeError(f"DeadLetter record lacks field {exc}") from exc


async def read_dead_letters(settings: Settings, since_offset: int = 0) -> list[DeadLetter]:
    """The dead letters from `since_offset` to the current end of the topic, in offset order
    (the topic has one partition; with more, `since_offset` applies to each).

    Messages of the dead-letter topic that are not DeadLetter records are skipped (the worker
    writes nothing else there)."""
    codec = AvroCodec("DeadLetter", settings.framing)
    topic = settings.topic_dead_letters
    found: list[DeadLetter] = []
    async for batch in read_to_end(settings.bootstrap_servers, [topic], since=since_offset):
        for message in batch:
            with contextlib.suppress(DecodeError):
                found.append(decode_dead_letter(codec, message))
    return sorted(found, key=lambda d: d.offset)


def render_list(infos: Sequence[DeadLetterInfo], fmt: str) -> str:
    """The dead letters as a text table or as JSON (one object per dead letter)."""
    if fmt == "json":
        return json.dumps([asdict(i) for i in infos], indent=2) + "\n"
    headers = ("offset", "source", "error_class", "reason", "dead_lettered_at", "key", "value")

    def size(n: int | None) -> str:
        return "-" if n is None else f"{n} B"

    def short(reason: str) -> str:
        return reason if len(reason) <= REASON_WIDTH else reason[: REASON_WIDTH - 1] + "…"

    rows = [
        (
            str(i.offset),
            f"{i.source_topic}[{i.source_partition}]@{i.source_offset}",
            i.error_class,
            short(i.reason),
            i.dead_lettered_at,
            size(i.key_bytes),
            size(i.value_bytes),
        )
        for i in infos
    ]
    widths = [max([len(h)] + [len(r[c]) for r in rows]) for c, h in enumerate(headers)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
             for line in (headers, *rows)]  # fmt: skip
    return "\n".join(lines) + f"\n{len(infos)} dead letter(s)\n"


@dataclass(frozen=True, slots=True)
class ReplayReport:
    """What a replay did (or would do, in a dry run)."""

    replayed: int
    by_topic: Counter[str]
    first_offset: int | None  # dead-letter offsets replayed: first..last
    last_offset: int | None
    next_since_offset: int  # replay from here next time: never re-reads this run's re-rejects
    dry_run: bool
    skipped: int = 0  # dead letters without a value: nothing worth sending


def replayable(letter: DeadLetter) -> bool:
    """Only a dead letter with a value can be accepted when sent again: one without is a
    tombstone (never an event) or a message too large to keep whole (replay it from its
    source topic, partition and offset)."""
    return letter.value is not None


def plan(letters: Iterable[DeadLetter], since_offset: int, dry_run: bool = True) -> ReplayReport:
    """The report of a replay of `letters`."""
    every = list(letters)
    chosen = [d for d in every if replayable(d)]
    offsets = [d.offset for d in chosen]
    return ReplayReport(
        len(chosen), Counter(d.source_topic for d in chosen),
        min(offsets, default=None), max(offsets, default=None),
        max((d.offset for d in every), default=since_offset - 1) + 1, dry_run,
        len(every) - len(chosen),
    )  # fmt: skip


async def replay(settings: Settings, since_offset: int = 0, dry_run: bool = False) -> ReplayReport:
    """Send the raw key and value of each dead letter from `since_offset` to the end (as it is
    now) back to its source topic and partition; return how many, per topic."""
    letters = await read_dead_letters(settings, since_offset)
    report = plan(letters, since_offset, dry_run)
    if dry_run or not report.replayed:
        return report
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers, acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        partitions: dict[str, set[int]] = {}
        sent: list[asyncio.Future[Any]] = []
        for d in filter(replayable, letters):
            if d.source_topic not in partitions:
                known = await producer.partitions_for(d.source_topic)
                partitions[d.source_topic] = set(known or ())
            # the original partition keeps the client's events together even when the producer
            # that wrote it partitions differently; the key decides when the partition is gone
            target = (
                d.source_partition if d.source_partition in partitions[d.source_topic] else None
            )
            sent.append(
                await producer.send(d.source_topic, key=d.key, value=d.value, partition=target)
            )
        await asyncio.gather(*sent)  # raises when a message was not delivered
    finally:
        await producer.stop()
    return report


def render_replay(report: ReplayReport) -> str:
    """A short text report of a replay."""
    verb = "would replay" if report.dry_run else "replayed"
    if not report.replayed:
        return f"{verb} 0 dead letters (none from offset {report.next_since_offset})\n"
    lines = [
        f"{verb} {report.replayed} dead letter(s), dead-letter offsets "
        f"{report.first_offset}..{report.last_offset}:"
    ]
    lines += [f"  {n:>8}  {topic}" for topic, n in sorted(report.by_topic.items())]
    if report.skipped:
        lines.append(
            f"  skipped {report.skipped} without a value (a tombstone, or too large to keep:"
            " see the source topic, partition and offset in `list`)"
        )
    if not report.dry_run:
        lines.append(
            "Messages that are still bad are dead-lettered again at new offsets; to replay only "
            f"what arrives after this run, use --since-offset {report.next_since_offset}."
        )
    return "\n".join(lines) + "\n"
