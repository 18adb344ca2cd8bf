"""Publish the events of Avro container files to their input topics, keyed by client_id."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from streams.codecs.avro import AvroCodec
from streams.codecs.files import read_known_at, read_records
from streams.codecs.wire import writer_schemas
from streams.codecs.writers import WriterSchemas
from streams.kafka import clients
from streams.kafka.registry import input_outputs, schema_gate
from streams.settings import Settings

#: (topic, key, value), and the Kafka timestamp in epoch millis (None: the time of sending).
Message = tuple[str, bytes, bytes]
TimedMessage = tuple[str, bytes, bytes, int | None]


def messages(
    paths: Iterable[Path], settings: Settings, writers: WriterSchemas | None = None
) -> Iterator[Message]:
    """(topic, key, value) for every record of the files, in file order, in the configured
    framing (`confluent`: with the ids that `register_inputs` put into `writers`)."""
    for topic, key, value, _ in timed_messages(paths, settings, writers, timestamps=False):
        yield topic, key, value


def timed_messages(
    paths: Iterable[Path],
    settings: Settings,
    writers: WriterSchemas | None = None,
    timestamps: bool = True,
) -> Iterator[TimedMessage]:
    """(topic, key, value, timestamp) for every record of the files, as `messages`; the
    timestamp is when the record became known (the file's X.known_at) when there is one and
    `timestamps`, but never later than now (the broker refuses a timestamp far ahead)."""
    writers = writers if writers is not None else writer_schemas(settings)
    codecs: dict[str, AvroCodec] = {}
    now = int(time.time() * 1000)
    for path in paths:
        stamps = read_known_at(path) if timestamps else None
        for i, (name, record) in enumerate(read_records(path)):
            codec = codecs.get(name) or codecs.setdefault(
                name, AvroCodec(name, settings.framing, writers)
            )
            if stamps is not None and i >= len(stamps):
                raise ValueError(f"{path} has more records than timestamps beside it")
            at = None if stamps is None else min(stamps[i], now)
            yield (
                settings.topic_for_schema(name),
                record["client_id"].encode(),
                codec.encode(record),
                at,
            )


async def register_inputs(settings: Settings, writers: WriterSchemas) -> None:
    """FRAMING=confluent: register the event schemas under their topics' subjects
    (`<topic>-value`) and write with their ids; RegistryUnavailable after 30 s without."""
    gate = schema_gate(settings, writers, input_outputs(settings), give_up_after=30.0)
    await gate.ready_to_write()


async def publish(
    items: Iterable[Message | TimedMessage],
    settings: Settings,
    rate: float | None = None,
    progress: Any = None,
    writers: WriterSchemas | None = None,
) -> int:
    """Send every message (at most `rate` per second when given); return how many were sent.
    With `writers` (those of `messages`), the event schemas are registered first."""
    if writers is not None:
        await register_inputs(settings, writers)
    producer = clients.producer(settings, linger_ms=20, max_batch_size=256 * 1024)
    sent = 0
    started = time.monotonic()
    pending: list[asyncio.Future[Any]] = []
    try:  # stopped also when it fails to start: no unclosed client
        await producer.start()
        for item in items:
            topic, key, value = item[0], item[1], item[2]
            at = item[3] if len(item) == 4 else None
            pending.append(await producer.send(topic, value=value, key=key, timestamp_ms=at))
            sent += 1
            if progress is not None:
                progress.update(1)
            if len(pending) >= 10_000:
                await asyncio.gather(*pending)
                pending.clear()
            if rate:
                ahead = sent / rate - (time.monotonic() - started)
                if ahead > 0:
                    await asyncio.sleep(ahead)
        await asyncio.gather(*pending)
        await producer.flush()
    finally:
        await producer.stop()
    return sent
