"""Faults under a steady stream; after each, the counts equal the expected table exactly.

`make chaos` runs every fault 10 times (CHAOS_ROUNDS=10); CI runs a reduced suite.
Convergence times go to .cache/chaos/results.jsonl and docs/reliability.md.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import pytest

from streams.devtools import broker
from streams.devtools.stack import Worker, cli, stack_env, wait_until
from tests.chaos.conftest import CHAOS_PORT, rounds
from tests.chaos.harness import (
    AS_OF,
    all_equal,
    cumulative,
    population,
    produce_in_background,
    record,
)
from tests.integration.live import explain_difference

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
CLIENTS_PER_ROUND = 600
RATE = 1500


def start_stack(bootstrap: str, tmp: Path, name: str) -> tuple[dict[str, str], list[Worker]]:
    env = stack_env(bootstrap, name, tmp, TRANSPARANTIE_AS_OF=AS_OF, TRANSPARANTIE_STORE="rocksdb")
    cli(env, "topics", "create")
    return env, []


def worker(env: dict[str, str], tmp: Path, name: str, port: int | None = None) -> Worker:
    """A worker with its own state folder and a stable identity (static group membership):
    a restart takes the same instance id and address, as a StatefulSet pod does."""
    own = {**env, "TRANSPARANTIE_DATA_DIR": str(tmp / name), "TRANSPARANTIE_INSTANCE_ID": name}
    return (
        Worker(own, tmp / f"{name}.log") if port is None else Worker(own, tmp / f"{name}.log", port)
    )


def converge(
    workers: list[Worker], expected: list[dict[str, Any]], since: float, fault: str, round_: int
) -> None:
    """Wait until every worker's /counts is exact; record the outcome either way."""
    try:
        wait_until(lambda: all_equal(workers, expected), 240, "every worker's /counts to be exact")
    except TimeoutError as failure:
        record(fault, round_, time.monotonic() - since, False)
        raise AssertionError(f"{failure}\n{explain_difference(workers, expected)}") from None
    record(fault, round_, time.monotonic() - since, True)


def test_kill_9_at_random_moments(chaos_broker: tuple[str, Path], tmp_path: Path) -> None:
    env, workers = start_stack(chaos_broker[0], tmp_path, "chaos-kill")
    names = ["a", "b"]
    workers = [worker(env, tmp_path, n).start() for n in names]
    done: list[Path] = []
    rng = random.Random(9)
    try:
        for w in workers:
            w.wait_ready()
        for r in range(rounds()):
            pop = population(tmp_path, r, CLIENTS_PER_ROUND)
            producer = produce_in_background(env, pop, RATE)
            time.sleep(rng.uniform(0.5, 3.0))
            victim = rng.randrange(len(workers))
            workers[victim].kill()
            killed = time.monotonic()
            port = workers[victim].port
            workers[victim] = worker(env, tmp_path, names[victim], port).start()
            assert producer.wait(300) == 0
            done.append(pop)
            converge(workers, cumulative(done), killed, "kill -9 a worker", r)
        assert json.loads(cli(env, "report", "--format", "json")) == cumulative(done)
    finally:
        for w in workers:
            w.stop()


def test_broker_stop_and_restart(chaos_broker: tuple[str, Path], tmp_path: Path) -> None:
    bootstrap, data_dir = chaos_broker
    env, _ = start_stack(bootstrap, tmp_path, "chaos-broker")
    workers = [worker(env, tmp_path, "a").start()]
    done: list[Path] = []
    try:
        workers[0].wait_ready()
        for r in range(max(1, rounds() // 2)):
            pop = population(tmp_path, 100 + r, CLIENTS_PER_ROUND)
            producer = produce_in_background(env, pop, RATE)
            assert producer.wait(300) == 0
            broker.stop(data_dir)
            stopped = time.monotonic()
            time.sleep(3)
            broker.start(port=CHAOS_PORT, data_dir=data_dir, wait_timeout=120)
            done.append(pop)
            converge(workers, cumulative(done), stopped, "stop and restart the broker", r)
        assert json.loads(cli(env, "report", "--format", "json")) == cumulative(done)
    finally:
        for w in workers:
            w.stop()


def test_scale_one_to_three_to_one(chaos_broker: tuple[str, Path], tmp_path: Path) -> None:
    env, _ = start_stack(chaos_broker[0], tmp_path, "chaos-scale")
    workers = [worker(env, tmp_path, "a").start()]
    done: list[Path] = []
    try:
        workers[0].wait_ready()
        for r in range(max(1, rounds() // 2)):
            pop = population(tmp_path, 200 + r, CLIENTS_PER_ROUND)
            producer = produce_in_background(env, pop, RATE)
            time.sleep(1)
            workers += [worker(env, tmp_path, f"extra-{r}-{i}").start() for i in range(2)]
            time.sleep(4)
            for extra in workers[1:]:
                extra.stop()
            scaled_in = time.monotonic()
            workers = workers[:1]
            assert producer.wait(300) == 0
            done.append(pop)
            converge(workers, cumulative(done), scaled_in, "scale 1 -> 3 -> 1 workers", r)
    finally:
        for w in workers:
            w.stop()


def test_duplicated_and_reordered_deliveries(
    chaos_broker: tuple[str, Path], tmp_path: Path
) -> None:
    env, _ = start_stack(chaos_broker[0], tmp_path, "chaos-dup")
    workers = [worker(env, tmp_path, "a").start()]
    try:
        workers[0].wait_ready()
        pop = population(tmp_path, 300, CLIENTS_PER_ROUND)
        files = sorted(pop.glob("*.avro"))
        started = time.monotonic()
        cli(env, "produce", *map(str, reversed(files)), "--no-progress")  # reordered
        cli(env, "produce", *map(str, files), "--no-progress")  # every event delivered twice
        converge(workers, cumulative([pop]), started, "duplicated and reordered deliveries", 0)
    finally:
        for w in workers:
            w.stop()
