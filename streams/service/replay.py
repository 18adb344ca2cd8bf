"""Batch replay: fold an event log (Avro container files) into the publication table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import fastavro

from streams.codecs.avro import EVENT_SCHEMA_NAMES, DecodeError, event_from_record, reader_schema
from streams.domain import (
    ClientState,
    Event,
    InvalidEvent,
    RegionCounts,
    Regions,
    classify,
    fold,
    publication_table,
    tally,
    validate,
)


@dataclass
class ReplayResult:
    """The table, the final client states and what was rejected, by reason."""

    rows: list[RegionCounts]
    states: dict[str, ClientState]
    events: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)


def schema_name_of_file(path: Path) -> str:
    """The event schema a container file was written with (its short record name)."""
    with path.open("rb") as f:
        writer_schema: Any = fastavro.reader(f).writer_schema
        name = str(writer_schema.get("name", "")).rsplit(".", 1)[-1]
    if name not in EVENT_SCHEMA_NAMES:
        raise DecodeError(
            f"{path} holds {name} records, not one of {', '.join(EVENT_SCHEMA_NAMES)}"
        )
    return name


def read_records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(schema name, record) for every record of one container file, in file order."""
    name = schema_name_of_file(path)
    with path.open("rb") as f:
        for record in fastavro.reader(f, reader_schema=reader_schema(name)):
            assert isinstance(record, dict)
            yield name, record


def count_records(paths: Sequence[Path]) -> int:
    """The number of records in the files (from the block headers; no decoding)."""
    total = 0
    for path in paths:
        with path.open("rb") as f:
            total += sum(block.num_records for block in fastavro.block_reader(f))
    return total


def read_events(
    records: Iterable[tuple[str, dict[str, Any]]], rejected: Counter[str]
) -> Iterator[Event]:
    """Valid events from records; invalid ones are counted in `rejected` by reason."""
    for name, record in records:
        try:
            yield validate(event_from_record(name, record))
        except (DecodeError, InvalidEvent) as exc:
            rejected[exc.reason] += 1


def fold_events(events: Iterable[Event]) -> tuple[dict[str, ClientState], Counter[str]]:
    """Fold events into per-client states; also count the outcomes."""
    states: dict[str, ClientState] = {}
    outcomes: Counter[str] = Counter()
    for event in events:
        state, outcome = fold(states.get(event.client_id), event)
        states[event.client_id] = state
        outcomes[outcome.value] += 1
    return states, outcomes


def table_of(states: Iterable[ClientState], as_of: date, regions: Regions) -> list[RegionCounts]:
    """The publication table for client states on one day."""
    return publication_table(tally(classify(s, as_of, regions) for s in states), regions, as_of)


def replay(
    records: Iterable[tuple[str, dict[str, Any]]], as_of: date, regions: Regions
) -> ReplayResult:
    """Apply every record with the core and build the table on `as_of`."""
    rejected: Counter[str] = Counter()
    states, outcomes = fold_events(read_events(records, rejected))
    result = ReplayResult(table_of(states.values(), as_of, regions), states, rejected=rejected)
    result.outcomes = outcomes
    result.events = sum(outcomes.values()) + sum(rejected.values())
    return result
