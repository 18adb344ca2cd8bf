"""The history topic: a read model of the daily snapshots (for /history, report and the
publication), and writing snapshots to it.

The topic is compacted and keyed by peildatum: the latest snapshot of a day replaces the ones
before it (a restated day), and every day is kept (no retention by time).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from datetime import date, datetime

from streams.codecs.history import SnapshotCodec, snapshot_key
from streams.codecs.wire import writer_schemas
from streams.codecs.writers import WriterSchemas
from streams.kafka import clients
from streams.kafka.reader import follow, read_once
from streams.kafka.registry import history_outputs, schema_gate
from streams.service.history import Snapshot
from streams.service.ports import DecodeError
from streams.service.schemas import SchemaGate
from streams.settings import Settings


class HistoryView:
    """Consumes the whole history topic (no consumer group): the latest snapshot per day."""

    def __init__(
        self,
        settings: Settings,
        writers: WriterSchemas | None = None,
        schemas: SchemaGate | None = None,
    ) -> None:
        self.settings = settings
        writers = writers if writers is not None else writer_schemas(settings)
        self.codec = SnapshotCodec(settings.framing, writers)
        # a command gives up on an unreachable registry after 30 s; the worker hands in its own
        self.schemas = schemas or schema_gate(settings, writers, give_up_after=30.0)
        self.by_day: dict[date, Snapshot] = {}
        self.caught_up = asyncio.Event()

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        """Take one message of the history topic (a tombstone deletes its day)."""
        if key is None:
            return
        if value is None:
            with contextlib.suppress(ValueError):  # a key that is no day names nothing to drop
                self.by_day.pop(date.fromisoformat(key.decode()), None)
            return
        try:
            snapshot = self.codec.decode(value)
        except DecodeError:
            return  # not a snapshot: nothing the history can show
        self.by_day[snapshot.peildatum] = snapshot

    def snapshots(self, first: date | None = None, last: date | None = None) -> list[Snapshot]:
        """The snapshots from `first` to `last` (both included; None: unbounded), by day."""
        return [
            self.by_day[day]
            for day in sorted(self.by_day)
            if (first is None or day >= first) and (last is None or day <= last)
        ]

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Read the topic from the beginning and follow it until `stop` is set (or forever)."""
        topic = self.settings.topic_history
        await follow(self.settings, topic, self.apply, self.caught_up, stop, self.schemas.prepare)

    async def read_once(self, timeout: float = 30.0) -> HistoryView:
        """Read the topic up to its current end, then stop."""
        what = f"the history topic {self.settings.topic_history!r}"
        await read_once(self.run, self.caught_up, what, timeout)
        return self


async def read_snapshots(
    settings: Settings, first: date | None = None, last: date | None = None, timeout: float = 30.0
) -> list[Snapshot]:
    """The snapshots of the history topic from `first` to `last` (both included; None:
    unbounded), one per day (the latest written), in day order."""
    view = await HistoryView(settings).read_once(timeout)
    return view.snapshots(first, last)


async def write_snapshots(
    settings: Settings, snapshots: Iterable[Snapshot], made_at: datetime | None = None
) -> int:
    """Append snapshots to the history topic (each replaces its day); return how many.
    FRAMING=confluent: HistorySnapshot is registered first (RegistryUnavailable after 30 s)."""
    writers = writer_schemas(settings)
    gate = schema_gate(settings, writers, history_outputs(settings), give_up_after=30.0)
    await gate.ready_to_write()
    codec = SnapshotCodec(settings.framing, writers)
    producer = clients.producer(settings)
    await producer.start()
    sent = []
    try:
        for snapshot in snapshots:
            value = codec.encode(snapshot, made_at)
            key = snapshot_key(snapshot.peildatum)
            sent.append(await producer.send(settings.topic_history, key=key, value=value))
        await asyncio.gather(*sent)  # raises when a snapshot was not delivered
    finally:
        await producer.stop()
    return len(sent)
