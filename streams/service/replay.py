"""Batch replay: fold an event log into the publication table (the oracle of the live worker)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

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
from streams.service.ports import DecodeError

#: (schema name, record) as read from an event file.
Record = tuple[str, Mapping[str, Any]]
#: Turns a record of an event schema into a domain event (streams.codecs.events).
ToEvent = Callable[[str, Mapping[str, Any]], Event]


@dataclass
class ReplayResult:
    """The table, the final client states and what was rejected, by reason."""

    rows: list[RegionCounts]
    states: dict[str, ClientState]
    events: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)


def read_events(
    records: Iterable[Record], to_event: ToEvent, rejected: Counter[str]
) -> Iterator[Event]:
    """Valid events from records; invalid ones are counted in `rejected` by reason."""
    for name, record in records:
        try:
            yield validate(to_event(name, record))
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
    records: Iterable[Record], to_event: ToEvent, as_of: date, regions: Regions
) -> ReplayResult:
    """Apply every record with the core and build the table on `as_of`."""
    rejected: Counter[str] = Counter()
    states, outcomes = fold_events(read_events(records, to_event, rejected))
    result = ReplayResult(table_of(states.values(), as_of, regions), states, rejected=rejected)
    result.outcomes = outcomes
    result.events = sum(outcomes.values()) + sum(rejected.values())
    return result
