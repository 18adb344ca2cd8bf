"""Recovery: cold starts of a worker to /readyz 200, from the changelog and from local RocksDB."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.live.harness import (
    CACHE,
    changelog_disk_bytes,
    cpu_seconds,
    create_topics,
    dir_bytes,
    memory,
    population,
    produce,
    records_written,
    settings_for,
    wait_for_compaction,
)
from bench.live.worker import run_worker_throughput
from streams.devtools.stack import Worker, env_of, load_expected, wait_until
from streams.settings import Settings

#: the worker's log lines that end the phases of a cold start (mode's text format)
_STAMP = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})\] \[\d+\] \[\w+\] (.*)$")
_PHASES = {
    "started": "Starting...",  # the first line: the interpreter and imports are behind
    "changelog_read": "Done reading from changelog topics",  # every store holds its changelog
    "ledger_rebuilt": "ledger rebuilt for partitions",
}


def phases(log: Path) -> dict[str, float]:
    """Seconds from the worker's first log line to the first line of each phase's end."""
    seen: dict[str, float] = {}
    for line in log.read_text(errors="replace").splitlines():
        found = _STAMP.match(line)
        if found is None:
            continue
        at = datetime.strptime(found[1], "%Y-%m-%d %H:%M:%S,%f").timestamp()
        for phase, text in _PHASES.items():
            if phase not in seen and text in found[2]:
                seen[phase] = at
    start = seen.get("started")
    return {} if start is None else {k: round(v - start, 2) for k, v in seen.items()}


def time_to_ready(
    settings: Settings, log: Path, expected: list[dict[str, Any]], profile: Path | None = None
) -> dict[str, Any]:
    """Cold start of a worker to /readyz 200 (with `profile`, sampled by py-spy from its
    start to ready); check its counts; stop it."""
    worker = Worker(env_of(settings), log).start()
    spy = None
    if profile is not None:
        spy = subprocess.Popen(
            ["py-spy", "record", "--pid", str(worker.pid), "--rate", "100", "--nonblocking",
             "--idle", "--threads", "--format", "raw", "--output", str(profile)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        worker.wait_ready(timeout=1800)
        seconds = time.monotonic() - worker.started_at
        cpu = cpu_seconds(worker.pid)
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            spy.wait(60)
        mem = memory(worker.pid)
        total = next(row["totaal"] for row in expected if row["regio_code"] == "NL")
        # the worker's own subtotals (its ledger, rebuilt from the recovered state), not only
        # the counts topic (which holds the right table from before)
        wait_until(lambda: worker.metric_total("transparantie_clients") == total, 60,
                   "the recovered ledger to count every client", every=0.2)  # fmt: skip
        wait_until(lambda: worker.counts() == expected, 60, "counts after recovery", every=0.2)
        return {"seconds_to_ready": seconds, "cpu_seconds_to_ready": cpu, "rss": mem["VmRSS"],
                "peak_rss": mem["VmHWM"], "phases": phases(log)}  # fmt: skip
    finally:
        if spy is not None and spy.poll() is None:
            spy.kill()
        worker.stop()


def empty_worker_rss(bootstrap: str, run: str, tmp: Path) -> int:
    """RSS of a ready worker (memory store) with no state: the base of per-client figures."""
    s = settings_for(bootstrap, f"bench-{run}-empty", f"bench-{run}-empty", store="memory",
                     data_dir=tmp / "empty")  # fmt: skip
    create_topics(s)
    worker = Worker(env_of(s), tmp / "empty.log").start()
    try:
        worker.wait_ready(timeout=300)
        time.sleep(2)
        return memory(worker.pid)["VmRSS"]
    finally:
        worker.stop()


def run_recovery(
    bootstrap: str,
    clients: int,
    seed: int,
    tmp: Path,
    broker_pid: int | None,
    broker_dir: Path,
    profile: bool = False,
) -> dict[str, Any]:
    """Cold starts to /readyz 200 with `clients` clients of state: from the changelog alone
    (fresh data dir; RocksDB and memory store) and from the local RocksDB (restart). The
    state is built once per population, broker and changelog layout by a worker (kept for
    the next runs); the log cleaner gets to compact the changelog first, as in production.
    With `profile`, the cold start from the changelog (RocksDB) is sampled by py-spy."""
    from streams.kafka.topics import CHANGELOG_SEGMENT_BYTES, CLIENTS_TABLE, changelog_topic

    rpop = population(clients, seed)
    expected = load_expected(rpop)
    name = f"bench-rec-{clients}-s{seed}-seg{int(CHANGELOG_SEGMENT_BYTES) >> 20}m"
    rs = settings_for(bootstrap, name, name, store="rocksdb", data_dir=tmp / "rec-build")
    marker = CACHE / f"{name}-{bootstrap.replace(':', '-')}.json"
    if marker.is_file():
        built = json.loads(marker.read_text())
        print(f"recovery: state of {clients} clients built before ({marker.name})", flush=True)
    else:
        events, produce_s = produce(rs, rpop)
        print(f"recovery population: {events} events produced in {produce_s:.0f} s", flush=True)
        build, _ = run_worker_throughput(rs, expected, events, clients, tmp / "rec-build.log",
                                         broker_pid)  # fmt: skip
        built = {"events": events, "build": build}
        marker.write_text(json.dumps(built))
    topic = changelog_topic(rs, CLIENTS_TABLE)
    wait_for_compaction(broker_dir, topic)
    rec: dict[str, Any] = {
        "clients": clients,
        **built,
        "changelog_offsets": records_written(rs, topic),  # records ever written
        "changelog_disk_bytes": changelog_disk_bytes(broker_dir, topic),  # after compaction
    }
    fresh = rs.model_copy(update={"data_dir": tmp / "rec-fresh"})
    rec["rocksdb_from_changelog"] = time_to_ready(
        fresh, tmp / "rec-fresh.log", expected, tmp / "rec-fresh.pyspy" if profile else None
    )
    rec["rocksdb_from_local"] = time_to_ready(fresh, tmp / "rec-local.log", expected)
    rec["rocksdb_dir_bytes_per_client"] = dir_bytes(fresh.data_dir) / clients
    mem = rs.model_copy(update={"data_dir": tmp / "rec-mem", "store": "memory"})
    rec["memory_from_changelog"] = time_to_ready(mem, tmp / "rec-mem.log", expected)
    rec["empty_worker_rss"] = empty_worker_rss(bootstrap, tmp.name, tmp)
    rec["memory_bytes_per_client"] = (
        rec["memory_from_changelog"]["rss"] - rec["empty_worker_rss"]
    ) / clients
    return rec
