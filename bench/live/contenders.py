"""The contenders (1) a plain aiokafka loop and (2) a naive Faust agent, and their runner.

(1) and (2) run as subprocesses of this module (`python -m bench.live.contenders plain|naive`,
settings from the environment) and report to a JSON file, as (4) Quix does (bench/live/quix.py);
(3), `transparantie worker`, is timed from outside (bench/live/worker.py). Every use of the streams APIs being
refactored (streams.service, streams.engine, streams.codecs) by the benchmark is in this
module and in quix.py, as the worker uses them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.live.harness import (
    AS_OF,
    PROJECT,
    cpu_seconds,
    dir_bytes,
    memory,
    write_json,
)
from streams.devtools.stack import env_of
from streams.settings import Settings


# --- (1) plain aiokafka loop, (2) naive Faust agent: subprocess entry points ----------------
async def plain_loop(settings: Settings, total: int, out: Path) -> None:
    """(1): getmany batches, the same per-event work as the worker, state in a dict."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from streams.codecs.wire import worker_wire
    from streams.engine.app import tune_gc
    from streams.service.admission import Admission
    from streams.service.ledger import Ledger
    from streams.service.reference import load_regions

    regions = load_regions()
    ledger = Ledger(regions, AS_OF)
    handle = Admission(worker_wire(settings, regions).decoders, regions).handle
    update = ledger.update
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
                    before = states.get(key)
                    handled = handle(topic, key, m.value, before)
                    if handled.state is not None:
                        update(partition, handled.client_id, before, handled.state)
                        states[key] = handled.state
                done += len(records)
            longest = max(longest, time.monotonic() - started)
        t_end, cpu_end = time.monotonic(), time.process_time()
    finally:
        await consumer.stop()
    mem = memory(os.getpid())
    from streams.domain import publication_table

    rows = publication_table(ledger.totals(), regions, AS_OF)
    write_json(out, {
        "events": done, "seconds": t_end - t_first, "cpu": cpu_end - cpu_first,
        "rss_start": rss_first, "rss_end": mem["VmRSS"], "peak_rss": mem["VmHWM"],
        "clients": len(states), "counts": [r.to_json() for r in rows], "longest_batch_s": longest,
    })  # fmt: skip


def naive_faust(settings: Settings, total: int, out: Path, data_dir: Path) -> None:
    """(2): a straightforward Faust agent: one event at a time, one Table write per event."""
    import faust

    from streams.codecs.wire import worker_wire
    from streams.engine.app import faust_broker_url
    from streams.service.admission import Admission
    from streams.service.ledger import Ledger
    from streams.service.ports import StoredClient
    from streams.service.reference import load_regions

    regions = load_regions()
    ledger = Ledger(regions, AS_OF)
    admission = Admission(worker_wire(settings, regions).decoders, regions)
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
            stored = clients.get(key)
            before = None if stored is None else stored.state
            handled = admission.handle(msg.topic, key, event.value, before)
            if handled.state is not None:
                ledger.update(msg.partition, handled.client_id, before, handled.state)
                clients[key] = StoredClient(msg.partition, handled.state)
            seen["done"] += 1
            if seen["done"] == total:
                mem = memory(os.getpid())
                write_json(out, {
                    "events": total, "seconds": time.monotonic() - seen["t_first"],
                    "cpu": time.process_time() - seen["cpu_first"],
                    "rss_start": seen["rss_first"], "rss_end": mem["VmRSS"],
                    "peak_rss": mem["VmHWM"],
                })  # fmt: skip

    sys.argv = [sys.argv[0], "worker", "--loglevel", "warn"]
    app.main()


def run_contender(
    kind: str, settings: Settings, total: int, clients: int, broker_pid: int | None, tmp: Path,
    name: str | None = None, command: list[str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Run (1), (2) or (4) as a subprocess until it reports; add the broker's CPU. `name` names
    its files (a second run of the same kind); `command` replaces `python -m
    bench.live.contenders <kind>` (Quix runs in its own venv, bench/live/quix.py)."""
    name = name or kind
    out = tmp / f"{name}.json"
    out.unlink(missing_ok=True)
    data_dir = tmp / f"{name}-data"
    shutil.rmtree(data_dir, ignore_errors=True)
    command = command or [sys.executable, "-m", "bench.live.contenders", kind]
    args = [*command, "--total", str(total), "--out", str(out), "--data-dir", str(data_dir)]
    log = (tmp / f"{name}.log").open("ab")
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
        log.close()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
    raw = json.loads(out.read_text())
    if not raw.get("complete", True):
        raise RuntimeError(
            f"{name} stopped after {raw['events']} of {total} events; log {log.name}"
        )
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
    if kind == "quix" or (settings.store == "rocksdb" and kind == "naive"):
        result["state_bytes_per_client"] = dir_bytes(data_dir) / clients
    else:
        result["state_bytes_per_client"] = result["rss_delta_per_client"]
    if "seconds_to_last_event" in raw:  # Quix: before its last checkpoint and its stop
        result["seconds_to_last_event"] = raw["seconds_to_last_event"]
        result["cpu_s_per_million_to_last_event"] = raw["cpu_to_last_event"] / raw["events"] * 1e6
        result["versions"] = raw["versions"]
    if "counts" in raw:
        result["counts_equal_expected"] = raw["counts"]
    return result


# --- what the latency run needs of the codecs and the reference data --------------------------
def event_encoder(settings: Settings) -> Callable[[Any], bytes]:
    """Encode a domain event as the worker's input topics carry it."""
    from streams.codecs.avro import AvroCodec
    from streams.codecs.events import event_to_record

    codecs = {n: AvroCodec(n, settings.framing) for n in
              ("ClientRegistration", "Indication", "RegisterMembership")}  # fmt: skip

    def encode(event: Any) -> bytes:
        return codecs[type(event).__name__].encode(event_to_record(event))

    return encode


def region_counts_decoder(settings: Settings) -> Callable[[bytes], dict[str, Any]]:
    """Decode a record of the counts topic."""
    from streams.codecs.avro import AvroCodec

    decode: Callable[[bytes], dict[str, Any]] = AvroCodec("RegionCounts", settings.framing).decode
    return decode


def onbekend_clients(pop: Path) -> set[str]:
    """Clients with any registration whose gemeente is null or unknown (region ONBEKEND)."""
    from streams.codecs.files import read_records
    from streams.domain.regions import ONBEKEND
    from streams.service.reference import load_regions

    regions = load_regions()
    return {
        r["client_id"]
        for _, r in read_records(pop / "ClientRegistration.avro")
        if regions.region_of(r["gemeentecode"]) == ONBEKEND
    }


def main() -> None:
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
    main()
