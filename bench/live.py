"""Live benchmark on a real local broker: a plain aiokafka loop, a naive Faust agent, our worker.

Run: `make bench-live` (= `python -m bench.live`). One run does, on one broker (port 19800,
data /tmp/bench-broker unless told otherwise) and one generated population (cached under
.cache/bench/):

1. throughput, side by side, over the same input topics (each reads them from the start):
   (1) `plain`: an aiokafka consumer loop (getmany batches) doing decode + validate + fold +
       classify before/after + ledger, state in a dict: the practical limit;
   (2) `naive`: a straightforward Faust agent, the same work one event at a time, one Table
       write per event;
   (3) `worker`: `transparantie worker` as a subprocess, measured from outside: until /counts
       equals expected.json and the group's committed offsets reach the end offsets.
   For each: events/s, CPU seconds per million events (the process; the broker's beside it),
   peak RSS, state bytes per client;
2. latency at a fixed 2,000 events/s into the running worker: the worker's
   `transparantie_event_to_update_seconds` histogram, and probes measured to the counts topic;
3. recovery: cold start to /readyz 200 from the changelog (fresh data dir), and restart from
   the local RocksDB (same data dir), for a larger population.

Every figure is printed and written as JSON to .cache/bench/live-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from streams.devtools import broker as local_broker
from streams.settings import Settings

PROJECT = Path(__file__).resolve().parents[1]
CACHE = PROJECT / ".cache" / "bench"
AS_OF = "2026-11-29"
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


def get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    """GET a URL; (status, body); (0, b"") when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except (OSError, ValueError):
        return 0, b""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- population, topics -----------------------------------------------------------------------
def population(clients: int, seed: int) -> Path:
    """A generated population, cached under .cache/bench/pop-<clients>-s<seed>."""
    out = CACHE / f"pop-{clients}-s{seed}"
    if not (out / "expected.json").is_file():
        from streams.devtools.generate import generate

        shutil.rmtree(out, ignore_errors=True)
        print(f"generating {clients} clients (seed {seed}) into {out} ...", flush=True)
        generate(clients, seed, out, date.fromisoformat(AS_OF), progress=False)
    return out


def settings_for(bootstrap: str, prefix: str, app_id: str, **extra: Any) -> Settings:
    """Settings of one stack: input topics named `<prefix>.*` (shared by the contenders), its
    own app id and its own output topics `<app id>.*` (workers must not read each other's)."""
    return Settings(
        bootstrap_servers=bootstrap,
        app_id=app_id,
        topic_registrations=f"{prefix}.client-registrations",
        topic_indications=f"{prefix}.indications",
        topic_memberships=f"{prefix}.register-memberships",
        topic_profile_edits=f"{prefix}.profile-edits",
        topic_subtotals=f"{app_id}.region-subtotals",
        topic_counts=f"{app_id}.region-counts",
        topic_dead_letters=f"{app_id}.dead-letters",
        topic_history=f"{app_id}.history",
        as_of=date.fromisoformat(AS_OF),
        **extra,
    )


def env_of(settings: Settings) -> dict[str, str]:
    """The environment that gives a subprocess these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSPARANTIE_")}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        env[f"TRANSPARANTIE_{name.upper()}"] = str(value)
    return env


def produce(settings: Settings, pop: Path) -> tuple[int, float]:
    """Publish a population to the input topics as fast as possible: (events, seconds)."""
    from streams.kafka.producer import messages, publish
    from streams.kafka.topics import create_topics

    asyncio.run(create_topics(settings))
    started = time.monotonic()
    sent = asyncio.run(publish(messages(sorted(pop.glob("*.avro")), settings), settings))
    return sent, time.monotonic() - started


async def _end_offsets(settings: Settings) -> dict[Any, int]:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers)
    await consumer.start()
    try:
        tps = [
            TopicPartition(t, p)
            for t in settings.event_topics()
            for p in range(settings.partitions)
        ]
        return dict(await consumer.end_offsets(tps))
    finally:
        await consumer.stop()


def end_offsets(settings: Settings) -> dict[Any, int]:
    """End offsets of every input partition."""
    return asyncio.run(_end_offsets(settings))


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


# --- the worker, from outside -----------------------------------------------------------------
@dataclass
class WorkerProcess:
    """`transparantie worker` as a subprocess with its own settings and log."""

    settings: Settings
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0

    def start(self) -> WorkerProcess:
        """Spawn the worker."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streams", "worker", "--web-port", str(self.port)],
            env=env_of(self.settings), cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ready(self) -> bool:
        return get(f"{self.url}/readyz")[0] == 200

    def counts(self) -> Any:
        status, body = get(f"{self.url}/counts")
        return json.loads(body) if status == 200 else None

    def metrics(self) -> str:
        return get(f"{self.url}/metrics", timeout=10)[1].decode()

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM, then SIGKILL when it does not stop in time."""
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    def check(self) -> None:
        if not self.alive():
            tail = self.log_path.read_text(errors="replace").splitlines()[-30:]
            raise RuntimeError("worker exited:\n" + "\n".join(tail))


def metric_sum(text: str, name: str) -> float:
    """Sum of every sample of one metric family in Prometheus text format."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and (line[len(name)] in " {"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def histogram(text: str, name: str) -> dict[float, float]:
    """Cumulative bucket counts of a Prometheus histogram: upper bound -> count."""
    out: dict[float, float] = {}
    prefix = f"{name}_bucket{{"
    for line in text.splitlines():
        if line.startswith(prefix):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            out[float("inf") if le == "+Inf" else float(le)] = float(line.rsplit(" ", 1)[1])
    return out


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


def wait(probe: Callable[[], Any], timeout: float, what: str, every: float = 0.2) -> Any:
    """Poll until `probe` returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


def run_worker_throughput(
    settings: Settings, expected: list[dict[str, Any]], events: int, clients: int, log: Path,
    broker_pid: int | None, keep_running: bool = False, profile: Path | None = None,
) -> tuple[dict[str, Any], WorkerProcess]:  # fmt: skip
    """Start a worker on filled input topics; time it until its counts equal `expected`.
    With `profile`, py-spy samples the worker from its first event to the right counts and
    writes collapsed stacks there (`python -m bench.profile` summarises them)."""
    from streams.kafka.topics import create_topics

    asyncio.run(create_topics(settings))  # the changelogs of this app id
    ends = end_offsets(settings)
    offsets = GroupOffsets(settings.bootstrap_servers, settings.app_id)
    worker = WorkerProcess(settings, log).start()
    kept = False
    try:

        def first_event() -> bool:
            worker.check()
            return metric_sum(worker.metrics(), "transparantie_events_total") > 0

        wait(first_event, 180, "the worker's first event", every=0.05)
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

        wait(counted, 3600, "/counts to equal expected.json", every=0.1)
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

        wait(committed, 300, "committed offsets to reach the end offsets", every=0.1)
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


# --- (1) plain aiokafka loop, (2) naive Faust agent: subprocess entry points ----------------
def _report(path: Path, result: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result))
    tmp.replace(path)


async def plain_loop(settings: Settings, total: int, out: Path) -> None:
    """(1): getmany batches, the same per-event work as the worker, state in a dict."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from streams.service.admission import Processor
    from streams.service.ledger import Ledger
    from streams.service.reference import load_regions
    from streams.service.runtime import tune_gc

    regions = load_regions()
    ledger = Ledger(regions, date.fromisoformat(AS_OF))
    processor = Processor(settings.event_topics(), ledger, settings.framing)
    handle = processor.handle
    tune_gc()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers, group_id=None, enable_auto_commit=False,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )  # fmt: skip
    await consumer.start()
    # the partitions assigned by hand (no group): nothing but fetching and the work is timed
    tps = [
        TopicPartition(t, p) for t in settings.event_topics() for p in range(settings.partitions)
    ]
    consumer.assign(tps)
    await consumer.seek_to_beginning(*tps)
    states: dict[bytes, Any] = {}
    done = 0
    t_first = cpu_first = 0.0
    rss_first = 0
    longest = 0.0
    try:
        while done < total:
            batch = await consumer.getmany(timeout_ms=500, max_records=2000)
            started = time.monotonic()
            if batch and not done:
                t_first, cpu_first = time.monotonic(), time.process_time()
                rss_first = memory(os.getpid())["VmRSS"]
            for tp, records in batch.items():
                topic, partition = tp.topic, tp.partition
                for m in records:
                    key = m.key
                    handled = handle(topic, partition, key, m.value, states.get(key))
                    if handled.store is not None:
                        states[key] = handled.store
                done += len(records)
            longest = max(longest, time.monotonic() - started)
        t_end, cpu_end = time.monotonic(), time.process_time()
    finally:
        await consumer.stop()
    mem = memory(os.getpid())
    from streams.domain import publication_table

    rows = publication_table(ledger.totals(), regions, date.fromisoformat(AS_OF))
    _report(out, {
        "events": done, "seconds": t_end - t_first, "cpu": cpu_end - cpu_first,
        "rss_start": rss_first, "rss_end": mem["VmRSS"], "peak_rss": mem["VmHWM"],
        "clients": len(states), "counts": [r.to_json() for r in rows], "longest_batch_s": longest,
    })  # fmt: skip


def naive_faust(settings: Settings, total: int, out: Path, data_dir: Path) -> None:
    """(2): a straightforward Faust agent: one event at a time, one Table write per event."""
    import faust

    from streams.engine.app import faust_broker_url
    from streams.service.admission import Processor
    from streams.service.ledger import Ledger
    from streams.service.reference import load_regions

    regions = load_regions()
    ledger = Ledger(regions, date.fromisoformat(AS_OF))
    processor = Processor(settings.event_topics(), ledger, settings.framing)
    app = faust.App(
        settings.app_id, broker=faust_broker_url(settings.bootstrap_servers),
        store="rocksdb://" if settings.store == "rocksdb" else "memory://",
        datadir=str(data_dir), topic_partitions=settings.partitions, web_enabled=False,
        consumer_auto_offset_reset="earliest",
    )  # fmt: skip
    source = app.topic(*settings.event_topics(), key_serializer="raw", value_serializer="raw")
    clients = app.Table(
        "clients", default=None, partitions=settings.partitions, key_type=bytes,
        schema=faust.Schema(key_type=bytes, key_serializer="raw", value_serializer="client_state"),
    )  # fmt: skip
    clients.key_serializer, clients.value_serializer = "raw", "client_state"  # type: ignore[attr-defined]
    seen = {"done": 0, "t_first": 0.0, "cpu_first": 0.0, "rss_first": 0}

    @app.agent(source, name="naive")
    async def process(stream: Any) -> None:
        async for event in stream.events():
            msg = event.message
            if not seen["done"]:
                seen.update(t_first=time.monotonic(), cpu_first=time.process_time(),
                            rss_first=memory(os.getpid())["VmRSS"])  # fmt: skip
            key = event.key
            handled = processor.handle(msg.topic, msg.partition, key, event.value, clients.get(key))
            if handled.store is not None:
                clients[key] = handled.store
            seen["done"] += 1
            if seen["done"] == total:
                mem = memory(os.getpid())
                _report(out, {
                    "events": total, "seconds": time.monotonic() - seen["t_first"],
                    "cpu": time.process_time() - seen["cpu_first"],
                    "rss_start": seen["rss_first"], "rss_end": mem["VmRSS"],
                    "peak_rss": mem["VmHWM"],
                })  # fmt: skip

    sys.argv = [sys.argv[0], "worker", "--loglevel", "warn"]
    app.main()


def run_contender(
    kind: str, settings: Settings, total: int, clients: int, broker_pid: int | None, tmp: Path
) -> dict[str, Any]:
    """Run (1) or (2) as a subprocess until it reports; add the broker's CPU."""
    out = tmp / f"{kind}.json"
    out.unlink(missing_ok=True)
    data_dir = tmp / f"{kind}-data"
    shutil.rmtree(data_dir, ignore_errors=True)
    args = [sys.executable, "-m", "bench.live", kind, "--total", str(total), "--out", str(out),
            "--data-dir", str(data_dir)]  # fmt: skip
    log = (tmp / f"{kind}.log").open("ab")
    broker_cpu_start = cpu_seconds(broker_pid) if broker_pid else 0.0
    process = subprocess.Popen(args, env=env_of(settings), cwd=PROJECT, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        while not out.exists():
            if process.poll() is not None:
                raise RuntimeError(f"{kind} exited with {process.returncode}; log {log.name}")
            time.sleep(0.2)
        broker_cpu = (cpu_seconds(broker_pid) - broker_cpu_start) if broker_pid else 0.0
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
    raw = json.loads(out.read_text())
    result = {
        "events": raw["events"],
        "seconds": raw["seconds"],
        "events_per_s": raw["events"] / raw["seconds"],
        "cpu_s_per_million": raw["cpu"] / raw["events"] * 1e6,
        "broker_cpu_s_per_million": broker_cpu / raw["events"] * 1e6,  # includes start-up
        "rss_start": raw["rss_start"],
        "rss_end": raw["rss_end"],
        "peak_rss": raw["peak_rss"],
        "rss_delta_per_client": (raw["rss_end"] - raw["rss_start"]) / clients,
    }
    if settings.store == "rocksdb" and kind == "naive":
        result["state_bytes_per_client"] = dir_bytes(data_dir) / clients
    else:
        result["state_bytes_per_client"] = result["rss_delta_per_client"]
    if "counts" in raw:
        result["counts_equal_expected"] = raw["counts"]
    return result


# --- latency at a fixed rate ------------------------------------------------------------------
def _interleaved(
    pop: Path, settings: Settings, skip: set[str]
) -> Iterator[tuple[str, bytes, bytes]]:
    """The population's messages, the four files round-robin, without clients in `skip`."""
    from streams.kafka.producer import messages

    streams = [messages([p], settings) for p in sorted(pop.glob("*.avro"))]
    for group in itertools.zip_longest(*streams):
        for item in group:
            if item is not None and item[1].decode() not in skip:
                yield item


def onbekend_clients(pop: Path) -> set[str]:
    """Clients with any registration whose gemeente is null or unknown (region ONBEKEND)."""
    from streams.domain.regions import ONBEKEND
    from streams.service.reference import load_regions
    from streams.service.replay import read_records

    regions = load_regions()
    return {
        r["client_id"]
        for _, r in read_records(pop / "ClientRegistration.avro")
        if regions.region_of(r["gemeentecode"]) == ONBEKEND
    }


async def _latency(
    settings: Settings, pop: Path, rate: float, seconds: float, probes_per_s: float
) -> dict[str, Any]:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

    from streams.codecs.avro import AvroCodec, event_to_record
    from streams.domain import (
        ClientRegistration,
        Indication,
        IndicationOwner,
        RegisterMembership,
        RegistrationStatus,
    )

    codecs = {n: AvroCodec(n, settings.framing) for n in
              ("ClientRegistration", "Indication", "RegisterMembership", "RegionCounts")}  # fmt: skip
    background = _interleaved(pop, settings, onbekend_clients(pop))
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all",
                                linger_ms=5, enable_idempotence=True)  # fmt: skip
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers, group_id=None,
                                enable_auto_commit=False, fetch_max_wait_ms=20)  # fmt: skip
    await producer.start()
    await consumer.start()
    counts_tp = TopicPartition(settings.topic_counts, 0)
    consumer.assign([counts_tp])
    await consumer.seek_to_beginning(counts_tp)
    end = (await consumer.end_offsets([counts_tp]))[counts_tp]
    baseline = 0
    while await consumer.position(counts_tp) < end:
        for m in (await consumer.getmany(timeout_ms=500)).get(counts_tp, []):
            row = codecs["RegionCounts"].decode(m.value)
            if row["regio_code"] == "ONBEKEND":
                baseline = row["totaal"]
    sent_at: list[float] = []
    seen_at: dict[int, float] = {}

    async def watch() -> None:
        while True:
            batch = await consumer.getmany(timeout_ms=100)
            now = time.monotonic()
            for m in batch.get(counts_tp, []):
                row = codecs["RegionCounts"].decode(m.value)
                if row["regio_code"] == "ONBEKEND":
                    for k in range(1, row["totaal"] - baseline + 1):
                        seen_at.setdefault(k, now)

    def probe_events(n: int, at_ms: int) -> list[Any]:
        cid = f"P{uuid.uuid4().hex[:12]}"
        start = date(2020, 1, 1)
        return [
            ClientRegistration(cid, f"{cid}-r", at_ms, RegistrationStatus.INGESCHREVEN, None),
            Indication(cid, f"{cid}-i", at_ms, "i1", IndicationOwner.UWV, "WAJONG", start, None),
            RegisterMembership(cid, f"{cid}-m", at_ms, "WAJONG", start, None, False, True),
        ]

    watcher = asyncio.create_task(watch())
    sent = 0
    started = time.monotonic()
    next_probe = started + 1.0 / probes_per_s
    pending: list[Any] = []
    try:
        while time.monotonic() - started < seconds:
            now = time.monotonic()
            if now >= next_probe:
                next_probe += 1.0 / probes_per_s
                sent_at.append(now)
                for event in probe_events(len(sent_at), int(time.time() * 1000)):
                    name = type(event).__name__
                    pending.append(await producer.send(
                        settings.topic_for_schema(name), key=event.client_id.encode(),
                        value=codecs[name].encode(event_to_record(event)),
                    ))  # fmt: skip
                sent += 3
            else:
                item = next(background, None)
                if item is None:
                    raise RuntimeError("the latency population ran out: generate more clients")
                topic, key, value = item
                pending.append(await producer.send(topic, key=key, value=value))
                sent += 1
            if len(pending) > 5000:
                await asyncio.gather(*pending)
                pending.clear()
            ahead = sent / rate - (time.monotonic() - started)
            if ahead > 0:
                await asyncio.sleep(ahead)
        elapsed = time.monotonic() - started
        await asyncio.gather(*pending)
        deadline = time.monotonic() + 30
        while len(seen_at) < len(sent_at) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    finally:
        watcher.cancel()
        with contextlib.suppress(BaseException):
            await watcher
        await producer.stop()
        await consumer.stop()
    latencies = sorted(seen_at[k] - sent_at[k - 1] for k in range(1, len(sent_at) + 1)
                       if k in seen_at)  # fmt: skip
    return {
        "rate_sent": sent / elapsed,
        "probes": len(sent_at),
        "probes_seen": len(latencies),
        "probe_p50": latencies[len(latencies) // 2] if latencies else None,
        "probe_p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        if latencies else None,
        "probe_max": latencies[-1] if latencies else None,
    }  # fmt: skip


def run_latency(
    worker: WorkerProcess, settings: Settings, pop: Path, rate: float, seconds: float
) -> dict[str, Any]:
    """Send background events and counted probe clients at `rate`; measure both latencies."""
    name = "transparantie_event_to_update_seconds"
    before = histogram(worker.metrics(), name)
    cpu_before, t_before = cpu_seconds(worker.pid), time.monotonic()
    result = asyncio.run(_latency(settings, pop, rate, seconds, probes_per_s=2.0))
    cpu = cpu_seconds(worker.pid) - cpu_before
    after = histogram(worker.metrics(), name)
    delta = {le: after[le] - before.get(le, 0.0) for le in after}
    result.update(
        histogram_events=delta[float("inf")],
        histogram_p50=quantile(delta, 0.5),
        histogram_p99=quantile(delta, 0.99),
        worker_cpu_share=cpu / (time.monotonic() - t_before),
    )
    return result


# --- recovery ---------------------------------------------------------------------------------
def time_to_ready(settings: Settings, log: Path, expected: list[dict[str, Any]]) -> dict[str, Any]:
    """Cold start of a worker to /readyz 200; check its counts; stop it."""
    worker = WorkerProcess(settings, log).start()
    try:

        def ready() -> bool:
            worker.check()
            return worker.ready()

        wait(ready, 1800, "/readyz 200", every=0.1)
        seconds = time.monotonic() - worker.started_at
        mem = memory(worker.pid)
        total = next(row["totaal"] for row in expected if row["regio_code"] == "NL")
        # the worker's own subtotals (its ledger, rebuilt from the recovered state), not only
        # the counts topic (which holds the right table from before)
        wait(lambda: metric_sum(worker.metrics(), "transparantie_clients") == total, 60,
             "the recovered ledger to count every client")  # fmt: skip
        wait(lambda: worker.counts() == expected, 60, "counts after recovery")
        return {"seconds_to_ready": seconds, "rss": mem["VmRSS"], "peak_rss": mem["VmHWM"]}
    finally:
        worker.stop()


async def _changelog_records(settings: Settings) -> int:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from streams.kafka.topics import CLIENTS_TABLE, changelog_topic

    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers)
    await consumer.start()
    try:
        topic = changelog_topic(settings, CLIENTS_TABLE)
        tps = [TopicPartition(topic, p) for p in range(settings.partitions)]
        ends = await consumer.end_offsets(tps)
        starts = await consumer.beginning_offsets(tps)
        return sum(ends[tp] - starts[tp] for tp in tps)
    finally:
        await consumer.stop()


def empty_worker_rss(bootstrap: str, run: str, tmp: Path) -> int:
    """RSS of a ready worker (memory store) with no state: the base of per-client figures."""
    s = settings_for(bootstrap, f"bench-{run}-empty", f"bench-{run}-empty", store="memory",
                     data_dir=tmp / "empty")  # fmt: skip
    from streams.kafka.topics import create_topics

    asyncio.run(create_topics(s))
    worker = WorkerProcess(s, tmp / "empty.log").start()
    try:

        def ready() -> bool:
            worker.check()
            return worker.ready()

        wait(ready, 300, "/readyz 200", every=0.2)
        time.sleep(2)
        return memory(worker.pid)["VmRSS"]
    finally:
        worker.stop()


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


def run_recovery(
    bootstrap: str, clients: int, seed: int, tmp: Path, broker_pid: int | None, broker_dir: Path
) -> dict[str, Any]:
    """Cold starts to /readyz 200 with `clients` clients of state: from the changelog alone
    (fresh data dir; RocksDB and memory store) and from the local RocksDB (restart). The
    state is built once per population, broker and changelog layout by a worker (kept for
    the next runs); the log cleaner gets to compact the changelog first, as in production."""
    from streams.kafka.topics import CHANGELOG_SEGMENT_BYTES, CLIENTS_TABLE, changelog_topic

    rpop = population(clients, seed)
    expected = json.loads((rpop / "expected.json").read_text())
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
        "changelog_offsets": asyncio.run(_changelog_records(rs)),  # records ever written
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


# --- orchestration ----------------------------------------------------------------------------
def fmt_row(name: str, r: dict[str, Any]) -> str:
    return (
        f"| {name} | {r['events_per_s']:,.0f} | {r['cpu_s_per_million']:.0f} "
        f"| {r['broker_cpu_s_per_million']:.0f} | {r['peak_rss'] / 2**20:,.0f} MiB "
        f"| {r['state_bytes_per_client']:,.0f} B |"
    )


def main() -> None:
    """Run the whole live benchmark and print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--clients", type=int, default=130_000, help="population (≈7.9 events each)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--store", choices=("rocksdb", "memory"), default="rocksdb",
                        help="store of the naive agent and the worker")  # fmt: skip
    parser.add_argument("--also-memory", action="store_true",
                        help="also run the worker with the memory store")  # fmt: skip
    parser.add_argument("--profile", action="store_true",
                        help="sample the worker's throughput run with py-spy (slows it)")  # fmt: skip
    parser.add_argument("--broker-port", type=int, default=19800)
    parser.add_argument("--broker-dir", type=Path, default=Path("/tmp/bench-broker"))
    parser.add_argument(
        "--skip", default="", help="comma list of: plain,naive,worker,latency,recovery"
    )
    parser.add_argument("--rate", type=float, default=2000.0)
    parser.add_argument("--latency-seconds", type=float, default=90.0)
    parser.add_argument("--recovery-clients", type=int, default=1_000_000)
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    CACHE.mkdir(parents=True, exist_ok=True)
    run = time.strftime("%Y%m%d-%H%M%S")
    tmp = CACHE / f"run-{run}"
    tmp.mkdir(parents=True)
    local_broker.start(port=args.broker_port, data_dir=args.broker_dir, wait_timeout=120)
    broker_pid = local_broker.status(args.broker_dir, args.broker_port).pid
    bootstrap = f"{local_broker.HOST}:{args.broker_port}"
    figures: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_before": load_average(),
    }

    pop = population(args.clients, args.seed)
    expected = json.loads((pop / "expected.json").read_text())
    prefix = f"bench-{run}"
    base = settings_for(bootstrap, prefix, f"bench-{run}-worker", store=args.store,
                        data_dir=tmp / "worker")  # fmt: skip
    events, produce_s = produce(base, pop)
    figures["population"] = {"clients": args.clients, "seed": args.seed, "events": events,
                             "produce_seconds": produce_s}  # fmt: skip
    print(f"produced {events} events of {args.clients} clients in {produce_s:.0f} s", flush=True)

    results: dict[str, dict[str, Any]] = {}
    if "plain" not in skip:
        s = settings_for(bootstrap, prefix, f"bench-{run}-plain")
        results["plain"] = run_contender("plain", s, events, args.clients, broker_pid, tmp)
        ok = results["plain"].pop("counts_equal_expected") == expected
        results["plain"]["counts_equal_expected"] = ok
        print("plain", json.dumps(results["plain"]), flush=True)
    if "naive" not in skip:
        s = settings_for(bootstrap, prefix, f"bench-{run}-naive", store=args.store)
        results["naive"] = run_contender("naive", s, events, args.clients, broker_pid, tmp)
        print("naive", json.dumps(results["naive"]), flush=True)
    if args.also_memory:  # before the default worker, which stays up for the latency run
        s = settings_for(bootstrap, prefix, f"bench-{run}-worker-mem", store="memory",
                         data_dir=tmp / "worker-mem")  # fmt: skip
        results["worker_memory"], _ = run_worker_throughput(
            s, expected, events, args.clients, tmp / "worker-mem.log", broker_pid
        )
        print("worker_memory", json.dumps(results["worker_memory"]), flush=True)
    worker = None
    try:
        if "worker" not in skip:
            results["worker"], worker = run_worker_throughput(
                base, expected, events, args.clients, tmp / "worker.log", broker_pid,
                keep_running="latency" not in skip,
                profile=tmp / "worker.pyspy" if args.profile else None,
            )  # fmt: skip
            print("worker", json.dumps(results["worker"]), flush=True)
        figures["throughput"] = results
        if worker is not None and "latency" not in skip:
            lat_pop = population(
                max(30_000, int(args.rate * args.latency_seconds / 6)), args.seed + 1
            )
            figures["latency"] = run_latency(worker, base, lat_pop, args.rate, args.latency_seconds)
            print("latency", json.dumps(figures["latency"]), flush=True)
    finally:
        if worker is not None:  # also when a step fails: no worker is left behind
            worker.stop()

    if "recovery" not in skip:
        figures["recovery"] = run_recovery(bootstrap, args.recovery_clients, args.seed, tmp,
                                           broker_pid, args.broker_dir)  # fmt: skip
        print("recovery", json.dumps(figures["recovery"]), flush=True)

    figures["load_after"] = load_average()
    out = CACHE / f"live-{run}.json"
    out.write_text(json.dumps(figures, indent=2))
    print()
    print(f"machine: {figures['machine']}; load {figures['load_before']:.1f} -> "
          f"{figures['load_after']:.1f}; population {args.clients} clients, {events} events")  # fmt: skip
    print(
        "| contender | events/s | CPU s / M events | broker CPU s / M | peak RSS | state / client |"
    )
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(fmt_row(name, r))
    if "worker" in results:
        w = results["worker"]
        for other in ("plain", "naive"):
            if other in results:
                ratio = w["events_per_s"] / results[other]["events_per_s"]
                print(f"worker / {other}: {ratio:.2f}")
    if "latency" in figures:
        lat = figures["latency"]
        print(f"latency at {lat['rate_sent']:,.0f} events/s: event->ledger p50 "
              f"{lat['histogram_p50']:.3f} s p99 {lat['histogram_p99']:.3f} s; event->counts topic "
              f"p50 {lat['probe_p50']:.3f} s p99 {lat['probe_p99']:.3f} s "
              f"({lat['probes_seen']}/{lat['probes']} probes)")  # fmt: skip
    if "recovery" in figures:
        rec = figures["recovery"]
        print(f"recovery of {rec['clients']} clients ({rec['changelog_offsets']} changelog "
              f"records written, {rec['changelog_disk_bytes'] / 2**20:,.0f} MiB after "
              f"compaction): rocksdb from changelog "
              f"{rec['rocksdb_from_changelog']['seconds_to_ready']:.1f} s, "
              f"rocksdb from local {rec['rocksdb_from_local']['seconds_to_ready']:.1f} s, memory "
              f"from changelog {rec['memory_from_changelog']['seconds_to_ready']:.1f} s "
              f"({rec['memory_bytes_per_client']:,.0f} B per client over an empty worker)")  # fmt: skip
    print(f"figures: {out}")


def internal() -> None:
    """Entry point of the contender subprocesses (settings come from the environment)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=("plain", "naive"))
    parser.add_argument("--total", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    settings = Settings()
    if args.kind == "plain":
        asyncio.run(plain_loop(settings, args.total, args.out))
    else:
        naive_faust(settings, args.total, args.out, args.data_dir)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("plain", "naive"):
        internal()
    else:
        main()
