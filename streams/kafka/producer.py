"""Publish the events of Avro container files to their input topics, keyed by client_id."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from streams.codecs.avro import AvroCodec
from streams.codecs.files import read_records
from streams.codecs.wire import writer_schemas
from streams.codecs.writers import WriterSchemas
from streams.kafka import clients
from streams.kafka.registry import input_outputs, schema_gate
from streams.settings import Settings


def messages(
    paths: Iterable[Path], settings: Settings, writers: WriterSchemas | None = None
) -> Iterator[tuple[str, bytes, bytes]]:
    """(topic, key, value) for every record of the files, in file order, in the configured
    framing (`confluent`: with the ids that `register_inputs` put into `writers`)."""
    writers = writers if writers is not None else writer_schemas(settings)
    codecs: dict[str, AvroCodec] = {}
    for path in paths:
        for name, record in read_records(path):
            codec = codecs.get(name) or codecs.setdefault(
                name, AvroCodec(name, settings.framing, writers)
            )
            yield (
                settings.topic_for_schema(name),
                record["client_id"].encode(),
                codec.encode(record),
            )


async def register_inputs(settings: Settings, writers: WriterSchemas) -> None:
    """FRAMING=confluent: register the event schemas under their topics' subjects
    (`<topic>-value`) and write with their ids; RegistryUnavailable after 30 s without."""
    gate = schema_gate(settings, writers, input_outputs(settings), give_up_after=30.0)
    await gate.ready_to_write()


async def publish(
    items: Iterable[tuple[str, bytes, bytes]],
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
        for topic, key, value in items:
            pending.append(await producer.send(topic, value=value, key=key))
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
