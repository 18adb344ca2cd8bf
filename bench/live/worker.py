"""(3) the worker, timed from outside: `transparantie worker` until its counts are right."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.live.harness import (
    GroupOffsets,
    cpu_seconds,
    create_topics,
    dir_bytes,
    end_offsets,
    memory,
    thread_cpu_seconds,
)
from streams.devtools.stack import Worker, env_of, wait_until
from streams.settings import Settings


def run_worker_throughput(
    settings: Settings, expected: list[dict[str, Any]], events: int, clients: int, log: Path,
    broker_pid: int | None, keep_running: bool = False, profile: Path | None = None,
) -> tuple[dict[str, Any], Worker]:  # fmt: skip
    """Start a worker on filled input topics; time it until its counts equal `expected`.
    With `profile`, py-spy samples the worker from its first event to the right counts and
    writes collapsed stacks there (`python -m bench.profile` summarises them)."""
    create_topics(settings)  # the changelogs of this app id
    ends = end_offsets(settings)
    offsets = GroupOffsets(settings.bootstrap_servers, settings.app_id)
    worker = Worker(env_of(settings), log).start()
    kept = False
    try:

        def first_event() -> bool:
            worker.check()
            return worker.metric_total("transparantie_events_total") > 0

        wait_until(first_event, 180, "the worker's first event", every=0.05)
        t_first = time.monotonic()
        cpu_first, mem_first = cpu_seconds(worker.pid), memory(worker.pid)
        threads_first = thread_cpu_seconds(worker.pid)
        broker_cpu_first = cpu_seconds(broker_pid) if broker_pid else 0.0
        spy = None
        if profile is not None:
            spy = subprocess.Popen(
                ["py-spy", "record", "--pid", str(worker.pid), "--rate", "200", "--nonblocking",
                 "--format", "raw", "--output", str(profile)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip

        def counted() -> bool:
            worker.check()
            return bool(worker.counts() == expected)

        wait_until(counted, 3600, "/counts to equal expected.json", every=0.1)
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            spy.wait(60)
        t_counts = time.monotonic()
        cpu_counts, mem_counts = cpu_seconds(worker.pid), memory(worker.pid)
        threads = {
            name: (cpu - threads_first.get(name, 0.0)) / events * 1e6
            for name, cpu in sorted(thread_cpu_seconds(worker.pid).items())
        }
        broker_cpu = (cpu_seconds(broker_pid) - broker_cpu_first) if broker_pid else 0.0

        def committed() -> bool:
            found = offsets.committed()
            return all(found.get(tp, -1) >= end for tp, end in ends.items())

        wait_until(committed, 300, "committed offsets to reach the end offsets", every=0.1)
        t_commit = time.monotonic()
        seconds = t_counts - t_first
        result = {
            "events": events,
            "seconds": seconds,
            "seconds_to_committed": t_commit - t_first,
            "events_per_s": events / seconds,
            "cpu_s_per_million": (cpu_counts - cpu_first) / events * 1e6,
            "cpu_s_per_million_by_thread": threads,
            "broker_cpu_s_per_million": broker_cpu / events * 1e6,
            "rss_start": mem_first["VmRSS"],
            "rss_end": mem_counts["VmRSS"],
            "peak_rss": mem_counts["VmHWM"],
            "state_bytes_per_client": (mem_counts["VmRSS"] - mem_first["VmRSS"]) / clients
            if settings.store == "memory"
            else dir_bytes(settings.data_dir) / clients,
        }
        if settings.store == "memory":
            result["rss_delta_per_client"] = result["state_bytes_per_client"]
        else:
            result["rss_delta_per_client"] = (mem_counts["VmRSS"] - mem_first["VmRSS"]) / clients
            result["rocksdb_dir_bytes"] = dir_bytes(settings.data_dir)
        kept = keep_running
        return result, worker
    finally:
        offsets.close()
        if not kept:  # and whenever a step failed
            worker.stop()
