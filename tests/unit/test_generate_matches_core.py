"""The oracle check: folding the generated events with the domain core gives expected.json.

The generator decides each client's fate first and never calls the core, so agreement here
means two independent derivations of the same table agree.
"""

from __future__ import annotations

import random
import sys
import tempfile
from array import array
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import fastavro
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.codecs.avro import EVENT_SCHEMA_NAMES, reader_schema
from streams.codecs.events import event_from_record
from streams.devtools.generate import (
    KNOWN_AT_SUFFIX,
    generate,
    load_expected,
    load_expected_quarters,
)
from streams.domain.events import Event
from streams.domain.state import ClientState, fold
from streams.domain.table import publication_table, tally
from streams.domain.teldefinitie import classify
from streams.service.history import day_of, end_of_day
from streams.service.reference import load_regions

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def read_events(out_dir: Path) -> list[Event]:
    """All events, file after file, each file in its own order, occurred_at in epoch millis
    (fastavro turns the container's timestamp-millis into datetimes even with reader_schema)."""
    events: list[Event] = []
    for name in EVENT_SCHEMA_NAMES:
        with (out_dir / f"{name}.avro").open("rb") as f:
            for record in fastavro.reader(f, reader_schema(name)):
                record["occurred_at"] = (record["occurred_at"] - EPOCH) // timedelta(milliseconds=1)
                events.append(event_from_record(name, record))
    return events


def replay(events: Iterable[Event], as_of: date) -> list[dict[str, Any]]:
    """The publication table that the domain core computes from the events."""
    states: dict[str, ClientState] = {}
    for event in events:
        states[event.client_id] = fold(states.get(event.client_id), event)[0]
    regions = load_regions()
    classifications = (classify(state, as_of, regions) for state in states.values())
    return [row.to_json() for row in publication_table(tally(classifications), regions, as_of)]


def orders(events: list[Event], seed: int) -> dict[str, list[Event]]:
    """The file order, its reverse, and a full shuffle."""
    shuffled = list(events)
    random.Random(seed).shuffle(shuffled)
    return {"files": events, "reversed": events[::-1], "shuffled": shuffled}


@pytest.mark.parametrize(
    ("clients", "seed", "as_of"),
    [(500, 1, date(2026, 3, 31)), (3_000, 2, date(2025, 1, 1)), (1_500, 3, date(2024, 2, 29))],
)
def test_the_core_replays_the_generated_events_to_the_expected_table_in_any_order(
    tmp_path: Path, clients: int, seed: int, as_of: date
) -> None:
    generate(clients, seed, tmp_path, as_of)
    expected = load_expected(tmp_path)
    for order, events in orders(read_events(tmp_path), seed).items():
        assert replay(events, as_of) == expected, order


@settings(max_examples=15, deadline=None)
@given(clients=st.integers(0, 200), seed=st.integers(0, 2**32))
def test_the_core_agrees_with_the_generator_for_small_populations(clients: int, seed: int) -> None:
    as_of = date(2026, 6, 30)
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp)
        generate(clients, seed, out_dir, as_of)
        events = read_events(out_dir)
        assert replay(events, as_of) == load_expected(out_dir)


def read_known_at(out_dir: Path) -> list[int]:
    """The Kafka timestamps of every event, in the order read_events returns them."""
    stamps = array("q")
    for name in EVENT_SCHEMA_NAMES:
        stamps.frombytes((out_dir / f"{name}{KNOWN_AT_SUFFIX}").read_bytes())
    if sys.byteorder == "big":
        stamps.byteswap()
    return list(stamps)


@pytest.mark.parametrize(
    ("clients", "seed", "as_of"), [(1_500, 4, date(2026, 12, 2)), (800, 5, date(2025, 3, 31))]
)
def test_the_core_replays_the_events_known_by_each_quarter_end_to_its_expected_table(
    tmp_path: Path, clients: int, seed: int, as_of: date
) -> None:
    generate(clients, seed, tmp_path, as_of)
    events, stamps = read_events(tmp_path), read_known_at(tmp_path)
    assert len(events) == len(stamps)
    quarters = load_expected_quarters(tmp_path)
    assert len(quarters) == 5, "five quarter ends in the window of five quarters"
    totals = set()
    for day, expected in quarters.items():
        end = int(end_of_day(date.fromisoformat(day)).timestamp() * 1000)
        known = [e for e, at in zip(events, stamps, strict=True) if at <= end]
        assert replay(known, date.fromisoformat(day)) == expected, day
        totals.add(expected[-1]["totaal"])
    assert len(totals) == 5, "the table changes from quarter to quarter"
    assert max(stamps) < int(end_of_day(as_of - timedelta(days=1)).timestamp() * 1000)


def test_each_file_holds_its_events_in_the_order_of_the_days_they_became_known(
    tmp_path: Path,
) -> None:
    generate(2_000, 6, tmp_path, date(2026, 12, 2))
    for name in EVENT_SCHEMA_NAMES:
        stamps = array("q", (tmp_path / f"{name}{KNOWN_AT_SUFFIX}").read_bytes())
        days = [day_of(at) for at in stamps]
        assert days == sorted(days), name
