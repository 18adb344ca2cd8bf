"""`python -m bench.live`: parse the flags, run the parts not skipped, print and save the figures."""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import bench.live
from bench.live import report
from bench.live.contenders import run_contender
from bench.live.harness import CACHE, load_average, population, produce, settings_for
from bench.live.latency import run_latency
from bench.live.quix import MODULE as QUIX_MODULE
from bench.live.quix import VenvUnavailable, ensure_venv
from bench.live.recovery import run_recovery
from bench.live.scaleout import efficiency, run_two_workers
from bench.live.worker import run_worker_throughput
from streams.devtools.broker import stop as stop_broker
from streams.devtools.stack import Worker, load_expected, start_broker
from streams.settings import Settings

PARTS = ("plain", "naive", "quix", "worker", "latency", "two", "recovery")


def parse_args() -> argparse.Namespace:
    """The command line (see --help)."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.live", description=bench.live.__doc__,
        formatter_class=argparse.RawTextHelpFormatter,
    )  # fmt: skip
    parser.add_argument(
        "--clients", type=int, default=130_000, help="population (≈7.9 events each)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--store", choices=("rocksdb", "memory"), default="rocksdb",
                        help="store of the naive agent and the worker")  # fmt: skip
    parser.add_argument("--also-memory", action="store_true",
                        help="also run the worker with the memory store")  # fmt: skip
    parser.add_argument("--profile", action="store_true",
                        help="sample the worker's throughput run and the cold start from the"
                        " changelog with py-spy (slows them)")  # fmt: skip
    parser.add_argument("--broker-port", type=int, default=19800)
    parser.add_argument("--broker-dir", type=Path, default=Path("/tmp/bench-broker"))
    parser.add_argument(
        "--keep-broker",
        action="store_true",
        help="leave the bench broker running afterwards (a re-run reuses it)",
    )
    parser.add_argument("--skip", default="", help=f"comma list of: {','.join(PARTS)}")
    parser.add_argument("--rate", type=float, default=2000.0)
    parser.add_argument("--latency-seconds", type=float, default=90.0)
    parser.add_argument("--recovery-clients", type=int, default=1_000_000)
    args = parser.parse_args()
    args.skip = set(filter(None, args.skip.split(",")))
    if unknown := args.skip - set(PARTS):
        parser.error(
            f"--skip: unknown part(s) {','.join(sorted(unknown))}; known: {','.join(PARTS)}"
        )
    return args


def run_plain(
    name: str, s: Settings, events: int, args: argparse.Namespace,
    expected: list[dict[str, Any]], broker_pid: int | None, tmp: Path,
) -> dict[str, Any]:  # fmt: skip
    """One run of the plain loop, its counts checked against expected.json."""
    result = run_contender("plain", s, events, args.clients, broker_pid, tmp, name=name)
    result["counts_equal_expected"] = result.pop("counts_equal_expected") == expected
    print(name, json.dumps(result), flush=True)
    return result


def main() -> None:
    """Run the whole live benchmark and print the figures."""
    args = parse_args()
    skip: set[str] = args.skip
    quix_python = None
    if "quix" not in skip:  # before the broker and the population: a missing venv ends it here
        try:
            quix_python = ensure_venv()
        except VenvUnavailable as exc:
            raise SystemExit(str(exc)) from None
    broker = start_broker(args.broker_port, args.broker_dir)
    try:
        measure(args, quix_python, broker.pid, broker.bootstrap_servers)
    finally:  # no broker left behind on the port, unless asked (a re-run reuses it)
        if not args.keep_broker:
            stop_broker(args.broker_dir)


def measure(
    args: argparse.Namespace, quix_python: Path | None, broker_pid: int | None, bootstrap: str
) -> None:
    """Every part not skipped, on the started broker; print and save the figures."""
    skip: set[str] = args.skip
    CACHE.mkdir(parents=True, exist_ok=True)
    run = time.strftime("%Y%m%d-%H%M%S")
    tmp = CACHE / f"run-{run}"
    tmp.mkdir(parents=True)
    figures: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_before": load_average(),
    }

    pop = population(args.clients, args.seed)
    expected = load_expected(pop)
    prefix = f"bench-{run}"
    base = settings_for(bootstrap, prefix, f"bench-{run}-worker", store=args.store,
                        data_dir=tmp / "worker")  # fmt: skip
    events, produce_s = produce(base, pop)
    figures["population"] = {"clients": args.clients, "seed": args.seed, "events": events,
                             "produce_seconds": produce_s}  # fmt: skip
    print(f"produced {events} events of {args.clients} clients in {produce_s:.0f} s", flush=True)

    results: dict[str, dict[str, Any]] = {}
    # the plain loop runs first and again last, so that every ratio to it is bracketed
    plain = settings_for(bootstrap, prefix, f"bench-{run}-plain")
    if "plain" not in skip:
        results["plain"] = run_plain("plain", plain, events, args, expected, broker_pid, tmp)
    if "naive" not in skip:
        s = settings_for(bootstrap, prefix, f"bench-{run}-naive", store=args.store)
        results["naive"] = run_contender("naive", s, events, args.clients, broker_pid, tmp)
        print("naive", json.dumps(results["naive"]), flush=True)
    if quix_python is not None:
        s = settings_for(bootstrap, prefix, f"bench-{run}-quix")
        command = [str(quix_python), "-m", QUIX_MODULE]
        results["quix"] = run_contender("quix", s, events, args.clients, broker_pid, tmp,
                                        command=command)  # fmt: skip
        results["quix"]["counts_equal_expected"] = (
            results["quix"].pop("counts_equal_expected") == expected
        )
        print("quix", json.dumps(results["quix"]), flush=True)
    if args.also_memory:  # before the default worker, which stays up for the latency run
        s = settings_for(bootstrap, prefix, f"bench-{run}-worker-mem", store="memory",
                         data_dir=tmp / "worker-mem")  # fmt: skip
        results["worker_memory"], _ = run_worker_throughput(
            s, expected, events, args.clients, tmp / "worker-mem.log", broker_pid
        )
        print("worker_memory", json.dumps(results["worker_memory"]), flush=True)
    worker: Worker | None = None
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
    if "plain" not in skip and len(results) > 1:
        results["plain_after"] = run_plain("plain_after", plain, events, args, expected,
                                           broker_pid, tmp)  # fmt: skip
    figures["ratios"] = report.ratios(results)
    if "two" not in skip and "worker" in results:  # scale-out, against the one worker above
        s = settings_for(bootstrap, prefix, f"bench-{run}-two", store=args.store)
        two = run_two_workers(s, expected, events, tmp, broker_pid)
        two["efficiency"] = efficiency(two, results["worker"])
        figures["two_workers"] = two
        print("two_workers", json.dumps(two), flush=True)

    if "recovery" not in skip:
        figures["recovery"] = run_recovery(bootstrap, args.recovery_clients, args.seed, tmp,
                                           broker_pid, args.broker_dir, args.profile)  # fmt: skip
        print("recovery", json.dumps(figures["recovery"]), flush=True)

    figures["load_after"] = load_average()
    out = CACHE / f"live-{run}.json"
    report.write(figures, out)
    print()
    print(report.summary(figures))
    print(f"figures: {out}")


if __name__ == "__main__":
    main()
