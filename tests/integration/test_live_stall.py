"""A worker that notices when it is stuck: the broker frozen (SIGSTOP of its JVM) mid-stream.

Frozen, the broker answers nothing and the worker looks idle from the inside. /readyz must
fail within the stale time and /healthz within the stall time, each saying why; thawed
(SIGCONT), the worker must rejoin and catch up by itself, with exact counts. The broker is
this test's own (the session broker is shared by the other tests); the timings are generous.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from streams.devtools import broker
from streams.devtools.stack import (
    Worker,
    cli,
    free_port,
    get_json,
    load_expected,
    stack_env,
    wait_until,
)
from tests.chaos.harness import add_tables, produce_in_background
from tests.integration.live import converged

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
AS_OF = "2026-11-29"
STALE, STALL = 4, 12
STUCK_LINE = "/healthz fails until it makes progress"


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A broker for this test alone: (bootstrap, data dir)."""
    data = tmp_path / "broker"
    port, controller = free_port(), free_port()
    broker.start(port=port, data_dir=data, wait_timeout=120, controller_port=controller)
    try:
        yield f"{broker.HOST}:{port}", data
    finally:
        pid = broker.status(data).pid
        if pid is not None:
            os.kill(pid, signal.SIGCONT)  # a frozen JVM cannot stop
        broker.stop(data)
        shutil.rmtree(data, ignore_errors=True)


def population(tmp_path: Path, name: str, clients: int, seed: int) -> Path:
    out = tmp_path / name
    cli({}, "generate", "--clients", str(clients), "--seed", str(seed), "--out", str(out),
        "--as-of", AS_OF, "--no-progress")  # fmt: skip
    return out


def log_of(tmp_path: Path) -> str:
    return (tmp_path / "worker.log").read_text(errors="replace")


def answer(url: str) -> dict[str, Any]:
    body: dict[str, Any] = get_json(url)
    return body


def test_a_frozen_broker_fails_readiness_then_liveness_and_thawed_the_worker_recovers_exactly(
    own_broker: tuple[str, Path], tmp_path: Path
) -> None:
    bootstrap, broker_data = own_broker
    env = stack_env(bootstrap, "freeze", tmp_path, TRANSPARANTIE_AS_OF=AS_OF,
                    TRANSPARANTIE_STORE="rocksdb", TRANSPARANTIE_INSTANCE_ID="frozen",
                    TRANSPARANTIE_STALE_SECONDS=str(STALE),
                    TRANSPARANTIE_STALL_SECONDS=str(STALL))  # fmt: skip
    cli(env, "topics", "create")
    first, second = population(tmp_path, "p1", 1000, 51), population(tmp_path, "p2", 2000, 52)
    worker = Worker(env, tmp_path / "worker.log").start()
    producer = None
    try:
        worker.wait_ready()
        cli(env, "produce", str(first), "--no-progress")
        wait_until(lambda: converged(worker, load_expected(first)), 120, "the first counts")
        assert answer(f"{worker.url}/healthz") == {"status": "ok"}

        producer = produce_in_background(env, second, rate=1000)  # about 15 s of events
        time.sleep(3)
        jvm = broker.status(broker_data).pid
        assert jvm is not None
        os.kill(jvm, signal.SIGSTOP)
        frozen_at = time.monotonic()
        try:
            not_ready = wait_until(
                lambda: (r := answer(f"{worker.url}/readyz"))["ready"] is False and r, 60,
                "/readyz to fail while the broker is frozen",
            )  # fmt: skip
            unready_after = time.monotonic() - frozen_at
            stuck = wait_until(
                lambda: (h := answer(f"{worker.url}/healthz"))["status"] == "stuck" and h, 90,
                "/healthz to fail while the broker is frozen",
            )  # fmt: skip
            stuck_after = time.monotonic() - frozen_at
            wait_until(lambda: STUCK_LINE in log_of(tmp_path), 30, "the worker to log it")
        finally:
            os.kill(jvm, signal.SIGCONT)
        thawed_at = time.monotonic()
        print(f"broker frozen: /readyz failed after {unready_after:.1f} s, /healthz after "
              f"{stuck_after:.1f} s (stale {STALE} s, stall {STALL} s)")  # fmt: skip
        assert not_ready["following_input"] is False and "no progress for" in not_ready["reason"]
        assert stuck["reason"].startswith("no progress for"), stuck
        assert unready_after < stuck_after

        # thawed: nobody restarts it; it rejoins, reads the rest and counts exactly
        assert producer.wait(180) == 0
        expected = add_tables(load_expected(first), load_expected(second))
        wait_until(lambda: converged(worker, expected), 180, "exact counts after the thaw")
        wait_until(lambda: answer(f"{worker.url}/healthz") == {"status": "ok"}, 60, "liveness")
        wait_until(worker.ready, 60, "readiness after the thaw")
        print(f"thawed: exact counts, live and ready {time.monotonic() - thawed_at:.1f} s later")
        assert log_of(tmp_path).count(STUCK_LINE) == 1  # once, not at every look
        assert "progress again: /healthz answers 200" in log_of(tmp_path)
    finally:
        if producer is not None and producer.poll() is None:
            producer.kill()
        worker.stop()
