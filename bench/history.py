"""History benchmarks: the backfill's speed in days/s and events/s, and what a snapshot costs.

1. backfill: a generated population with a past (its events stamped with when they became
   known) is produced to a broker of its own, then `history backfill` rebuilds the last
   `--days` days in one pass and writes them, in one process and in two (one per core);
   figures for the whole job and its phases (read from Kafka, fold day by day) summed over
   the partition numbers. Producing is not timed.
2. snapshot: the worker's cost at the end of a day (the daybook turns the last complete set of
   subtotal messages into the day's table, which is encoded for the history topic), the size
   of a snapshot, and decoding one (the history view, /history, report).

Run: `make bench` (the demo's population, 50,000 clients, its 457 days of history), or
`python -m bench.history --clients 300000 --days 365` for a year of the real-size population.
One process; the broker runs beside it on the same machine: the load average is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from streams.codecs.files import known_at_path
from streams.codecs.history import SnapshotCodec
from streams.codecs.wire import worker_wire
from streams.devtools import stack
from streams.devtools.generate import generate
from streams.domain import Column
from streams.kafka.backfill import backfill_history
from streams.kafka.producer import publish, timed_messages
from streams.kafka.topics import create_topics
from streams.service.daybook import Daybook
from streams.service.reference import load_regions
from streams.service.reports import SubtotalReport
from streams.settings import Settings

AS_OF = date(2026, 11, 29)
CACHE = stack.PROJECT / ".cache" / "bench"


def population(clients: int, seed: int) -> Path:
    """A population with a past, generated once into the bench cache."""
    out = CACHE / f"history-pop-{clients}-s{seed}-{AS_OF.isoformat()}"
    if not known_at_path(out / "ProfileEdit.avro").is_file():
        shutil.rmtree(out, ignore_errors=True)
        print(f"generating {clients} clients (seed {seed}) into {out} ...", flush=True)
        generate(clients, seed, out, AS_OF, progress=True)
    return out


def load() -> str:
    """The load averages, as uptime prints them."""
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def backfill(pop: Path, days: int, port: int, processes: list[int]) -> None:
    """Produce the population to a fresh broker and time a backfill of `days` days with each
    number of processes."""
    data = CACHE / "history-broker"
    with stack.isolated_broker(port, data) as broker:
        settings = stack.stack_settings(broker.bootstrap_servers, "bench-history", as_of=AS_OF)
        asyncio.run(create_topics(settings))
        paths = sorted(pop.glob("*.avro"))
        started = time.monotonic()
        sent = asyncio.run(publish(timed_messages(paths, settings), settings))
        print(f"produced {sent:,} events in {time.monotonic() - started:.1f} s (not timed)")
        first, last = AS_OF - timedelta(days=days), AS_OF - timedelta(days=1)
        for n in processes:
            print(f"backfill {first} .. {last} ({days} days), {n} process(es); {load()}")
            started = time.monotonic()
            job = backfill_history(settings, load_regions(), first, last, processes=n)
            report = asyncio.run(job)
            seconds = time.monotonic() - started
            print(
                f"backfill: {len(report.written)} days from {report.events:,} events in "
                f"{seconds:.1f} s: {len(report.written) / seconds:,.1f} days/s, "
                f"{report.events / seconds:,.0f} events/s\n"
                f"  summed over the partition numbers: read from Kafka (and sort into days) "
                f"{report.read_seconds:.1f} s, fold day by day {report.fold_seconds:.1f} s "
                f"({report.events / max(report.fold_seconds, 1e-9):,.0f} events/s); {load()}",
                flush=True,
            )


def best_of(runs: int, work: Callable[[], object]) -> float:
    """The fastest of `runs` timings of `work`, in seconds."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def snapshot_cost(partitions: int = 4, runs: int = 2000) -> None:
    """What the end of a day costs the aggregator's worker, and a snapshot's size."""
    settings, regions = Settings(partitions=partitions), load_regions()
    wire = worker_wire(settings, regions)
    day = AS_OF
    cells = {(code, column): 7 for code in regions.codes_in_order for column in Column}
    positions = {topic: 123_456 for topic in settings.event_topics()}

    def reports(on: date) -> list[SubtotalReport]:
        return [
            wire.decode_subtotals(wire.encode_subtotals(SubtotalReport(
                p, partitions, 1, on, cells, {(t, p): o for t, o in positions.items()}
            )))
            for p in range(partitions)
        ]  # fmt: skip

    today, tomorrow = reports(day), reports(day + timedelta(days=1))
    codec = SnapshotCodec()
    book = Daybook(regions, partitions)

    def end_of_day() -> list[bytes]:
        # as the aggregator does: its whole table is looked at after every report
        for _ in range(partitions):
            book.observe(today, 1)
        return [
            codec.encode(s) for i in range(partitions)
            for s in book.observe([*tomorrow[: i + 1], *today[i + 1 :]], 1)
        ]  # fmt: skip

    (encoded,) = end_of_day()
    close = best_of(runs, end_of_day)
    decode = best_of(runs, lambda: codec.decode(encoded))
    print(
        f"snapshot: the end of a day (daybook, {partitions} partitions, and encoding) "
        f"{close * 1e6:,.0f} µs; a snapshot is {len(encoded):,} bytes "
        f"({len(encoded) * 365 / 1e6:.1f} MB for a year of days); decoding one "
        f"{decode * 1e6:,.0f} µs"
    )


def main() -> None:
    """Run the history benchmarks and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=457, help="days to backfill (≤ 457)")
    parser.add_argument("--broker-port", type=int, default=19810)
    parser.add_argument("--skip-backfill", action="store_true")
    parser.add_argument(
        "--processes", default="1,2", help="comma list: backfill with each (default 1,2)"
    )
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {load()}")  # fmt: skip
    snapshot_cost()
    if not args.skip_backfill:
        processes = [int(n) for n in args.processes.split(",")]
        backfill(population(args.clients, args.seed), args.days, args.broker_port, processes)


if __name__ == "__main__":
    main()
