"""The client table's changelog on the real broker, as the batched write path leaves it.

Every record must sit in the partition of its client's input messages (a record in another
partition is restored into the wrong partition's state after a rebalance: counted twice, or
lost), and a worker must get the exact subtotals back from the changelog alone (fresh state
folder, RocksDB and memory store) and from its own RocksDB after a restart.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from streams.codecs.state import loads
from streams.devtools.stack import (
    Worker,
    cli,
    get_json,
    load_expected,
    metrics,
    stack_env,
    wait_until,
)
from streams.kafka.partitioning import partition_of
from streams.kafka.reader import read_to_end
from streams.service.ports import InputMessage
from streams.settings import Settings
from tests.integration.live import converged

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
AS_OF = "2026-11-29"
PARTITIONS = 4
COLUMNS = {
    ("gemeente", "ja"): "gemeente_met_profiel",
    ("gemeente", "nee"): "gemeente_zonder_profiel",
    ("uwv", "ja"): "uwv_met_profiel",
    ("uwv", "nee"): "uwv_zonder_profiel",
}


def read_topic(bootstrap: str, topic: str) -> list[InputMessage]:
    async def read() -> list[InputMessage]:
        return [
            m
            async for batch in read_to_end(Settings(bootstrap_servers=bootstrap), [topic])
            for m in batch
        ]

    return asyncio.run(read())


def ledger_of(worker: Worker) -> tuple[set[str], Counter[tuple[str, str]]]:
    """The partitions in the worker's subtotal metrics, and its counted clients per cell."""
    partitions: set[str] = set()
    cells: Counter[tuple[str, str]] = Counter()
    for sample in metrics.samples(worker.metrics(), "transparantie_clients"):
        labels = sample.labels
        partitions.add(labels["partition"])
        column = COLUMNS[(labels["client_type"], labels["profiel"])]
        cells[(labels["regio"], column)] += int(sample.value)
    return partitions, +cells


def expected_cells(expected: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    cells: Counter[tuple[str, str]] = Counter()
    for row in expected:
        if row["regio_code"] != "NL":
            for column in COLUMNS.values():
                cells[(row["regio_code"], column)] += row[column]
    return +cells


def test_the_changelog_holds_every_client_in_its_partition_and_restores_the_exact_counts(
    kafka_broker: str, tmp_path: Path
) -> None:
    population = tmp_path / "population"
    cli({}, "generate", "--clients", "2500", "--seed", "23", "--out", str(population),
        "--as-of", AS_OF, "--no-progress")  # fmt: skip
    expected = load_expected(population)
    env = stack_env(kafka_broker, "changelog", tmp_path, TRANSPARANTIE_AS_OF=AS_OF,
                    TRANSPARANTIE_STORE="rocksdb")  # fmt: skip
    cli(env, "topics", "create")

    def worker(name: str, store: str = "rocksdb") -> Worker:
        own = {**env, "TRANSPARANTIE_DATA_DIR": str(tmp_path / name),
               "TRANSPARANTIE_STORE": store}  # fmt: skip
        return Worker(own, tmp_path / f"{name}.log")

    def restores_exactly(w: Worker) -> None:
        w.wait_ready()
        want = expected_cells(expected)
        wait_until(lambda: ledger_of(w) == ({"0", "1", "2", "3"}, want), 60,
                   f"the recovered ledger of {w.log_path.name} to equal expected.json")  # fmt: skip
        wait_until(lambda: converged(w, expected), 60, "/counts to equal expected.json")

    first = worker("first").start()
    try:
        first.wait_ready()
        cli(env, "produce", str(population), "--no-progress")
        wait_until(lambda: converged(first, expected), 120, "/counts to equal expected.json")
        assert get_json(f"{first.url}/readyz")["ready"]
    finally:
        first.stop()

    records = read_topic(kafka_broker, "t-changelog-clients-changelog")
    assert records, "no changelog records"
    for record in records:
        assert record.key is not None and record.value is not None
        assert record.partition == partition_of(record.key, PARTITIONS), record.key
        assert loads(record.value).partition == record.partition
    assert len({r.key for r in records}) == 2500  # every client, once at least

    for store in ("rocksdb", "memory"):  # from the changelog alone
        fresh = worker(f"fresh-{store}", store).start()
        try:
            restores_exactly(fresh)
        finally:
            fresh.stop()
    again = worker("first").start()  # from its own RocksDB
    try:
        restores_exactly(again)
    finally:
        again.stop()


def test_a_state_it_cannot_read_keeps_the_worker_not_ready_with_a_clear_log_line(
    kafka_broker: str, tmp_path: Path
) -> None:
    # as a development build once wrote them: no format version
    env = stack_env(kafka_broker, "unreadable", tmp_path)
    cli(env, "topics", "create")

    async def write_old_state() -> None:
        from aiokafka import AIOKafkaProducer

        producer = AIOKafkaProducer(bootstrap_servers=kafka_broker, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(
                "t-unreadable-clients-changelog", key=b"K1",
                value=b'{"partition":0,"state":{"registration":null}}', partition=0,
            )  # fmt: skip
        finally:
            await producer.stop()

    asyncio.run(write_old_state())
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        wait_until(
            lambda: "cannot read the client table" in worker.log_tail(200), 90,
            "the log line on the unreadable state",
        )  # fmt: skip
        assert "unknown client state format None" in worker.log_tail(200)
        assert worker.alive() and not worker.ready()
        assert get_json(f"{worker.url}/readyz").get("ready") is False
    finally:
        worker.stop()
