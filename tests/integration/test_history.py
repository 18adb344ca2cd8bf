"""The history on the real broker: a worker writes each day's final table as the clock passes
midnight (AS_OF_FILE), `report --snapshot` proves every snapshot of the run from the input
topics, also after a restart and never for a forged one; `history backfill` rebuilds a past
that equals what the generator built, quarter end by quarter end; /history answers it."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from streams.devtools.generate import generate, load_expected, load_expected_quarters
from streams.devtools.stack import PROJECT, Worker, cli, http_get, stack_env, wait_until
from streams.kafka.history import read_snapshots, write_snapshots
from streams.service.clock import amsterdam_today
from streams.settings import Settings
from tests.factories import counted_client_events
from tests.integration.live import converged, write_events

pytestmark = [pytest.mark.kafka]
DAY = date(2026, 11, 27)


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`transparantie ARGS`, whatever its exit code."""
    return subprocess.run(
        [sys.executable, "-m", "streams", *args],
        env=env, cwd=PROJECT, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def settings_of(env: dict[str, str]) -> Settings:
    values = {k.removeprefix("TRANSPARANTIE_").lower(): v for k, v in env.items()}
    return Settings(**{k: v for k, v in values.items() if k in Settings.model_fields})


def history(worker: Worker, regio: str = "NL") -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(
        http_get(f"{worker.url}/history?regio={regio}")[1] or b"[]"
    )
    return rows


def test_each_day_that_ends_is_kept_with_its_provenance_and_every_snapshot_is_proven(
    kafka_broker: str, tmp_path: Path
) -> None:
    clock = tmp_path / "as_of"
    clock.write_text(DAY.isoformat())
    env = stack_env(kafka_broker, "history-live", tmp_path, TRANSPARANTIE_AS_OF_FILE=str(clock))
    cli(env, "topics", "create")
    population = tmp_path / "population"
    generate(300, 9, population, DAY)
    cli(env, "produce", str(population), "--no-progress")
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        worker.wait_ready()
        wait_until(lambda: converged(worker, load_expected(population)), 90, "the counts")
        days = [DAY + timedelta(days=n) for n in range(4)]
        totals = []
        for n, day in enumerate(days):
            if n:
                clock.write_text(day.isoformat())  # midnight passes
                ended = days[n - 1].isoformat()
                wait_until(
                    lambda d=ended: [r["peildatum"] for r in history(worker)][-1:] == [d], 60,
                    f"the snapshot of {ended}",
                )  # fmt: skip
                wait_until(lambda d=day: worker.counts()[-1]["as_of"] == str(d), 30, "the day")
            # a new client each day, so that the days differ
            base = worker.counts()[-1]["totaal"]
            events = counted_client_events(f"K-day{n}", at=n)
            cli(env, "produce", str(write_events(tmp_path / f"day{n}", events)), "--no-progress")
            wait_until(lambda b=base: worker.counts()[-1]["totaal"] == b + 1, 60, "a new client")
            totals.append(base + 1)
        # a restart: the recovered state's provenance is the group's committed offsets
        worker.stop()
        worker.start().wait_ready()
        clock.write_text((days[-1] + timedelta(days=1)).isoformat())
        wait_until(lambda: len(history(worker)) == 4, 60, "the snapshot after the restart")
        rows = history(worker)
        assert [r["peildatum"] for r in rows] == [d.isoformat() for d in days]
        assert all(r["source"] == "live" and r["known_at"] is None for r in rows)
        assert [r["totaal"] for r in rows] == totals
        status, body = http_get(f"{worker.url}/history.csv?regio=AM18&from={days[1]}")
        assert status == 200
        assert [r["peildatum"] for r in csv.DictReader(io.StringIO(body.decode()))] == [
            d.isoformat() for d in days[1:]
        ]
        assert http_get(f"{worker.url}/history?regio=XX")[0] == 400
    finally:
        worker.stop()
    for day in days:
        proof = run(env, "report", "--peildatum", day.isoformat(), "--snapshot")
        assert proof.returncode == 0, proof.stderr
        assert "proven: the snapshot equals the table" in proof.stderr
    # a restated day that does not match its offsets is caught, cell by cell
    settings = settings_of(env)
    (snapshot,) = asyncio.run(read_snapshots(settings, days[1], days[1]))
    rows = [replace(r, uwv_zonder_profiel=r.uwv_zonder_profiel + 1) if r.regio_code == "NL" else r
            for r in snapshot.rows]  # fmt: skip
    asyncio.run(write_snapshots(settings, [replace(snapshot, rows=tuple(rows))]))
    forged = run(env, "report", "--peildatum", days[1].isoformat(), "--snapshot")
    assert forged.returncode == 1
    assert "NOT PROVEN: 1 cell(s)" in forged.stderr and "uwv_zonder_profiel" in forged.stderr


def test_a_backfilled_past_has_the_generators_table_at_every_quarter_end(
    kafka_broker: str, tmp_path: Path
) -> None:
    today = amsterdam_today()  # every event's Kafka timestamp lies before it
    env = stack_env(kafka_broker, "history-past", tmp_path, TRANSPARANTIE_AS_OF=str(today))
    cli(env, "topics", "create")
    population = tmp_path / "population"
    generate(1_500, 12, population, today)
    cli(env, "produce", str(population), "--no-progress")
    quarters = load_expected_quarters(population)
    first = date.fromisoformat(next(iter(quarters))) - timedelta(days=3)
    # two processes: the partition numbers fold side by side and add up to the same days
    out = cli(env, "history", "backfill", "--from", first.isoformat(), "--processes", "2")
    written = [line.split()[0] for line in out.splitlines()]
    yesterday = today - timedelta(days=1)
    assert written[0] == first.isoformat() and written[-1] == yesterday.isoformat()
    assert len(written) == (yesterday - first).days + 1
    assert "known at" in out and out.count("quarter end") == len(quarters)
    snapshots = {
        s.peildatum.isoformat(): s
        for s in asyncio.run(read_snapshots(settings_of(env), first, yesterday))
    }
    for day, expected in quarters.items():
        assert [r.to_json() for r in snapshots[day].rows] == expected, day
        assert snapshots[day].quarter_end
    # the same day, recomputed as known at its end, and its snapshot proven
    last_quarter = list(quarters)[-1]
    known = cli(env, "report", "--peildatum", last_quarter, "--known-at", last_quarter,
                "--format", "json")  # fmt: skip
    assert json.loads(known) == quarters[last_quarter]
    proof = run(env, "report", "--peildatum", last_quarter, "--snapshot")
    assert proof.returncode == 0, proof.stderr
    # the live table of today is the generator's expected.json (the past did not change it)
    rows = json.loads(cli(env, "report", "--known-at", f"{today}T23:59:59", "--format", "json"))
    assert rows == load_expected(population)
