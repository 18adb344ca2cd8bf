"""Test-only helpers for real workers on the real broker: convergence, event files, diagnoses.

Starting the broker, the workers and the commands of an isolated stack is shared with bench/
and the demo: see streams/devtools/stack.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streams.devtools.stack import Worker, metrics


def converged(worker: Worker, expected: list[dict[str, Any]]) -> bool:
    """True when the worker's /counts equals the expected table exactly."""
    return bool(worker.alive() and worker.counts() == expected)


def write_events(directory: Path, events: list[Any]) -> Path:
    """Write domain events to one Avro container file per schema; return the directory."""
    import fastavro

    from streams.codecs.avro import parsed_schema
    from streams.codecs.events import event_to_record, schema_name_of

    directory.mkdir(parents=True, exist_ok=True)
    by_schema: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_schema.setdefault(schema_name_of(event), []).append(event_to_record(event))
    for name, records in by_schema.items():
        with (directory / f"{name}.avro").open("wb") as f:
            fastavro.writer(f, parsed_schema(name), records)
    return directory


def explain_difference(workers: list[Worker], expected: list[dict[str, Any]]) -> str:
    """Why workers have not converged: differing NL cells and per-partition metric totals."""
    lines = []
    for w in workers:
        if not w.alive():
            lines.append(f"worker {w.port}: not running")
            continue
        nl = w.counts()[-1]
        lines.append(f"worker {w.port}: NL {nl} expected {expected[-1]}")
        per: dict[str, float] = {}
        for sample in metrics.samples(w.metrics(), "transparantie_clients"):
            partition = sample.labels["partition"]
            per[partition] = per.get(partition, 0) + sample.value
        lines.append(f"  counted per owned partition: {dict(sorted(per.items()))}")
    return "\n".join(lines)
