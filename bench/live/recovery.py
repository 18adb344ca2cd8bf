"""Recovery: cold starts of a worker to /readyz 200, from the changelog and from local RocksDB."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from bench.live.harness import (
    CACHE,
    changelog_disk_bytes,
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


def time_to_ready(settings: Settings, log: Path, expected: list[dict[str, Any]]) -> dict[str, Any]:
    """Cold start of a worker to /readyz 200; check its counts; stop it."""
    worker = Worker(env_of(settings), log).start()
    try:
        worker.wait_ready(timeout=1800)
        seconds = time.monotonic() - worker.started_at
        mem = memory(worker.pid)
        total = next(row["totaal"] for row in expected if row["regio_code"] == "NL")
        # the worker's own subtotals (its ledger, rebuilt from the recovered state), not only
        # the counts topic (which holds the right table from before)
        wait_until(lambda: worker.metric_total("transparantie_clients") == total, 60,
                   "the recovered ledger to count every client", every=0.2)  # fmt: skip
        wait_until(lambda: worker.counts() == expected, 60, "counts after recovery", every=0.2)
        return {"seconds_to_ready": seconds, "rss": mem["VmRSS"], "peak_rss": mem["VmHWM"]}
    finally:
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
    bootstrap: str, clients: int, seed: int, tmp: Path, broker_pid: int | None, broker_dir: Path
) -> dict[str, Any]:
    """Cold starts to /readyz 200 with `clients` clients of state: from the changelog alone
    (fresh data dir; RocksDB and memory store) and from the local RocksDB (restart). The
    state is built once per population, broker and changelog layout by a worker (kept for
    the next runs); the log cleaner gets to compact the changelog first, as in production."""
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
    rec["rocksdb_from_changelog"] = time_to_ready(fresh, tmp / "rec-fresh.log", expected)
    rec["rocksdb_from_local"] = time_to_ready(fresh, tmp / "rec-local.log", expected)
    rec["rocksdb_dir_bytes_per_client"] = dir_bytes(fresh.data_dir) / clients
    mem = rs.model_copy(update={"data_dir": tmp / "rec-mem", "store": "memory"})
    rec["memory_from_changelog"] = time_to_ready(mem, tmp / "rec-mem.log", expected)
    rec["empty_worker_rss"] = empty_worker_rss(bootstrap, tmp.name, tmp)
    rec["memory_bytes_per_client"] = (
        rec["memory_from_changelog"]["rss"] - rec["empty_worker_rss"]
    ) / clients
    return rec
