"""Soak: the worker at a steady rate for a bounded time with the day of counting moving on.

Run: `make soak` (= `python -m bench.soak`). On a broker of its own (port 19810, data
/tmp/soak-broker) one `transparantie worker` (RocksDB) takes 2,000 events/s for 10 minutes:
the events of a fixed population of 25,000 clients again and again, each pass as newer
versions (so every event is a real update of a client it has, and what grows is not the
state), and counted probe clients (bench/live/latency.py: the probe latency is measured to the
counts topic), while the day of counting moves one day forward every 20 seconds
(TRANSPARANTIE_AS_OF_FILE: the clock re-evaluates the clients that fall due). Its resident
memory is sampled every 5 seconds. It reports the RSS slope (least squares, after a 4-minute
warm-up in which caches fill and the first memtables are flushed; in MiB per hour; alert
WorkerMemoryGrowing fires above 64 MiB/h), the event-to-update p50/p99 from the worker's
histogram, the probes' p50/p99, and whether
`transparantie reconcile` finds the counts topic exact on the last day. Figures are printed
and written to .cache/bench/soak-<time>.json; docs/reliability.md has the last run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.live.contenders import onbekend_clients
from bench.live.harness import AS_OF, CACHE, create_topics, load_average, memory, population
from bench.live.latency import run_latency
from streams.codecs.avro import AvroCodec
from streams.codecs.files import read_records
from streams.devtools.stack import (
    PROJECT,
    Worker,
    env_of,
    isolated_broker,
    metrics,
    stack_settings,
)
from streams.settings import Settings

MIB = 1024 * 1024


def slope_per_hour(samples: list[tuple[float, int]]) -> float:
    """Least-squares slope of (seconds, bytes) samples, in bytes per hour."""
    n = len(samples)
    if n < 2:
        return 0.0
    mean_t = sum(t for t, _ in samples) / n
    mean_b = sum(b for _, b in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    cov = sum((t - mean_t) * (b - mean_b) for t, b in samples)
    return 3600 * cov / var if var else 0.0


class Sampler(threading.Thread):
    """Samples a process's RSS every `every` seconds, and moves the day in `as_of_file` one
    day forward every `day_every` seconds, until stopped."""

    def __init__(self, pid: int, as_of_file: Path, every: float, day_every: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.as_of_file = pid, as_of_file
        self.every, self.day_every = every, day_every
        self.rss: list[tuple[float, int]] = []
        self.day = AS_OF
        self.stopped = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        next_day = started + self.day_every
        while not self.stopped.wait(self.every):
            now = time.monotonic()
            self.rss.append((now - started, memory(self.pid)["VmRSS"]))
            if now >= next_day:
                next_day += self.day_every
                self.day += timedelta(days=1)
                self.as_of_file.write_text(self.day.isoformat() + "\n")


def reconcile_drift(settings: Settings, day: date) -> bool:
    """`transparantie reconcile` on `day`: True when the counts topic differs (exit 1)."""
    done = subprocess.run(
        [sys.executable, "-m", "streams", "reconcile", "--as-of", day.isoformat()],
        env=env_of(settings), cwd=PROJECT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    if done.returncode not in (0, 1):
        raise RuntimeError(f"reconcile could not run:\n{done.stderr[-2000:]}")
    print(done.stdout, flush=True)
    return done.returncode == 1


def cycled(pop: Path, settings: Settings) -> Iterator[tuple[str, bytes, bytes]]:
    """The population's events again and again, each pass as newer versions of the same facts
    (event ids suffixed, occurred_at moved past the previous pass): every event is applied to
    a client the worker already has, as real updates are. The four files round-robin, without
    the clients of region ONBEKEND (the probes count there)."""
    skip = onbekend_clients(pop)
    files = [
        [(name, r) for name, r in read_records(path) if r["client_id"] not in skip]
        for path in sorted(pop.glob("*.avro"))
    ]
    records = [item for group in itertools.zip_longest(*files) for item in group if item]
    times = [r["occurred_at"] for _, r in records]
    span = max(times) - min(times) + timedelta(milliseconds=1)
    codecs = {name: AvroCodec(name, settings.framing) for name, _ in records}
    for n in itertools.count():
        for name, record in records:
            if n:
                record = {**record, "event_id": f"{record['event_id']}~{n}",
                          "occurred_at": record["occurred_at"] + n * span}  # fmt: skip
            yield (
                settings.topic_for_schema(name),
                record["client_id"].encode(),
                codecs[name].encode(record),
            )


def parse_args() -> argparse.Namespace:
    """The command line (see --help)."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)  # fmt: skip
    parser.add_argument("--rate", type=float, default=2000.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=600.0, help="how long")
    parser.add_argument("--day-every", type=float, default=20.0,
                        help="seconds between two moves of the day of counting")  # fmt: skip
    parser.add_argument("--warm-up", type=float, default=240.0,
                        help="seconds left out of the RSS slope")  # fmt: skip
    parser.add_argument("--clients", type=int, default=25_000,
                        help="the fixed population whose events come again and again")  # fmt: skip
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store", choices=("rocksdb", "memory"), default="rocksdb")
    parser.add_argument("--broker-port", type=int, default=19810)
    parser.add_argument("--broker-dir", type=Path, default=Path("/tmp/soak-broker"))
    parser.add_argument("--no-reconcile", action="store_true", help="skip the final check")
    return parser.parse_args()


def soak(args: argparse.Namespace, bootstrap: str, tmp: Path) -> dict[str, Any]:
    """One soak run on the broker at `bootstrap`; the figures."""
    pop = population(args.clients, args.seed)
    as_of_file = tmp / "as-of"
    as_of_file.write_text(AS_OF.isoformat() + "\n")
    settings = stack_settings(bootstrap, f"soak-{tmp.name}", store=args.store,
                              data_dir=tmp / "worker", as_of_file=as_of_file)  # fmt: skip
    create_topics(settings)
    worker = Worker(env_of(settings), tmp / "worker.log").start()
    try:
        worker.wait_ready(120)
        sampler = Sampler(worker.pid, as_of_file, every=5.0, day_every=args.day_every)
        sampler.start()
        try:
            background = cycled(pop, settings)
            latency = run_latency(worker, settings, pop, args.rate, args.seconds, background)
        finally:
            sampler.stopped.set()
            sampler.join()
        peak = memory(worker.pid)["VmHWM"]
        outcomes: dict[str, float] = {}
        for sample in metrics.samples(worker.metrics(), "transparantie_events_total"):
            outcome = sample.labels["outcome"]
            outcomes[outcome] = outcomes.get(outcome, 0) + sample.value
        steady = [(t, b) for t, b in sampler.rss if t >= args.warm_up]
        figures: dict[str, Any] = {
            "rate": args.rate, "seconds": args.seconds, "day_every": args.day_every,
            "days_moved": (sampler.day - AS_OF).days, "last_day": sampler.day.isoformat(),
            "rss_first_mib": sampler.rss[0][1] / MIB if sampler.rss else None,
            "rss_after_warm_up_mib": steady[0][1] / MIB if steady else None,
            "rss_last_mib": sampler.rss[-1][1] / MIB if sampler.rss else None,
            "rss_peak_mib": peak / MIB,
            "rss_slope_mib_per_hour": slope_per_hour(steady) / MIB,
            "rss_slope_whole_run_mib_per_hour": slope_per_hour(sampler.rss) / MIB,
            "latency": latency,
            "events_by_outcome": outcomes,
            "store": args.store,
            "rss_samples_mib": [(round(t), round(b / MIB, 1)) for t, b in sampler.rss],
        }  # fmt: skip
        if not args.no_reconcile:
            figures["reconcile_drift"] = reconcile_drift(settings, sampler.day)
        return figures
    finally:
        worker.stop()


def main() -> None:
    """Run the soak and print the figures."""
    args = parse_args()
    run = time.strftime("%Y%m%d-%H%M%S")
    tmp = CACHE / f"soak-{run}"
    tmp.mkdir(parents=True)
    load_before = load_average()
    with isolated_broker(args.broker_port, args.broker_dir) as broker:
        figures = soak(args, broker.bootstrap_servers, tmp)
    figures.update(load_before=load_before, load_after=load_average(), at=date.today().isoformat())
    out = CACHE / f"soak-{run}.json"
    out.write_text(json.dumps(figures, indent=2))
    lat = figures["latency"]
    print(json.dumps({k: v for k, v in figures.items() if k != "rss_samples_mib"}, indent=2))
    print(
        f"\nsoak {args.seconds:.0f} s at {lat['rate_sent']:.0f} events/s, day moved "
        f"{figures['days_moved']} times: RSS {figures['rss_after_warm_up_mib']:.0f} -> "
        f"{figures['rss_last_mib']:.0f} MiB (peak {figures['rss_peak_mib']:.0f}), slope "
        f"{figures['rss_slope_mib_per_hour']:+.1f} MiB/h after warm-up; event-to-update p50 "
        f"{lat['histogram_p50']:.3f} s, p99 {lat['histogram_p99']:.3f} s; probes p50 "
        f"{lat['probe_p50']:.3f} s, p99 {lat['probe_p99']:.3f} s; "
        f"reconcile drift: {figures.get('reconcile_drift')}\nfigures: {out}"
    )


if __name__ == "__main__":
    main()
