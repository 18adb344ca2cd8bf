"""The live benchmark's harness: broker, populations, topics, offsets, /proc figures, polling."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from datetime import date
from pathlib import Path
from typing import Any

from streams.devtools import stack
from streams.settings import Settings

PROJECT = stack.PROJECT
CACHE = PROJECT / ".cache" / "bench"
AS_OF = date(2026, 11, 29)
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- processes, /proc -------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def thread_cpu_seconds(pid: int) -> dict[str, float]:
    """CPU seconds per thread name (comm) of a process: Python's threads are all `python3`
    unless named, RocksDB's are `rocksdb:*`."""
    out: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            comm = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended
            continue
        out[comm] = out.get(comm, 0.0) + (int(fields[11]) + int(fields[12])) / CLK_TCK
    return out


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in bytes."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            name, value, _unit = line.split()
            out[name[:-1]] = int(value) * 1024
    return out


def dir_bytes(path: Path) -> int:
    """Bytes of the files under a directory."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def load_average() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


def write_json(path: Path, result: dict[str, Any]) -> None:
    """Write JSON so that a reader polling for `path` never sees half of it."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result))
    tmp.replace(path)


# --- population, settings, topics -------------------------------------------------------------
def population(clients: int, seed: int) -> Path:
    """A generated population, cached under .cache/bench/pop-<clients>-s<seed>."""
    return stack.population(CACHE / f"pop-{clients}-s{seed}", clients, seed, AS_OF)


def settings_for(bootstrap: str, prefix: str, app_id: str, **extra: Any) -> Settings:
    """Settings of one contender: input topics named `<prefix>.*` (shared by the contenders),
    its own app id and its own output topics `<app id>.*` (workers must not read each other's)."""
    return stack.stack_settings(bootstrap, app_id, inputs=prefix, as_of=AS_OF, **extra)


def create_topics(settings: Settings) -> None:
    """Create the input, output and changelog topics of these settings (existing ones stay)."""
    from streams.kafka.topics import create_topics

    asyncio.run(create_topics(settings))


def produce(settings: Settings, pop: Path) -> tuple[int, float]:
    """Publish a population to the input topics as fast as possible: (events, seconds)."""
    from streams.kafka.producer import messages, publish

    create_topics(settings)
    started = time.monotonic()
    sent = asyncio.run(publish(messages(sorted(pop.glob("*.avro")), settings), settings))
    return sent, time.monotonic() - started


# --- offsets ----------------------------------------------------------------------------------
async def _offsets(bootstrap: str, topic_partitions: list[tuple[str, int]]) -> tuple[Any, Any]:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        tps = [TopicPartition(t, p) for t, p in topic_partitions]
        return await consumer.beginning_offsets(tps), await consumer.end_offsets(tps)
    finally:
        await consumer.stop()


def end_offsets(settings: Settings) -> dict[Any, int]:
    """End offsets of every input partition."""
    tps = [(t, p) for t in settings.event_topics() for p in range(settings.partitions)]
    return dict(asyncio.run(_offsets(settings.bootstrap_servers, tps))[1])


def records_written(settings: Settings, topic: str) -> int:
    """Records ever written to a topic still on the broker: end minus beginning offsets."""
    tps = [(topic, p) for p in range(settings.partitions)]
    starts, ends = asyncio.run(_offsets(settings.bootstrap_servers, tps))
    return sum(ends[tp] - starts[tp] for tp in ends)


class GroupOffsets:
    """Committed offsets of a consumer group, read with an admin client on a private loop."""

    def __init__(self, bootstrap: str, group: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.bootstrap = bootstrap
        self.group = group
        self.admin: Any = None

    def committed(self) -> dict[Any, int]:
        """Committed offset per topic partition ({} before the first commit)."""

        async def read() -> dict[Any, int]:
            from aiokafka.admin import AIOKafkaAdminClient

            if self.admin is None:
                self.admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
                await self.admin.start()
            found = await self.admin.list_consumer_group_offsets(self.group)
            return {tp: meta.offset for tp, meta in found.items()}

        return self.loop.run_until_complete(read())

    def close(self) -> None:
        """Close the admin client and the loop."""
        if self.admin is not None:
            with contextlib.suppress(Exception):
                self.loop.run_until_complete(self.admin.close())
        self.loop.close()


# --- the broker's disk ------------------------------------------------------------------------
def changelog_disk_bytes(broker_dir: Path, topic: str) -> int:
    """Bytes of a topic's log segments on the broker's disk (what a cold start reads)."""
    return sum(dir_bytes(d) for d in broker_dir.rglob(f"{topic}-*") if d.is_dir())


def wait_for_compaction(
    broker_dir: Path, topic: str, quiet: float = 45, limit: float = 900
) -> None:
    """Wait until the log cleaner leaves the changelog alone: its size unchanged for `quiet`
    seconds (Kafka compacts closed segments in the background, every 15 s at most)."""
    last, since, started = -1, time.monotonic(), time.monotonic()
    while time.monotonic() - started < limit:
        size = changelog_disk_bytes(broker_dir, topic)
        if size != last:
            last, since = size, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(5)


# --- a worker's histogram ---------------------------------------------------------------------
def quantile(buckets: dict[float, float], q: float) -> float:
    """A quantile from cumulative histogram buckets, linear inside a bucket (like PromQL)."""
    bounds = sorted(buckets)
    total = buckets[bounds[-1]]
    if not total:
        return float("nan")
    rank = q * total
    lower, below = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if bound == float("inf"):
                return lower
            return lower + (bound - lower) * (rank - below) / max(count - below, 1e-9)
        lower, below = bound, count
    return lower
