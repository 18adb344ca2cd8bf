"""The dead-letter topic: read its records and send them back to their source topics.

`replay` sends each raw key and value back to its source topic and partition, unchanged, after
the cause was fixed; a message that is still bad is simply dead-lettered again, at a new offset
at the end of the topic. Replaying from an offset (`since_offset`) up to the end as it was when
the replay started never loops over its own re-rejections. The records and the plan are in
streams/service/deadletters.py.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from streams.codecs.avro import AvroCodec
from streams.codecs.wire import writer_schemas
from streams.kafka import clients
from streams.kafka.reader import read_to_end
from streams.kafka.registry import schema_gate
from streams.service.deadletters import DeadLetter, ReplayReport, plan, replayable
from streams.service.ports import DecodeError, InputMessage
from streams.settings import Settings


def decode_dead_letter(codec: AvroCodec, message: InputMessage) -> DeadLetter:
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
    writers = writer_schemas(settings)
    codec = AvroCodec("DeadLetter", settings.framing, writers)
    gate = schema_gate(settings, writers, give_up_after=30.0)
    topic = settings.topic_dead_letters
    found: list[DeadLetter] = []
    async for batch in read_to_end(settings, [topic], since=since_offset):
        await gate.prepare(m.value for m in batch)  # the writer schemas, before decoding
        for message in batch:
            with contextlib.suppress(DecodeError):
                found.append(decode_dead_letter(codec, message))
    return sorted(found, key=lambda d: d.offset)


async def replay(settings: Settings, since_offset: int = 0, dry_run: bool = False) -> ReplayReport:
    """Send the raw key and value of each dead letter from `since_offset` to the end (as it is
    now) back to its source topic and partition; return how many, per topic."""
    letters = await read_dead_letters(settings, since_offset)
    report = plan(letters, since_offset, dry_run)
    if dry_run or not report.replayed:
        return report
    producer = clients.producer(settings)
    try:  # stopped also when it fails to start: no unclosed client
        await producer.start()
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
