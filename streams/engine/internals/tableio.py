"""The client table read and written for explicit partitions, and a compact memory store.

Faust's `Table.__setitem__` and the RocksDB store pick the partition from `current_event()`,
which does not exist on the batching path: every changelog record and store write goes to the
partition of the message that changed the client (`StoredClient.partition`), as Faust's own
path would.
"""

from __future__ import annotations

import asyncio
from collections.abc import (
    Awaitable,
    Callable,
    Collection,
    ItemsView,
    Iterable,
    Iterator,
    ValuesView,
)
from functools import partial
from typing import Any

from faust.stores import STORES
from faust.stores import memory as memory_store
from faust.types import TP
from rocksdict import WriteBatch

from streams.codecs import state as statecodec
from streams.service.ports import StoredClient

#: Sends one record (topic, key, value, partition) without waiting for the broker; the future
#: resolves to its RecordMetadata (aiokafka's `AIOKafkaProducer.send`).
Send = Callable[[str, bytes | None, bytes, int | None], Awaitable["asyncio.Future[Any]"]]


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
            offset_key = store.offset_key  # where the store keeps its changelog offset
            for partition in partitions:
                # the database's own iterator, not Faust's generator around it (one layer
                # of Python per client less, a million times after a recovery)
                for key, raw in store._db_for_partition(partition).items():
                    if key != offset_key:
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
