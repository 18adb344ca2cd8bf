"""Core benchmarks: events/s for apply+classify, and for decode+apply+classify from Avro bytes;
per client, the state decode and the ledger rebuild a worker does after recovery; the decode
cost per event in each framing, with the writer's schema ours and a newer one. Times are the
process's CPU time (`time.process_time`), which other processes on a shared machine disturb less
than the wall clock.

Run: `make bench` (or `python -m bench.core --clients 40000`). One process, one core.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import fastavro

from streams.codecs.avro import AvroCodec, schema_json
from streams.codecs.events import EventDecoder, event_from_record, event_to_record, schema_name_of
from streams.codecs.files import read_records
from streams.codecs.state import dumps, loads
from streams.codecs.writers import Writer, WriterSchemas, fingerprint
from streams.devtools.generate import generate
from streams.domain import ClientState, Event, classify, fold, validate
from streams.engine.app import tune_gc
from streams.service.admission import Admission
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
    """The fastest of `runs` CPU timings of `work` (which returns the number of events done)."""
    best, done = float("inf"), 0
    for _ in range(runs):
        started = time.process_time()
        done = work()
        best = min(best, time.process_time() - started)
    return best, done


def newer(name: str) -> dict[str, Any]:
    """A newer version of an event schema: one optional field added."""
    schema = schema_json(name)
    schema["fields"].append({"name": "bron", "type": ["null", "string"], "default": None})
    return schema


def framed(events: list[Event], framing: str, evolved: bool) -> tuple[list[Any], WriterSchemas]:
    """(schema name, bytes) of every event in a framing, written with our schema or a newer
    one, and the writer schemas a decoder knows (as the registry or schemas/history give)."""
    writers = WriterSchemas()
    names = sorted({schema_name_of(e) for e in events})
    headers: dict[str, bytes] = {}
    schemas = {n: fastavro.parse_schema(newer(n) if evolved else schema_json(n)) for n in names}
    for i, name in enumerate(names):
        schema = newer(name) if evolved else schema_json(name)
        if framing == "confluent":
            writers.learn_id(100 + i, json.dumps(schema))
            headers[name] = b"\x00" + (100 + i).to_bytes(4, "big")
        elif framing == "single-object":
            writers.by_fingerprint[fingerprint(schema)] = Writer.of(name, schema)
            headers[name] = b"\xc3\x01" + fingerprint(schema)
        else:
            headers[name] = b""
    out = []
    for event in events:
        name = schema_name_of(event)
        buf = io.BytesIO()
        buf.write(headers[name])
        fastavro.schemaless_writer(buf, schemas[name], event_to_record(event))
        out.append((name, buf.getvalue()))
    return out, writers


VARIANTS = (
    ("plain", False),
    ("single-object", False),
    ("confluent", False),
    ("single-object", True),
    ("confluent", True),
)


def decode_costs(events: list[Event], rounds: int) -> None:
    """µs per event to decode (header, writer schema, resolution, canonical check, event), per
    framing; `confluent` includes the scan of the batch for ids to fetch (SchemaGate.prepare).
    The variants take turns in every round (best of `rounds`, 30,000 events each): on a shared
    machine the load moves more between long runs than these figures differ."""
    events = events[:30_000]
    cases: list[tuple[str, list[Any], WriterSchemas, dict[str, EventDecoder]]] = []
    for framing, evolved in VARIANTS:
        messages, writers = framed(events, framing, evolved)
        names = {n for n, _ in messages}
        decoders = {n: EventDecoder(n, framing, writers) for n in names}  # type: ignore[arg-type]
        label = f"decode {framing}, writer {'newer than ours' if evolved else '= ours'}"
        cases.append((label, messages, writers, decoders))
    best = dict.fromkeys((c[0] for c in cases), float("inf"))
    for _ in range(rounds):
        for label, messages, writers, decoders in cases:
            started = time.process_time()
            if "confluent" in label and writers.missing_ids(v for _, v in messages):
                raise AssertionError("every id is known")
            for name, data in messages:
                decoders[name](data)
            best[label] = min(best[label], (time.process_time() - started) / len(messages))
    plain = best[cases[0][0]]
    for label, seconds in best.items():
        print(f"{label:<46} {seconds * 1e6:>8.2f} µs/event  ({seconds / plain - 1:+.1%} vs plain)")


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
    keyed = [(n, data, e.client_id.encode()) for (n, data), e in zip(messages, events, strict=True)]
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

    def admission_and_ledger() -> int:  # the per-event work of the worker and the plain loop
        admission = Admission({name: decoders[name] for name in decoders}, regions)
        ledger = Ledger(regions, AS_OF)
        states: dict[bytes, ClientState | None] = {}
        for name, data, key in keyed:
            before = states.get(key)
            handled = admission.handle(name, key, data, before)
            if handled.state is not None:
                ledger.update(0, handled.client_id, before, handled.state)
                states[key] = handled.state
        return len(keyed)

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
        ("Admission.handle + Ledger.update (per event)", admission_and_ledger),
        ("decode only (canonical check included)", decode_only),
    ):
        seconds, done = best_of(args.runs, work)
        print(
            f"{label:<46} {done / seconds:>9,.0f} events/s  {seconds / done * 1e6:>6.2f} µs/event"
            f"  ({seconds:.2f} CPU s, best of {args.runs})"
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
    decode_costs(events, max(3 * args.runs, 15))


if __name__ == "__main__":
    main()
