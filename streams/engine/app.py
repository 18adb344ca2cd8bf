"""The Faust app factory: topics, tables, agents and timers. Faust code only moves data."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import faust
from faust.serializers import codecs as faust_codecs

from streams.codecs import state as statecodec
from streams.engine.batching import (
    COMPACT_MEMORY_STORE,
    BatchHandler,
    BatchingConsumer,
    BatchingTransport,
    TableIO,
)
from streams.engine.metrics import Metrics
from streams.kafka.countsview import CountsView
from streams.kafka.topics import CLIENTS_TABLE, SUBTOTALS_TABLE, changelog_topic
from streams.service.reference import load_regions
from streams.service.runtime import Message, Runtime, tune_gc
from streams.settings import Settings

TP = faust.types.TP

log = logging.getLogger(__name__)


class ClientStateCodec(faust_codecs.Codec):
    """Faust codec for the values of the client table."""

    def _dumps(self, obj: Any) -> bytes:
        return statecodec.dumps(obj)

    def _loads(self, s: bytes) -> Any:
        return statecodec.loads(s)


faust_codecs.register("client_state", ClientStateCodec())


def faust_broker_url(bootstrap_servers: str) -> str:
    """'h1:9092,h2:9092' -> 'kafka://h1:9092;h2:9092'."""
    return "kafka://" + ";".join(s.strip() for s in bootstrap_servers.split(","))


class WorkerApp(faust.App):
    """A Faust app whose consumer hands the records of `batch_topics` to `batch_handler` a
    fetch at a time (streams/batching.py)."""

    batch_topics: frozenset[str] = frozenset()
    batch_handler: BatchHandler | None = None
    batch_recovery: frozenset[str] = frozenset()  # changelogs recovered a fetch at a time

    def _new_transport(self) -> Any:
        return BatchingTransport(self.conf.broker_consumer, self)


def create_app(settings: Settings | None = None) -> faust.App:
    """Build the worker app for the given settings (from the environment by default)."""
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = WorkerApp(
        settings.app_id,
        broker=faust_broker_url(settings.bootstrap_servers),
        store="rocksdb://" if settings.store == "rocksdb" else "memory://",
        datadir=str(settings.data_dir),
        web_host=settings.web_host,
        web_port=settings.web_port,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=False,  # `transparantie topics create` creates every topic
        topic_disable_leader=True,
        table_standby_replicas=0,
        consumer_auto_offset_reset="earliest",
        web_tables_enabled=False,  # table contents are personal data
        web_router_enabled=False,
        producer_acks=-1,
        producer_linger=0.005,
        # a killed worker's partitions move after this long without heartbeats; with a stable
        # INSTANCE_ID (static membership) a restarted worker takes them back at once
        broker_session_timeout=settings.session_timeout_seconds,
        broker_heartbeat_interval=max(1.0, settings.session_timeout_seconds / 5),
        consumer_group_instance_id=settings.instance_id,
        # the consumer hands over a fetch at a time (streams/batching.py); unbounded, a
        # catch-up fetch held 150 000 records and blocked the loop (web, timers) for 9 s
        broker_max_poll_records=10_000,
    )
    tune_gc()
    metrics = Metrics()
    runtime = Runtime(settings, load_regions(), metrics)
    app.runtime = runtime  # type: ignore[attr-defined]
    app.counts_view = CountsView(settings, runtime.regions)  # type: ignore[attr-defined]
    _wire_clients(app, settings, runtime)
    _wire_aggregator(app, settings, runtime)
    from streams.engine.web import register_views

    register_views(app, settings, runtime, metrics)
    return app


def _serialize_table(table: Any, key: str, value: str) -> None:
    # Faust derives a table's serializers from key_type/value_type (json unless a Record);
    # the changelog topic decodes with the `schema` given to the table, while the store and
    # the changelog producer read these attributes: set both, before the store is first used.
    table.key_serializer = key
    table.value_serializer = value


def _wire_clients(app: faust.App, settings: Settings, runtime: Runtime) -> None:
    input_topics = list(settings.event_topics())
    source = app.topic(*input_topics, key_serializer="raw", value_serializer="raw")
    clients = app.Table(
        CLIENTS_TABLE,
        default=None,
        partitions=settings.partitions,
        store=COMPACT_MEMORY_STORE if settings.store == "memory" else None,
        key_type=bytes,
        schema=faust.Schema(key_type=bytes, key_serializer="raw", value_serializer="client_state"),
    )
    _serialize_table(clients, key="raw", value="client_state")
    subtotals_topic = app.topic(
        settings.topic_subtotals, key_serializer="raw", value_serializer="raw", partitions=1
    )
    # RocksDB: the clients of the last 50 000-100 000 reads and writes stay decoded (~150 MB);
    # the memory store keeps every client as bytes, with no cache (docs/performance.md)
    table_io = TableIO(clients, cache_size=50_000 if settings.store == "rocksdb" else 0)

    async def send(topic: str, key: bytes | None, value: bytes, partition: int | None) -> Any:
        producer = app.producer._ensure_producer()  # type: ignore[attr-defined]
        return await producer.send(topic, value=value, key=key, partition=partition)

    async def apply(messages: list[Message]) -> None:
        batch = runtime.handle_batch(messages, table_io.get)
        await table_io.put_many(batch.changed.items(), send)
        for key, record in batch.dead_letters:
            await send(settings.topic_dead_letters, key, record, None)

    async def take_fetch(records: Mapping[TP, Sequence[Any]], generation: int) -> bool:
        await app.flow_control.acquire()  # suspended while a rebalance is under way
        await app.producer.buffer.wait_until_ebb()
        if generation != app.consumer_generation_id or not app.flow_control.is_active():
            return False  # fetched before a rebalance: Faust seeks back to the committed offsets
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
            await apply([(msg.topic, msg.partition, msg.offset, msg.timestamp, key, event.value)])

    def owned_input_partitions() -> set[int]:
        return {tp.partition for tp in app.assignor.assigned_actives() if tp.topic in input_topics}

    def rebuild_from_store() -> None:
        """The ledger of the owned partitions, recomputed from the client table."""
        partitions = owned_input_partitions()
        started = time.monotonic()
        try:
            runtime.rebuild(table_io.items(partitions), partitions)
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
        rebuild_from_store()

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]  # Faust types the signal loosely
    async def on_revoked(sender: Any, revoked: Any, **kwargs: Any) -> None:
        table_io.forget()  # another worker may change these clients before they come back
        runtime.revoke({tp.partition for tp in revoked if tp.topic in input_topics})

    async def publish(everything: bool = False) -> None:
        if not runtime.recovered:
            return
        for key, value in runtime.subtotal_messages(everything):
            await subtotals_topic.send(key=key, value=value)

    @app.timer(interval=0.1)
    async def publish_changed_subtotals() -> None:
        await publish()

    @app.timer(interval=settings.republish_interval_seconds)
    async def republish_all_subtotals() -> None:
        await publish(everything=True)

    def state_of(partition: int, client_id: str) -> Any:
        stored = table_io.get(partition, client_id.encode())
        return None if stored is None else stored.state

    @app.timer(interval=settings.clock_interval_seconds)
    async def clock() -> None:
        if runtime.recovered and not runtime.tick_clock(state_of):
            rebuild_from_store()
        _update_lag(app, runtime)


def _update_lag(app: faust.App, runtime: Runtime) -> None:
    for (topic, partition), position in runtime.positions.items():
        tp = faust.types.TP(topic, partition)
        try:
            highwater = app.consumer.highwater(tp)
        except Exception:  # the consumer may be rebalancing; try again at the next tick
            continue
        if highwater is not None:
            runtime.metrics.lag.labels(topic, str(partition)).set(max(0, highwater - position))


def _wire_aggregator(app: faust.App, settings: Settings, runtime: Runtime) -> None:
    source = app.topic(
        settings.topic_subtotals, key_serializer="raw", value_serializer="raw", partitions=1
    )
    latest = app.Table(
        SUBTOTALS_TABLE,
        default=None,
        partitions=1,
        key_type=bytes,
        value_type=bytes,
        schema=faust.Schema(
            key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
        ),
    )
    _serialize_table(latest, key="raw", value="raw")
    counts = app.topic(settings.topic_counts, key_serializer="raw", value_serializer="raw")

    async def publish_counts(force: bool = False) -> None:
        values = [v for v in latest.values() if v is not None]
        for key, value in runtime.counts_messages(values, force):
            await counts.send(key=key, value=value)

    @app.agent(source, name="aggregator")
    async def aggregate(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            latest[event.key] = event.value
            if stream.channel.empty():  # type: ignore[attr-defined]  # once per arrival burst
                await publish_counts()

    def owns_aggregator() -> bool:
        return any(tp.topic == settings.topic_subtotals for tp in app.assignor.assigned_actives())

    @latest.on_recover
    async def republish_counts() -> None:
        runtime.aggregator_owned = owns_aggregator()
        if runtime.aggregator_owned:
            await publish_counts(force=True)
        else:
            runtime.metrics.forget_regions()
            runtime.published.clear()

    @app.timer(interval=settings.clock_interval_seconds)
    async def refresh_day() -> None:
        # the day of counting is in every row: publish again when it moves
        if runtime.aggregator_owned:
            await publish_counts()

    @app.task
    async def follow_counts() -> None:
        await app.counts_view.run()  # type: ignore[attr-defined]
