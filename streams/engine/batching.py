"""Whole fetches for the client agent: Faust's consumer hands each fetch of the input topics to
one function, instead of one Event per record.

Why: Faust's per-record path (consumer -> conductor -> channel queue -> stream -> ack, with
sensors at every step) costs about 120 µs of CPU per record on our machine before any work is
done, a ceiling of about 8 000 events/s; the work itself takes about 25 µs (docs/performance.md).

What stays Faust's: group membership and partition assignment, flow control during
rebalances, offset commits (Faust flushes the producer before it commits), the table with its
changelog, standby and recovery, timers, the web server. What this module changes:

- `BatchingConsumer._drain_messages` takes the records of one fetch; those of the batch
  topics go, per fetch, to `batch_handler`, the rest (the subtotals topic of the aggregator)
  to Faust's usual per-message path;
- the handler acks the offsets itself (`ack_offsets`) after the batch's changelog records are
  in the producer buffer, so a commit never covers a change that is not in the changelog;
- `TableIO` reads and writes the client table for an explicit partition. Faust's
  `Table.__setitem__` and the RocksDB store pick the partition from `current_event()`, which
  does not exist here: every changelog record and store write goes to the partition of the
  message that changed the client (`StoredClient.partition`), as Faust's own path would.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import (
    Awaitable,
    Callable,
    Collection,
    ItemsView,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
    ValuesView,
)
from functools import partial
from time import monotonic
from typing import Any, NamedTuple

from faust.stores import STORES
from faust.stores import memory as memory_store
from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP
from faust.types.tuples import ack_lock
from faust.utils.tracing import finish_span
from mode.utils.futures import notify
from rocksdict import WriteBatch

from streams.codecs import state as statecodec
from streams.codecs.state import StoredClient

#: Sends one record (topic, key, value, partition) without waiting for the broker; the future
#: resolves to its RecordMetadata (aiokafka's `AIOKafkaProducer.send`).
Send = Callable[[str, bytes | None, bytes, int | None], Awaitable["asyncio.Future[Any]"]]

#: Takes {tp: [aiokafka ConsumerRecord]} of one fetch and the consumer generation it was
#: fetched in; returns False when it dropped the batch (rebalance), True when it took it.
BatchHandler = Callable[[Mapping[TP, Sequence[Any]], int], Awaitable[bool]]


class _ChangelogMessage(NamedTuple):
    """What the stores' `apply_changelog_batch` reads of a changelog message."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    tp: TP


class _ChangelogEvent(NamedTuple):
    """A changelog event of a table whose key and value serializers are raw."""

    key: bytes | None
    value: bytes | None
    message: _ChangelogMessage


class _InFlight:
    """A batch being processed, among the consumer's unacked messages."""

    acked = False
    refcount = 1

    def __repr__(self) -> str:
        return "<batch in flight>"


class _ConsumerThread(aiokafka_driver.AIOKafkaConsumerThread):
    """Faust's consumer thread, with fetches that wait for some data. Faust asks the broker to
    answer a fetch as soon as it has one byte: at a moderate rate (2 000 events/s) the
    consumer then sends fetch after fetch for a few records each, and encoding and decoding
    them took most of a core; now a fetch waits for 64 KiB or 50 ms, whichever comes first."""

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_min_bytes = FETCH_MIN_BYTES
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS
        return consumer


FETCH_MIN_BYTES = 64 * 1024
FETCH_MAX_WAIT_MS = 50


class BatchingConsumer(aiokafka_driver.Consumer):
    """Faust's aiokafka consumer, handing the records of the app's `batch_topics` to its
    `batch_handler` a fetch at a time (Faust's per-message path when the app has none)."""

    def _new_consumer_thread(self) -> aiokafka_driver.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    @contextlib.contextmanager
    def in_flight(self) -> Iterator[None]:
        """While a batch is processed: a rebalance or a shutdown (`Consumer.wait_empty`, which
        waits for every unacked message) waits for it too."""
        token: Any = _InFlight()
        self._unacked_messages.add(token)
        try:
            yield
        finally:
            token.acked = True
            self._unacked_messages.discard(token)
            notify(self._waiting_for_ack)

    def ack_offsets(self, tp: TP, offsets: Iterable[int]) -> None:
        """Mark processed offsets as acked, in bulk (what `Consumer.ack` does per message)."""
        with ack_lock:
            committed = self._committed_offset[tp]
            acked_index = self._acked_index[tp]
            new = [
                o for o in offsets
                if (committed is None or o >= committed) and o not in acked_index
            ]  # fmt: skip
            acked_index.update(new)
            self._acked[tp].extend(new)
            self._n_acked += len(new)
        notify(self._waiting_for_ack)

    async def _drain_messages(self, fetcher: Any) -> None:  # pragma: no cover - needs a broker
        handler: BatchHandler | None = getattr(self.app, "batch_handler", None)
        if handler is None:
            return await super()._drain_messages(fetcher)
        batch_topics: frozenset[str] = self.app.batch_topics  # type: ignore[attr-defined]
        recover_topics: frozenset[str] = self.app.batch_recovery  # type: ignore[attr-defined]
        callback = self.callback
        consumer_should_stop = self._stopped.is_set
        fetcher_should_stop = fetcher._stopped.is_set
        read_offset = self._read_offset
        acks_enabled_for = self.app.topics.acks_enabled_for
        monitor = self.app.monitor
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                self.diag.set_flag(CONSUMER_FETCHING)
                records, active = await self._wait_next_records(1.0)
                generation = self.app.consumer_generation_id
                await self.sleep(0)
                if records is None or self.should_stop:
                    continue
                if not self.flow_active:
                    # as Faust's getmany: a rebalance started, go back to the committed offsets
                    with contextlib.suppress(Exception):
                        await self.perform_seek()
                    continue
                batch: dict[TP, Sequence[Any]] = {}
                others: list[tuple[TP, Sequence[Any]]] = []
                for tp, recs in records.items():
                    if not (active is None or tp in active or tp in self._buffered_partitions):
                        continue
                    last = read_offset[tp]
                    if last is not None:  # as Faust: skip what was read before
                        recs = [r for r in recs if r.offset >= last]
                    if not recs:
                        continue
                    monitor.track_tp_end_offset(tp, self.highwater(tp))  # Faust does it per record
                    if acks_enabled_for(tp.topic):
                        await self._add_gaps(tp, last, recs)
                    if tp.topic in batch_topics:
                        batch[tp] = recs
                    elif tp.topic in recover_topics and self._recover(tp, recs):
                        read_offset[tp] = recs[-1].offset
                    else:
                        others.append((tp, recs))
                if batch and await handler(batch, generation):
                    now = monotonic()
                    for tp, taken in batch.items():
                        read_offset[tp] = taken[-1].offset
                        monitor.stream_inbound_time[tp] = now  # Faust's livelock detector
                    await self._maybe_commit_every()
                for tp, rest in others:  # Faust's own per-message path
                    for record in rest:
                        if generation != self.app.consumer_generation_id or not self.flow_active:
                            break
                        await self._maybe_commit_every()
                        message = self._to_message(tp, record)
                        await self.wait_first(callback(message), self.suspend_flow.wait())
                        read_offset[tp] = record.offset
                self.diag.unset_flag(CONSUMER_FETCHING)
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                self.log.info("Broker stopped consumer, shutting down...")
                return
            raise
        except Exception as exc:
            self.log.exception("Drain messages raised: %r", exc)
            raise
        finally:
            self.diag.unset_flag(CONSUMER_FETCHING)

    def _recover(self, tp: TP, recs: Sequence[Any]) -> bool:
        """What Faust's `Recovery._slurp_changelogs` does per changelog event (about 100 µs
        each: a queue, a timeout and the end-of-recovery test per event), for a whole fetch;
        False when the partition is not being recovered (Faust's path takes it)."""
        recovery: Any = self.app.tables.recovery  # type: ignore[attr-defined]
        now = monotonic()
        if tp in recovery.active_tps:
            offsets, received = recovery.active_offsets, recovery._active_events_received_at
            standby = False
        elif tp in recovery.standby_tps:
            offsets, received = recovery.standby_offsets, recovery._standby_events_received_at
            standby = True
        else:
            return False
        table = recovery.tp_to_table[tp]
        received[tp] = now
        seen = offsets.get(tp)
        fresh = [r for r in recs if seen is None or r.offset > seen]
        if fresh:
            buffer = recovery.buffers[table]
            topic, partition = tp.topic, tp.partition
            buffer.extend(
                _ChangelogEvent(r.key, r.value, _ChangelogMessage(topic, partition, r.offset,
                                                                  r.key, r.value, tp))
                for r in fresh
            )  # fmt: skip
            offsets[tp] = fresh[-1].offset
            if len(buffer) >= (
                table.standby_buffer_size if standby else table.recovery_buffer_size
            ):
                table.apply_changelog_batch(buffer)
                buffer.clear()
                recovery._last_flush_at = now
        # the end of `_slurp_changelogs`' loop, once per fetch instead of once per event
        if recovery.in_recovery and not recovery.need_recovery():
            recovery.flush_buffers()
            recovery._set_recovery_ended()
            if recovery._actives_span is not None:
                recovery._actives_span.set_tag("Actives-Ready", True)
            recovery.signal_recovery_end.set()
        standby_ready = recovery._standbys_span is None and recovery.tables.standbys_ready
        if not standby_ready and not recovery.standby_remaining_total():
            if recovery._standbys_span:
                finish_span(recovery._standbys_span)
                recovery._standbys_span = None
            recovery.tables.on_standbys_ready()
        return True

    async def _add_gaps(self, tp: TP, last: int | None, recs: Sequence[Any]) -> None:
        # offsets that will never come (compaction, transaction markers) must not hold back
        # the commit: Faust records them as gaps, per message; the same, per fetch
        for record in recs:
            offset = record.offset
            if last and offset - last > 1:
                await self._add_gap(tp, last + 1, offset)
            last = offset

    async def _maybe_commit_every(self) -> None:
        commit_every = self._commit_every
        if commit_every is not None and self._n_acked >= commit_every:
            self._n_acked = 0
            await self.commit()


class BatchingTransport(aiokafka_driver.Transport):
    """Faust's aiokafka transport with the batching consumer."""

    Consumer = BatchingConsumer


class CompactMemoryStore(memory_store.Store):  # type: ignore[type-arg]
    """Faust's memory store, keeping each value as its changelog bytes and decoding it when
    read: a client takes about 0.7 KB instead of about 1.5 KB as Python objects, and recovery
    copies the changelog's bytes without decoding them."""

    def __getitem__(self, key: Any) -> Any:
        return self._decode_value(self.data[key])

    def __setitem__(self, key: Any, value: Any) -> None:
        self.data[key] = self._encode_value(value)

    def items(self) -> ItemsView[Any, Any]:
        return ItemsView(self)

    def values(self) -> ValuesView[Any]:
        return ValuesView(self)

    def _create_batch_iterator(
        self,
        mark_as_delete: Callable[[Any], None],
        to_key: Callable[[Any], Any],
        to_value: Callable[[Any], Any],
        batch: Iterable[Any],
    ) -> Iterator[tuple[Any, Any]]:
        for event in batch:
            key = to_key(event.key)
            value = event.message.value
            if value is None:  # a tombstone: deleted after the batch
                mark_as_delete(key)
            self._key_partition[key] = event.message.partition
            yield key, value


#: (a yarl URL without host or path is false, and Faust's Table then takes the app's store)
COMPACT_MEMORY_STORE = "compact-memory://clients"
STORES.aliases["compact-memory"] = f"{__name__}:CompactMemoryStore"


class TableIO:
    """The client table (memory or RocksDB store) read and written for explicit partitions.

    With `cache_size`, the states of the clients read or written last (between `cache_size`
    and twice as many) are kept decoded: a client's events come in bursts, and a read from
    the cache saves the store read and the decoding (about 13 µs with RocksDB). Every write
    goes through `put_many`, which updates the cache; `forget` empties it whenever the store
    changes under it (a rebalance, a recovery)."""

    def __init__(self, table: Any, cache_size: int = 0) -> None:
        self.table = table
        self.cache_size = cache_size
        self._young: dict[bytes, StoredClient] = {}
        self._old: dict[bytes, StoredClient] = {}

    def forget(self) -> None:
        """Empty the cache (partitions were revoked or recovered)."""
        self._young = {}
        self._old = {}

    def _remember(self, key: bytes, value: StoredClient) -> None:
        young = self._young
        young[key] = value
        if len(young) >= self.cache_size:  # the old generation is dropped, the young ages
            self._old = young
            self._young = {}

    def get(self, partition: int, key: bytes) -> StoredClient | None:
        """The stored client, from the store of `partition` (None when unknown)."""
        if self.cache_size:
            cached = self._young.get(key) or self._old.get(key)
            if cached is not None and cached.partition == partition:
                self._remember(key, cached)
                return cached
        store = self.table.data
        if isinstance(store, CompactMemoryStore):
            raw = store.data.get(key)
        elif isinstance(store, memory_store.Store):
            value: StoredClient | None = store.data.get(key)
            return value
        else:
            raw = store._db_for_partition(partition).get(key)
        if raw is None:
            return None
        stored = statecodec.loads(raw)
        if self.cache_size:
            self._remember(key, stored)
        return stored

    def items(self, partitions: Collection[int]) -> Iterator[tuple[bytes, StoredClient]]:
        """The stored clients of the given partitions, read straight from the store (Faust's
        `Table.items()` decodes through its serializer registry, and the memory store's
        through `__getitem__`): for rebuilding the ledger."""
        store = self.table.data
        loads = statecodec.loads
        if isinstance(store, CompactMemoryStore):
            where = store._key_partition
            for key, raw in store.data.items():
                if raw is not None and where.get(key) in partitions:
                    yield key, loads(raw)
        elif isinstance(store, memory_store.Store):
            for key, value in store.data.items():
                if value is not None and value.partition in partitions:
                    yield key, value
        else:
            for partition in partitions:
                for key, raw in store._visible_items(store._db_for_partition(partition)):
                    yield key, loads(raw)

    async def put_many(self, changed: Iterable[tuple[bytes, StoredClient]], send: Send) -> None:
        """Write each client's new state to the store of its partition and send it to the
        changelog partition of the same number: one record per client. A RocksDB partition's
        persisted offset (where its recovery resumes) follows its last record."""
        table = self.table
        store = table.data
        topic = table.changelog_topic.get_topic_name()
        in_memory = isinstance(store, memory_store.Store)
        compact = isinstance(store, CompactMemoryStore)
        records = []
        writes: dict[int, Any] = {}  # RocksDB: one write batch per partition
        # every store write before the first await: a timer that reads the table between two
        # sends (the clock's re-evaluation) sees the states the ledger already counts
        for key, stored in changed:
            partition = stored.partition
            raw = statecodec.dumps(stored)
            if in_memory:
                store.data[key] = raw if compact else stored
                store._key_partition[key] = partition
            else:
                write = writes.get(partition)
                if write is None:
                    write = writes[partition] = WriteBatch(raw_mode=True)
                write.put(key, raw)
                store._key_index[key] = partition
            records.append((key, raw, partition))
            if self.cache_size:
                self._remember(key, stored)
        for partition, write in writes.items():
            store._db_for_partition(partition).write(write)
        last: dict[int, asyncio.Future[Any]] = {}
        for key, raw, partition in records:
            last[partition] = await send(topic, key, raw, partition)
        if not in_memory:
            for partition, sent in last.items():
                sent.add_done_callback(partial(_persist_offset, store, TP(topic, partition)))


def _persist_offset(store: Any, tp: TP, sent: asyncio.Future[Any]) -> None:
    if not sent.cancelled() and sent.exception() is None:
        store.set_persisted_offset(tp, sent.result().offset)
