"""Faults under a steady stream; after each, the counts equal the expected table exactly. Then
the same faults with no input: from convergence on, every message of the counts topic and
every /counts answer of every worker must be the expected table (or, for /counts, a 503).

`make chaos` runs every fault 10 times (CHAOS_ROUNDS=10); CI runs a reduced suite.
Convergence times and the messages checked go to .cache/chaos/results.jsonl and
docs/reliability.md.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections.abc import Callable, Iterator
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
    record_published,
)
from tests.chaos.watch import CountsPoller, CountsTopicWatcher
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


@contextlib.contextmanager
def published_truth(
    watcher: CountsTopicWatcher,
    workers: Callable[[], list[Worker]],
    expected: list[dict[str, Any]],
    fault: str,
    round_: int,
) -> Iterator[None]:
    """While the block injects a fault with no input (and waits for convergence after it):
    every counts message published from the start and every /counts answer must be true."""
    since = watcher.mark()
    with CountsPoller(workers, expected) as poller:
        yield
        time.sleep(2.5)  # a republish of every report and row (2 s in the stack) after it
    messages = watcher.check(since, expected)
    record_published(fault, round_, messages, poller.verdict)
    assert not messages.false, f"false counts messages during {fault}: {messages.false[:5]}"
    assert not poller.verdict.false, f"false /counts during {fault}: {poller.verdict.false[:5]}"


def test_kill_9_at_random_moments(chaos_broker: tuple[str, Path], tmp_path: Path) -> None:
    env, workers = start_stack(chaos_broker[0], tmp_path, "chaos-kill")
    names = ["a", "b"]
    workers = [worker(env, tmp_path, n).start() for n in names]
    watcher = CountsTopicWatcher(env).start()
    done: list[Path] = []
    rng = random.Random(9)

    def restart(victim: int, how: Callable[[Worker], None]) -> float:
        how(workers[victim])
        at = time.monotonic()
        workers[victim] = worker(env, tmp_path, names[victim], workers[victim].port).start()
        return at

    try:
        for w in workers:
            w.wait_ready()
        for r in range(rounds()):
            pop = population(tmp_path, r, CLIENTS_PER_ROUND)
            producer = produce_in_background(env, pop, RATE)
            time.sleep(rng.uniform(0.5, 3.0))
            killed = restart(rng.randrange(len(workers)), Worker.kill)
            assert producer.wait(300) == 0
            done.append(pop)
            expected = cumulative(done)
            converge(workers, expected, killed, "kill -9 a worker", r)
            with published_truth(watcher, lambda: workers, expected, "kill -9, no input", r):
                killed = restart(rng.randrange(len(workers)), Worker.kill)
                converge(workers, expected, killed, "kill -9 a worker, no input", r)
            with published_truth(watcher, lambda: workers, expected, "graceful restart", r):
                stopped = restart(rng.randrange(len(workers)), Worker.stop)
                converge(workers, expected, stopped, "graceful restart, no input", r)
        assert json.loads(cli(env, "report", "--format", "json")) == cumulative(done)
    finally:
        watcher.stop()
        for w in workers:
            w.stop()


def test_broker_stop_and_restart(chaos_broker: tuple[str, Path], tmp_path: Path) -> None:
    bootstrap, data_dir = chaos_broker
    env, _ = start_stack(bootstrap, tmp_path, "chaos-broker")
    workers = [worker(env, tmp_path, "a").start()]
    watcher = CountsTopicWatcher(env).start()
    done: list[Path] = []
    try:
        workers[0].wait_ready()
        for r in range(max(1, rounds() // 2)):
            pop = population(tmp_path, 100 + r, CLIENTS_PER_ROUND)
            producer = produce_in_background(env, pop, RATE)
            assert producer.wait(300) == 0
            done.append(pop)
            expected = cumulative(done)
            converge(workers, expected, time.monotonic(), "the stream ends", r)
            with published_truth(watcher, lambda: workers, expected, "broker restart", r):
                broker.stop(data_dir)
                stopped = time.monotonic()
                time.sleep(3)
                broker.start(port=CHAOS_PORT, data_dir=data_dir, wait_timeout=120)
                converge(workers, expected, stopped, "stop and restart the broker", r)
        assert json.loads(cli(env, "report", "--format", "json")) == cumulative(done)
    finally:
        watcher.stop()
        for w in workers:
            w.stop()


def test_scale_one_to_three_to_one(chaos_broker: tuple[str, Path], tmp_path: Path) -> None:
    env, _ = start_stack(chaos_broker[0], tmp_path, "chaos-scale")
    workers = [worker(env, tmp_path, "a").start()]
    watcher = CountsTopicWatcher(env).start()
    done: list[Path] = []

    def scale_out(r: int, phase: str) -> None:
        workers.extend(worker(env, tmp_path, f"extra-{phase}-{r}-{i}").start() for i in range(2))

    def scale_in() -> float:
        for extra in workers[1:]:
            extra.stop()
        del workers[1:]
        return time.monotonic()

    try:
        workers[0].wait_ready()
        for r in range(max(1, rounds() // 2)):
            pop = population(tmp_path, 200 + r, CLIENTS_PER_ROUND)
            producer = produce_in_background(env, pop, RATE)
            time.sleep(1)
            scale_out(r, "busy")
            time.sleep(4)
            scaled_in = scale_in()
            assert producer.wait(300) == 0
            done.append(pop)
            expected = cumulative(done)
            converge(workers, expected, scaled_in, "scale 1 -> 3 -> 1 workers", r)
            with published_truth(watcher, lambda: list(workers), expected, "scale 1-3-1", r):
                scale_out(r, "quiet")
                for w in workers:
                    w.wait_ready(120)
                converge(workers, expected, time.monotonic(), "scale 1 -> 3, no input", r)
                converge(workers, expected, scale_in(), "scale 3 -> 1, no input", r)
    finally:
        watcher.stop()
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
