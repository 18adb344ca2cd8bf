"""The oracle check: folding the generated events with the domain core gives expected.json.

The generator decides each client's fate first and never calls the core, so agreement here
means two independent derivations of the same table agree.
"""

from __future__ import annotations

import random
import tempfile
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
from streams.devtools.generate import generate, load_expected
from streams.domain.events import Event
from streams.domain.state import ClientState, fold
from streams.domain.table import publication_table, tally
from streams.domain.teldefinitie import classify
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
