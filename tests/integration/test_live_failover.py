"""Two workers in one group on the real broker: graceful stop, SIGKILL mid-stream, restarts."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streams.devtools.stack import (
    PROJECT,
    Worker,
    cli,
    free_port,
    load_expected,
    stack_env,
    wait_until,
)
from tests.integration.live import converged

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
AS_OF = "2026-11-29"


def test_counts_stay_exact_when_workers_stop_are_killed_and_restart_mid_stream(
    kafka_broker: str, tmp_path: Path
) -> None:
    population = tmp_path / "population"
    cli({}, "generate", "--clients", "4000", "--seed", "11", "--out", str(population),
        "--as-of", AS_OF, "--no-progress")  # fmt: skip
    expected = load_expected(population)
    env = stack_env(kafka_broker, "failover", tmp_path, TRANSPARANTIE_AS_OF=AS_OF,
                    TRANSPARANTIE_STORE="rocksdb")  # fmt: skip
    cli(env, "topics", "create")

    ports = {"one": free_port(), "two": free_port()}

    def worker(name: str) -> Worker:
        # a stable identity, as a StatefulSet pod has: instance id (static membership) and address
        own = {
            **env,
            "TRANSPARANTIE_DATA_DIR": str(tmp_path / name),
            "TRANSPARANTIE_INSTANCE_ID": name,
        }
        return Worker(own, tmp_path / f"{name}.log", ports[name])

    one, two = worker("one").start(), worker("two").start()
    producer = None
    try:
        one.wait_ready()
        two.wait_ready()
        producer = subprocess.Popen(
            [sys.executable, "-m", "streams", "produce", str(population), "--rate", "2500",
             "--no-progress"], env=env, cwd=PROJECT,
        )  # fmt: skip
        time.sleep(3)
        two.stop()  # graceful: its partitions move to worker one
        time.sleep(2)
        two = worker("two").start()
        time.sleep(3)
        one.kill()  # SIGKILL mid-stream: no commit, no flush
        killed_at = time.monotonic()
        one = worker("one").start()
        assert producer.wait(120) == 0
        wait_until(lambda: converged(two, expected), 180, "/counts on worker two to converge")
        wait_until(lambda: converged(one, expected), 60, "/counts on worker one to converge")
        print(f"converged {time.monotonic() - killed_at:.1f} s after the SIGKILL")
        assert json.loads(cli(env, "report", "--format", "json")) == expected
    finally:
        if producer is not None and producer.poll() is None:
            producer.kill()
        for w in (one, two):
            w.stop()
