"""The worker's batched write path without a broker: `Runtime.handle_batch` and `TableIO`.

A batch must fold every event from the client's in-batch latest state (so the ledger moves
the client from the right cell), and write each changed client once, to the store and the
changelog partition of the message that changed it: Faust's own path takes that partition
from `current_event()`, which a batch does not have.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from streams.codecs.avro import AvroCodec
from streams.codecs.events import event_to_record, schema_name_of
from streams.codecs.state import dumps
from streams.domain import Event, cell_of, classify
from streams.kafka.topics import CLIENTS_TABLE, changelog_topic
from streams.service.ports import StoredClient
from streams.service.runtime import Message
from streams.settings import Settings
from tests.factories import (
    DAY,
    counted_client_events,
    deregistration,
    make_runtime,
    regions,
    state_of,
    taaksoortvraag,
)


def settings(tmp_path: Path, store: str = "memory") -> Settings:
    return Settings(data_dir=tmp_path / "worker", store=store, as_of=DAY)  # type: ignore[arg-type]


def messages(s: Settings, events: list[Event], partition: dict[str, int]) -> list[Message]:
    """Input messages as the consumer hands them over: encoded, keyed, with offsets."""
    offsets: Counter[tuple[str, int]] = Counter()
    out: list[Message] = []
    for event in events:
        name = schema_name_of(event)
        topic, p = s.topic_for_schema(name), partition[event.client_id]
        value = AvroCodec(name, s.framing).encode(event_to_record(event))
        out.append((topic, p, offsets[(topic, p)], 1.0, event.client_id.encode(), value))
        offsets[(topic, p)] += 1
    return out


def counted_cells(states: dict[str, Any]) -> Counter[Any]:
    cells: Counter[Any] = Counter()
    for state in states.values():
        cell = cell_of(classify(state, DAY, regions()))
        if cell is not None:
            cells[cell] += 1
    return cells


def test_a_batch_folds_every_event_from_the_clients_in_batch_latest_state(
    tmp_path: Path,
) -> None:
    s = settings(tmp_path)
    k1 = [*counted_client_events("K1", at=1), deregistration("K1", at=2)]  # counted, then not
    k2 = [*counted_client_events("K2", at=1), taaksoortvraag("K2", at=3)]
    runtime = make_runtime(s)
    batch = runtime.handle_batch(
        messages(s, [*k1, *k2], {"K1": 3, "K2": 0}), lambda partition, key: None
    )
    assert batch.changed == {
        b"K1": StoredClient(3, state_of(k1)),
        b"K2": StoredClient(0, state_of(k2)),
    }
    assert batch.dead_letters == []
    assert runtime.ledger.totals() == counted_cells({"K2": state_of(k2)})
    assert sum(runtime.ledger.partitions[3].cells.values()) == 0  # K1 counted, then not
    assert +runtime.ledger.partitions[0].cells == counted_cells({"K2": state_of(k2)})
    assert runtime.dirty == {0, 3}


def test_one_batch_and_one_event_at_a_time_give_the_same_states_and_ledger(
    tmp_path: Path,
) -> None:
    s = settings(tmp_path)
    events = [
        *counted_client_events("K1", at=5, with_profile=True),
        deregistration("K1", at=3),  # older than the registration: stale
        *counted_client_events("K2", at=1),
        deregistration("K2", at=9),
        *counted_client_events("K1", at=5),  # same time, later event ids: applied again
    ]
    part = {"K1": 1, "K2": 2}
    one_batch = make_runtime(s)
    batch = one_batch.handle_batch(messages(s, events, part), lambda partition, key: None)
    singles = make_runtime(s)
    store: dict[bytes, StoredClient] = {}
    for message in messages(s, events, part):
        single = singles.handle_batch([message], lambda partition, key: store.get(key))
        store.update(single.changed)
    assert batch.changed == store
    assert one_batch.ledger.totals() == singles.ledger.totals()
    assert one_batch.positions == singles.positions


def test_a_stored_client_is_read_once_per_batch_from_its_partition(tmp_path: Path) -> None:
    s = settings(tmp_path)
    before = counted_client_events("K1", at=1)
    stored = {b"K1": StoredClient(2, state_of(before))}
    reads: list[tuple[int, bytes]] = []

    def get(partition: int, key: bytes) -> StoredClient | None:
        reads.append((partition, key))
        return stored.get(key)

    runtime = make_runtime(s)
    runtime.rebuild(stored.items(), {2}, 1)
    events = [deregistration("K1", at=2), taaksoortvraag("K1", at=3)]
    batch = runtime.handle_batch(messages(s, events, {"K1": 2}), get)
    assert reads == [(2, b"K1")]
    assert batch.changed[b"K1"] == StoredClient(2, state_of(events, state_of(before)))
    assert runtime.ledger.totals() == Counter()  # moved out of its cell, once


def test_undecodable_input_becomes_a_dead_letter_and_still_moves_the_position(
    tmp_path: Path,
) -> None:
    s = settings(tmp_path)
    runtime = make_runtime(s)
    bad: Message = (s.topic_registrations, 1, 41, None, b"K9", b"\xff\xfe")
    batch = runtime.handle_batch([bad], lambda partition, key: None)
    assert batch.changed == {}
    assert [key for key, _ in batch.dead_letters] == [b"K9"]
    assert runtime.positions == {(s.topic_registrations, 1): 42}


class Sent(NamedTuple):
    topic: str
    key: bytes | None
    value: bytes
    partition: int | None


class Metadata(NamedTuple):
    offset: int


@pytest.mark.parametrize("store", ["memory", "rocksdb"])
async def test_each_client_is_written_to_the_store_and_changelog_of_its_own_partition(
    tmp_path: Path, store: str, restore_gc: None
) -> None:
    from streams.engine.app import create_app
    from streams.engine.internals import CompactMemoryStore, TableIO

    s = settings(tmp_path, store)
    app = create_app(s)
    table = app.tables[CLIENTS_TABLE]
    io = TableIO(table)
    sent: list[Sent] = []

    async def send(topic: str, key: bytes | None, value: bytes, partition: int | None) -> Any:
        sent.append(Sent(topic, key, value, partition))
        future: asyncio.Future[Metadata] = asyncio.get_running_loop().create_future()
        future.set_result(Metadata(offset=len(sent) * 10))
        return future

    changed = {
        b"K1": StoredClient(2, state_of(counted_client_events("K1"))),
        b"K2": StoredClient(0, state_of(counted_client_events("K2"))),
        b"K3": StoredClient(2, state_of([deregistration("K3")])),
    }
    await io.put_many(changed.items(), send)
    await asyncio.sleep(0)  # the persisted-offset callbacks
    topic = changelog_topic(s, CLIENTS_TABLE)
    assert sent == [Sent(topic, k, dumps(v), v.partition) for k, v in changed.items()]
    for key, value in changed.items():
        assert io.get(value.partition, key) == value
        assert table.get(key) == value  # Faust's own read path decodes the same bytes
    assert dict(io.items({0, 2})) == changed  # what the ledger is rebuilt from
    assert dict(io.items({2})) == {k: v for k, v in changed.items() if v.partition == 2}
    data = table.data
    if store == "memory":
        assert dict(table.items()) == changed  # as the ledger rebuild reads them
        assert isinstance(data, CompactMemoryStore)
        assert data._key_partition == {b"K1": 2, b"K2": 0, b"K3": 2}  # dropped when revoked
        assert data.data[b"K1"] == dumps(changed[b"K1"])  # the changelog's bytes, ~0.5 KB
    else:
        assert data._db_for_partition(0).get(b"K1") is None
        assert data._db_for_partition(2).get(b"K1") == dumps(changed[b"K1"])
        assert data._db_for_partition(2).get(b"K2") is None
        # recovery of a RocksDB partition resumes after its last changelog record
        assert data.persisted_offset(_tp(topic, 2)) == 30
        assert data.persisted_offset(_tp(topic, 0)) == 20


def _tp(topic: str, partition: int) -> Any:
    from faust.types import TP

    return TP(topic, partition)


def test_observing_many_latencies_at_once_fills_the_same_buckets_as_one_at_a_time() -> None:
    from prometheus_client import CollectorRegistry, Histogram

    from streams.engine.metrics import LATENCY_BUCKETS, observe_all

    values = [0.0, 0.01, 0.0100001, 0.3, 1.0, 7.5, 600.0, 601.0, 0.2, 0.2]
    one, many = (
        Histogram(name, "", buckets=LATENCY_BUCKETS, registry=CollectorRegistry())
        for name in ("one", "many")
    )
    for value in values:
        one.observe(value)
    observe_all(many, values)
    samples = [
        [(s.name[len(h._name) :], s.labels, s.value) for s in h.collect()[0].samples
         if not s.name.endswith("_created")]
        for h in (one, many)
    ]  # fmt: skip
    assert samples[0] == samples[1]


@pytest.mark.parametrize("store", ["memory", "rocksdb"])
async def test_the_decoded_cache_follows_every_write_and_is_emptied_on_request(
    tmp_path: Path, store: str, restore_gc: None
) -> None:
    from streams.engine.app import create_app
    from streams.engine.internals import TableIO

    app = create_app(settings(tmp_path, store))
    table = app.tables[CLIENTS_TABLE]
    io = TableIO(table, cache_size=2)  # two generations of at most two entries

    async def send(topic: str, key: bytes | None, value: bytes, partition: int | None) -> Any:
        future: asyncio.Future[Metadata] = asyncio.get_running_loop().create_future()
        future.set_result(Metadata(offset=0))
        return future

    first = StoredClient(1, state_of(counted_client_events("K1")))
    second = StoredClient(1, state_of([deregistration("K1")]))
    await io.put_many([(b"K1", first)], send)
    assert io.get(1, b"K1") == first
    await io.put_many([(b"K1", second)], send)
    assert io.get(1, b"K1") is second  # the written state itself, from the cache
    # the cache never answers for another partition: RocksDB keeps a store per partition, the
    # memory store one dict for all
    assert io.get(0, b"K1") == (None if store == "rocksdb" else second)
    for n in range(6):  # more clients than the cache holds: K1 ages out, and is read again
        await io.put_many([(f"X{n}".encode(), StoredClient(1, state_of([])))], send)
    assert io.get(1, b"K1") == second and io.get(1, b"K1") is not second
    # a state restored under the cache (recovery) is read once the cache is emptied
    restored = StoredClient(1, state_of(counted_client_events("K1", at=9)))
    await TableIO(table).put_many([(b"K1", restored)], send)  # not through this cache
    assert io.get(1, b"K1") == second
    io.forget()
    assert io.get(1, b"K1") == restored


def test_a_client_table_it_cannot_read_leaves_the_runtime_not_ready(tmp_path: Path) -> None:
    s = settings(tmp_path)
    runtime = make_runtime(s)
    good = StoredClient(1, state_of(counted_client_events("K1")))
    runtime.rebuild(iter([(b"K1", good)]), {1}, 1)
    assert runtime.recovered and runtime.metrics.ready._value.get() == 1

    def unreadable() -> Iterator[tuple[bytes, StoredClient]]:
        yield b"K1", good
        raise ValueError("unknown client state format None")

    with pytest.raises(ValueError, match="unknown client state format"):
        runtime.rebuild(unreadable(), {1}, 1)
    assert not runtime.recovered and runtime.metrics.ready._value.get() == 0
