"""The worker's two Faust agents driven with `agent.test_context()`: no broker, memory stores.

What is tested here is the agents' own wiring: a message in, the table, the ledger and the
messages out. Partitioning, rebalancing, recovery and the changelog on a broker are the
real-broker tests' (tests/integration/).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, NamedTuple

import faust

from streams.codecs.avro import AvroCodec
from streams.codecs.events import event_to_record, schema_name_of
from streams.codecs.state import loads
from streams.domain import Event
from streams.engine.app import create_app
from streams.kafka.topics import CLIENTS_TABLE, changelog_topic
from streams.settings import Settings
from tests.factories import (
    AMSTERDAM_REGIO,
    DAY,
    GRONINGEN,
    GRONINGEN_REGIO,
    counted_client_events,
    make_runtime,
    registration,
    state_of,
)


class Sent(NamedTuple):
    topic: str
    key: bytes | None
    value: bytes
    partition: int | None


class Metadata(NamedTuple):
    topic: str
    partition: int
    offset: int


class FakeProducer:
    """Stands in for aiokafka's producer under Faust's: records what is sent, acks at once."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []

    async def send(
        self, topic: str, value: bytes, key: bytes | None = None, partition: int | None = None,
        **kwargs: Any,
    ) -> asyncio.Future[Metadata]:  # fmt: skip
        self.sent.append(Sent(topic, key, value, partition))
        future: asyncio.Future[Metadata] = asyncio.get_running_loop().create_future()
        future.set_result(Metadata(topic, partition or 0, len(self.sent)))
        return future

    async def faust_send(
        self, topic: str, key: bytes | None, value: bytes, partition: int | None, *args: Any,
        **kwargs: Any,
    ) -> asyncio.Future[Metadata]:  # fmt: skip
        """Faust's `Producer.send` (key before value, all positional)."""
        return await self.send(topic, value, key=key, partition=partition)

    def to(self, topic: str) -> list[Sent]:
        return [s for s in self.sent if s.topic == topic]


def make_app(tmp_path: Path) -> tuple[faust.App, Settings, FakeProducer]:
    s = Settings(data_dir=tmp_path / "worker", store="memory", as_of=DAY)  # type: ignore[arg-type]
    app = create_app(s)
    producer = FakeProducer()
    # both paths to the producer: Faust's own (topic.send, table changelogs) and the worker's
    app.producer._producer = producer  # type: ignore[attr-defined]
    app.producer.send = producer.faust_send  # type: ignore[method-assign]

    async def started() -> Any:  # Faust starts its producer on a topic's first send
        return app.producer

    app.maybe_start_producer = started  # type: ignore[method-assign]
    return app, s, producer


def encoded(s: Settings, event: Event) -> tuple[str, bytes]:
    name = schema_name_of(event)
    return s.topic_for_schema(name), AvroCodec(name, s.framing).encode(event_to_record(event))


async def test_the_clients_agent_folds_stores_counts_and_changelogs_each_event(
    tmp_path: Path, restore_gc: None
) -> None:
    app, s, producer = make_app(tmp_path)
    agent = app.agents["clients"]
    runtime = app.worker.runtime  # type: ignore[attr-defined]
    events = counted_client_events("K1")
    async with agent.test_context() as tested:
        for event in events:
            topic, value = encoded(s, event)
            # the agent reads one of four topics; the wrapper names the message's topic
            tested._get_strtopic = lambda channel, topic=topic: topic
            await tested.put(key=b"K1", value=value, partition=2)
        topic, value = encoded(s, registration("K1"))
        tested._get_strtopic = lambda channel: topic
        await tested.put(key=b"K2", value=value, partition=2)  # keyed by another client

    stored = loads(app.tables[CLIENTS_TABLE].data.data[b"K1"])
    assert stored.partition == 2 and stored.state == state_of(events)
    assert sum(runtime.ledger.partitions[2].cells.values()) == 1
    changelog = producer.to(changelog_topic(s, CLIENTS_TABLE))
    assert [(c.key, c.partition) for c in changelog] == [(b"K1", 2)] * len(events)
    assert loads(changelog[-1].value) == stored
    (dead,) = producer.to(s.topic_dead_letters)
    record = AvroCodec("DeadLetter", s.framing).decode(dead.value)
    assert record["error_class"] == "KeyMismatch" and record["partition"] == 2


async def test_the_aggregator_agent_publishes_the_rows_once_every_partition_has_reported(
    tmp_path: Path, restore_gc: None
) -> None:
    app, s, producer = make_app(tmp_path)
    # the clients side of a worker that owns every partition: two of them hold a client
    source = make_runtime(s)
    store: dict[bytes, Any] = {}
    for partition, events in ((0, counted_client_events("K1")),
                              (1, counted_client_events("K2", gemeente=GRONINGEN))):  # fmt: skip
        messages = []
        for offset, event in enumerate(events):
            topic, value = encoded(s, event)
            messages.append((topic, partition, offset, 1.0, event.client_id.encode(), value))
        store.update(source.handle_batch(messages, lambda partition, key: store.get(key)).changed)
    source.rebuild(iter(store.items()), set(range(s.partitions)), app.consumer_generation_id)
    subtotals = source.subtotal_messages(everything=True)
    assert [key for key, _ in subtotals] == [b"0", b"1", b"2", b"3"]

    app.worker.aggregator.own()  # type: ignore[attr-defined]  # what the recovery callback does
    agent = app.agents["aggregator"]
    async with agent.test_context() as tested:
        for key, value in subtotals[:-1]:
            await tested.put(key=key, value=value)
        assert producer.to(s.topic_counts) == []  # three of four partitions: nothing yet
        await tested.put(key=subtotals[-1][0], value=subtotals[-1][1])

    codec = AvroCodec("RegionCounts", s.framing)
    rows = {m.key: codec.decode(m.value) for m in producer.to(s.topic_counts)}  # latest per key
    assert rows[b"NL"]["totaal"] == 2
    assert rows[AMSTERDAM_REGIO.encode()]["totaal"] == 1
    assert rows[GRONINGEN_REGIO.encode()]["totaal"] == 1
    assert len(rows) == 37 and all(row["as_of"] == DAY for row in rows.values())  # 35, ONBEKEND, NL
