"""Core benchmarks: events/s for apply+classify, and for decode+apply+classify from Avro bytes;
per client, the state decode and the ledger rebuild a worker does after recovery.

Run: `make bench` (or `python -m bench.core --clients 40000`). One process, one core.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

from streams.codecs.avro import AvroCodec
from streams.codecs.events import EventDecoder, event_from_record, event_to_record, schema_name_of
from streams.codecs.files import read_records
from streams.codecs.state import dumps, loads
from streams.devtools.generate import generate
from streams.domain import ClientState, Event, classify, fold, validate
from streams.engine.app import tune_gc
from streams.service.ledger import Ledger
from streams.service.ports import StoredClient
from streams.service.reference import load_regions
from streams.service.replay import read_events

AS_OF = date(2026, 11, 29)


def load_events(clients: int, seed: int) -> list[Event]:
    """A generated population's events, in file order."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        generate(clients, seed, out, AS_OF)
        records = [r for path in sorted(out.glob("*.avro")) for r in read_records(path)]
    return list(read_events(records, event_from_record, Counter()))


def best_of(runs: int, work: Callable[[], int]) -> tuple[float, int]:
    """The fastest of `runs` timings of `work` (which returns the number of events done)."""
    best, done = float("inf"), 0
    for _ in range(runs):
        started = time.perf_counter()
        done = work()
        best = min(best, time.perf_counter() - started)
    return best, done


def main() -> None:
    """Print events/s for the core alone and for decode+core."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    regions = load_regions()
    events = load_events(args.clients, args.seed)
    codecs = {name: AvroCodec(name) for name in {schema_name_of(e) for e in events}}
    messages = [
        (schema_name_of(e), codecs[schema_name_of(e)].encode(event_to_record(e))) for e in events
    ]
    decoders = {name: EventDecoder(name) for name in codecs}
    tune_gc()  # as the worker does

    def apply_and_classify() -> int:
        states: dict[str, ClientState] = {}
        for event in events:
            state, _ = fold(states.get(event.client_id), event)
            states[event.client_id] = state
            classify(state, AS_OF, regions)
        return len(events)

    def decode_apply_and_classify() -> int:
        states: dict[str, ClientState] = {}
        for name, data in messages:
            event = validate(decoders[name](data))
            state, _ = fold(states.get(event.client_id), event)
            states[event.client_id] = state
            classify(state, AS_OF, regions)
        return len(messages)

    def decode_only() -> int:
        for name, data in messages:
            decoders[name](data)
        return len(messages)

    final: dict[str, ClientState] = {}
    for event in events:
        final[event.client_id] = fold(final.get(event.client_id), event)[0]
    stored = [(k, dumps(StoredClient(hash(k) % 4, v))) for k, v in final.items()]

    def state_decode() -> int:
        for _, raw in stored:
            loads(raw)
        return len(stored)

    def ledger_rebuild() -> int:  # as after a recovery: decode each client once, then count it
        ledger = Ledger(regions, AS_OF)
        ledger.rebuild_partitions(
            range(4), ((s.partition, k, s.state) for k, s in ((k, loads(r)) for k, r in stored))
        )
        return len(stored)

    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    print(f"population: {args.clients} clients, {len(events)} events (seed {args.seed})")
    for label, work in (
        ("apply+classify", apply_and_classify),
        ("decode+validate+apply+classify", decode_apply_and_classify),
        ("decode only (canonical check included)", decode_only),
    ):
        seconds, done = best_of(args.runs, work)
        print(
            f"{label:<42} {done / seconds:>12,.0f} events/s  ({seconds:.2f} s best of {args.runs})"
        )
    for label, work in (
        ("state decode (statecodec.loads)", state_decode),
        ("ledger rebuild (decode, classify, due date)", ledger_rebuild),
    ):
        seconds, done = best_of(args.runs, work)
        print(
            f"{label:<42} {seconds / done * 1e6:>12.1f} µs/client ({done} clients, best of "
            f"{args.runs})"
        )


if __name__ == "__main__":
    main()
