"""`transparantie reconcile` on the real broker: no drift after convergence, drift when the
counts topic is tampered with, and the same as Prometheus metrics in the long-running mode."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import urllib.request
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pytest

from streams.codecs.avro import AvroCodec
from streams.devtools.stack import (
    PROJECT,
    Worker,
    cli,
    free_port,
    load_expected,
    stack_env,
    wait_until,
)
from streams.domain import RegionCounts
from tests.integration.live import converged

pytestmark = [pytest.mark.kafka]
AS_OF = "2026-11-29"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`transparantie ARGS`, whatever its exit code."""
    return subprocess.run(
        [sys.executable, "-m", "streams", *args],
        env=env, cwd=PROJECT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def send(bootstrap: str, topic: str, key: bytes, value: bytes) -> None:
    from aiokafka import AIOKafkaProducer

    async def go() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(topic, key=key, value=value)
        finally:
            await producer.stop()

    asyncio.run(go())


def scrape(port: int) -> dict[str, float]:
    """The reconcile metrics served on the port."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {
        name: float(value)
        for name, value in (line.split(" ", 1) for line in text.splitlines() if line)
        if name.startswith("transparantie_reconcile_")
    }


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("population")
    cli({}, "generate", "--clients", "500", "--seed", "5", "--out", str(out), "--as-of", AS_OF,
        "--no-progress")  # fmt: skip
    return out


def test_reconcile_finds_no_drift_after_convergence_and_names_a_tampered_region(
    kafka_broker: str, population: Path, tmp_path: Path
) -> None:
    env = stack_env(kafka_broker, "reconcile", tmp_path, TRANSPARANTIE_AS_OF=AS_OF)
    cli(env, "topics", "create")
    worker = Worker(env, tmp_path / "worker.log").start()
    metrics: subprocess.Popen[bytes] | None = None
    try:
        worker.wait_ready()
        cli(env, "produce", str(population), "--no-progress")
        # bad input is skipped by reconcile as the worker dead-letters it
        send(kafka_broker, env["TRANSPARANTIE_TOPIC_REGISTRATIONS"], b"Kbad", b"\x01garbage")
        expected = load_expected(population)
        wait_until(lambda: converged(worker, expected), 60, "/counts to equal expected.json")

        clean = run(env, "reconcile")
        assert clean.returncode == 0, clean.stdout + clean.stderr
        assert "no drift" in clean.stdout
        as_json = run(env, "reconcile", "--format", "json", "--settle", "0")
        assert as_json.returncode == 0, as_json.stderr
        body = json.loads(as_json.stdout)
        assert body["drift"] is False and body["differences"] == []
        assert body["rejected"] == {"DecodeError": 1}
        assert body["as_of"] == AS_OF and body["clients"] > 0

        # drift: a fake row for AM05 in the counts topic, with the worker stopped (a running
        # aggregator republishes every row every REPUBLISH_INTERVAL_SECONDS: the fake would
        # be gone within seconds)
        worker.stop()
        am05 = next(r for r in expected if r["regio_code"] == "AM05")
        fake_total = 10 if am05["totaal"] != 10 else 11  # a figure the population has not
        fake = RegionCounts(
            "AM05", "Twente", 1, 2, 3, fake_total - 6, fake_total, 0, date.fromisoformat(AS_OF)
        )
        send(kafka_broker, env["TRANSPARANTIE_TOPIC_COUNTS"], b"AM05",
             AvroCodec("RegionCounts").encode(asdict(fake)))  # fmt: skip
        drift = run(env, "reconcile", "--settle", "2")
        assert drift.returncode == 1, drift.stdout + drift.stderr
        assert drift.stdout.startswith("DRIFT")
        assert "AM05" in drift.stdout and "totaal" in drift.stdout
        other_regions = {r["regio_code"] for r in expected} - {"AM05"}
        assert not any(f"\n{code} " in drift.stdout for code in other_regions)
        found = json.loads(run(env, "reconcile", "--format", "json", "--settle", "0").stdout)
        by_column = {d["column"]: d for d in found["differences"] if d["region"] == "AM05"}
        assert by_column["totaal"] == {
            "region": "AM05", "column": "totaal", "expected": am05["totaal"], "actual": fake_total,
        }  # fmt: skip
        assert {d["region"] for d in found["differences"]} == {"AM05"}

        # long-running: the same as metrics
        port = free_port()
        metrics = subprocess.Popen(
            [sys.executable, "-m", "streams", "reconcile", "--metrics-port", str(port),
             "--metrics-host", "127.0.0.1", "--interval", "1", "--settle", "0"],
            env=env, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        served = wait_until(
            lambda: (m := scrape(port)).get("transparantie_reconcile_last_run_timestamp_seconds")
            and m,
            30, "a reconcile run to be served as metrics",
        )  # fmt: skip
        assert served["transparantie_reconcile_differences"] == len(found["differences"]) > 0
    finally:
        if metrics is not None:
            metrics.terminate()
            metrics.wait(10)
        worker.stop()


def test_reconcile_exits_2_when_it_cannot_run(kafka_broker: str, tmp_path: Path) -> None:
    done = run(stack_env(kafka_broker, "reconcile-missing", tmp_path), "reconcile")
    assert done.returncode == 2
    assert "does not exist" in done.stderr
