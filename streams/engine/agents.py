"""The worker's agents, tables and timers: they only move data between Kafka and the service layer.

Clients: the four input topics, a fetch at a time, into the changelogged client table and the
ledger (streams/service/runtime.py); subtotal reports out. The aggregator is in
streams/engine/aggregator.py. Each topic has one publisher (streams/engine/publishing.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import faust

from streams.engine.internals import (
    COMPACT_MEMORY_STORE,
    BatchingConsumer,
    TableIO,
    WorkerApp,
    forget_recovery_end,
    recovery_is_current,
    send_raw,
)
from streams.engine.publishing import Publisher
from streams.engine.worker import Worker
from streams.kafka.reader import committed_offsets
from streams.kafka.topics import CLIENTS_TABLE, changelog_topic
from streams.service.runtime import DayChange, Message

TP = faust.types.TP
#: Seconds a recovery waits for the group's committed offsets (the subtotals' provenance).
COMMITTED_OFFSETS_TIMEOUT = 10.0

log = logging.getLogger(__name__)

#: RocksDB options of both tables. Faust's default write buffer is 64 MiB per partition: with
#: five partition stores the worker's memory rose by 230 MiB before the first flush and fell
#: back (`make soak`, docs/reliability.md), a sawtooth as tall as a leak would look within
#: hours at moderate rates (alert WorkerMemoryGrowing). 16 MiB keeps it a quarter as tall.
ROCKSDB_OPTIONS = {"write_buffer_size": 16 * 1024 * 1024}


def serialize_table(table: Any, key: str, value: str) -> None:
    # Faust derives a table's serializers from key_type/value_type (json unless a Record);
    # the changelog topic decodes with the `schema` given to the table, while the store and
    # the changelog producer read these attributes: set both, before the store is first used.
    table.key_serializer = key
    table.value_serializer = value


def wire_clients(app: faust.App, worker: Worker) -> None:
    """The clients agent: input fetches -> client table + ledger; subtotals and clock timers."""
    settings, runtime = worker.settings, worker.runtime
    input_topics = list(settings.event_topics())
    source = app.topic(*input_topics, key_serializer="raw", value_serializer="raw")
    clients = app.Table(
        CLIENTS_TABLE,
        default=None,
        partitions=settings.partitions,
        store=COMPACT_MEMORY_STORE if settings.store == "memory" else None,
        options=dict(ROCKSDB_OPTIONS),
        key_type=bytes,
        schema=faust.Schema(key_type=bytes, key_serializer="raw", value_serializer="client_state"),
    )
    serialize_table(clients, key="raw", value="client_state")
    # RocksDB: the clients of the last 50 000-100 000 reads and writes stay decoded (~150 MB);
    # the memory store keeps every client as bytes, with no cache (docs/performance.md)
    table_io = TableIO(clients, cache_size=50_000 if settings.store == "rocksdb" else 0)
    app.table_io = table_io  # type: ignore[attr-defined]  # for the explain view

    async def send(topic: str, key: bytes | None, value: bytes, partition: int | None) -> Any:
        return await send_raw(app, topic, key, value, partition)

    async def apply(messages: list[Message]) -> None:
        batch = runtime.handle_batch(messages, table_io.get)
        await table_io.put_many(batch.changed.items(), send)
        for key, record in batch.dead_letters:
            await send(settings.topic_dead_letters, key, record, None)

    gate = worker.schemas

    async def take_fetch(records: Mapping[TP, Sequence[Any]], generation: int) -> bool:
        await app.flow_control.acquire()  # suspended while a rebalance is under way
        await app.producer.buffer.wait_until_ebb()

        def wanted() -> bool:  # fetched before a rebalance: Faust seeks back to the commit
            return (
                generation == app.consumer_generation_id
                and app.flow_control.is_active()
                and not app.should_stop
            )

        if not wanted():
            return False
        if gate.needs_registry:
            # the runtime decodes synchronously: every writer schema of the fetch is fetched
            # first; while the registry is away the fetch waits here, unacked (SchemaGate)
            values = [r.value for recs in records.values() for r in recs]
            if not (await gate.ready_to_write(wanted) and await gate.prepare(values, wanted)):
                return False
        consumer = app.consumer
        assert isinstance(consumer, BatchingConsumer)
        with consumer.in_flight():  # a rebalance waits until the batch is in the changelog
            await apply([
                (tp.topic, tp.partition, r.offset, r.timestamp / 1000 if r.timestamp else None,
                 r.key, r.value)
                for tp, recs in records.items() for r in recs
            ])  # fmt: skip
            for tp, recs in records.items():
                consumer.ack_offsets(tp, [r.offset for r in recs])
        return True

    if isinstance(app, WorkerApp):
        app.batch_topics = frozenset(input_topics)
        app.batch_handler = take_fetch
        # raw keys and values, in a store that reads them raw (RocksDB, compact memory)
        app.batch_recovery = frozenset({changelog_topic(settings, CLIENTS_TABLE)})

    @app.agent(source, name="clients")
    async def process(stream: faust.StreamT[bytes]) -> None:
        # the consumer hands the input records to take_fetch; events reach this stream only
        # when the consumer does not batch, and take the same path one at a time
        async for event in stream.events():
            msg = event.message
            key = event.key if isinstance(event.key, bytes) else None
            await gate.ready_to_write()
            await gate.prepare([event.value])
            await apply([(msg.topic, msg.partition, msg.offset, msg.timestamp, key, event.value)])

    def owned_input_partitions() -> set[int]:
        return {tp.partition for tp in app.assignor.assigned_actives() if tp.topic in input_topics}

    def rebuild_from_store() -> None:
        """The ledger of the owned partitions, recomputed from the client table."""
        partitions = owned_input_partitions()
        started = time.monotonic()
        try:
            runtime.rebuild(table_io.items(partitions), partitions, app.consumer_generation_id)
        except ValueError as exc:  # a state this version cannot read; the worker stays not ready
            log.critical(
                "cannot read the client table of partitions %s (%s): this worker stays not ready;"
                " see docs/runbook.md, WorkerNotReady", sorted(partitions), exc,
            )  # fmt: skip
            return
        log.info(
            "ledger rebuilt for partitions %s in %.2f s", sorted(partitions),
            time.monotonic() - started,
        )  # fmt: skip

    @clients.on_recover
    async def rebuild_ledger() -> None:
        table_io.forget()  # the store was restored under the cache
        if not recovery_is_current(app):  # a newer assignment's recovery calls again
            log.info("a recovery that was superseded or did not read every changelog to its"
                     " end: the ledger waits for the next one")  # fmt: skip
            return
        # no await before the rebuild: Faust may resume the input already, and a batch
        # handled between the two would be in the ledger but not yet in the table it reads
        rebuild_from_store()
        await resume_positions()

    async def resume_positions() -> None:
        """The positions the recovered state reflects: where reading resumes (the group's
        committed offsets), the provenance of the subtotals until messages move them (a
        message handled meanwhile already set its partition's real position)."""
        tps = [(t, p) for t in input_topics for p in sorted(owned_input_partitions())]
        try:
            # bounded: recovery waits for this, and a busy coordinator must not hold it up
            lookup = committed_offsets(settings, settings.app_id, tps)
            runtime.resume_at(await asyncio.wait_for(lookup, COMMITTED_OFFSETS_TIMEOUT))
        except Exception as exc:  # the snapshot of this day may then not be provable
            log.warning(
                "could not read the committed input offsets (%s: %s): until a message arrives,"
                " the subtotals of partitions %s carry no provenance", type(exc).__name__, exc,
                sorted({p for _, p in tps}),
            )  # fmt: skip

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]  # Faust types the signal loosely
    async def on_revoked(sender: Any, revoked: Any, **kwargs: Any) -> None:
        forget_recovery_end(app)  # the next recovery must read its changelogs to the end
        table_io.forget()  # another worker may change these clients before they come back
        runtime.revoke({tp.partition for tp in revoked if tp.topic in input_topics})

    async def send_report(key: bytes, value: bytes) -> Any:
        return await send(settings.topic_subtotals, key, value, None)

    reports = Publisher(settings.topic_subtotals, send_report, runtime.resend)

    @app.timer(interval=0.1)
    async def publish_changed_subtotals() -> None:
        await reports.publish(runtime.subtotal_messages)

    @app.timer(interval=settings.republish_interval_seconds)
    async def republish_all_subtotals() -> None:
        await reports.publish(lambda: runtime.subtotal_messages(everything=True))

    def state_of(partition: int, client_id: str) -> Any:
        stored = table_io.get(partition, client_id.encode())
        return None if stored is None else stored.state

    @app.timer(interval=settings.clock_interval_seconds)
    async def clock() -> None:
        if runtime.recovered and runtime.tick_clock(state_of) is DayChange.EARLIER:
            rebuild_from_store()
        _update_lag(app, worker)


def _update_lag(app: faust.App, worker: Worker) -> None:
    for (topic, partition), position in worker.runtime.positions.items():
        tp = TP(topic, partition)
        try:
            highwater = app.consumer.highwater(tp)
        except Exception:  # the consumer may be rebalancing; try again at the next tick
            continue
        if highwater is not None:
            worker.metrics.lag.labels(topic, str(partition)).set(max(0, highwater - position))
