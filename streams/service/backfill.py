"""Backfill: the daily history of days before the worker ran, rebuilt from the input topics in one
pass over the log (never one replay per day).

The table of day D is the table "as known at" the end of D in Amsterdam: every input message
before, in its partition, the first message whose Kafka timestamp is after that moment (Kafka's
offsets by time, as `report --known-at` reads them). So a message becomes known on the day of
the greatest timestamp in its partition up to it, a day that never decreases along the
partition. A client's events all sit in the same partition number of every input topic, so
the partitions of one number are folded together, apart from the others:

1. every message of the partitions goes to the day it became known (before the first day: to
   the first day; after the last: nowhere);
2. the messages of the first day are folded into client states, which the ledger classifies
   once (streams/service/ledger.py);
3. day after day, the ledger moves to the next day (re-classifying only the clients whose
   start or end date has come: `Ledger.advance`), the day's messages are folded in through
   the worker's own admission, and the ledger's cells are that day's subtotals.

The subtotals of all partition numbers add up to each day's table; its provenance is, per input
partition, the first offset not known by the end of the day.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from streams.domain import Cell, ClientState, Regions, publication_table
from streams.service.admission import Admission
from streams.service.history import Provenance, Snapshot, Source, end_of_day
from streams.service.ledger import Ledger
from streams.service.ports import InputMessage

TopicPartition = tuple[str, int]


def days(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


class DayOf:
    """The counting day a message becomes known on, by the running maximum of the Kafka
    timestamps in its partition (a day boundary is looked up once, not per message)."""

    def __init__(self, first: date, last: date) -> None:
        self.first, self.last = first, last
        #: the last millisecond of each day from `first` to `last`
        self.ends = [int(end_of_day(d).timestamp() * 1000) for d in days(first, last)]

    def index(self, timestamp: int) -> int:
        """0 for the first day (or before), n for the nth day after it, len(ends) for later."""
        return bisect_left(self.ends, timestamp)


@dataclass
class PartitionDays:
    """The subtotals and cut offsets of the partitions of one number, per day index."""

    cells: list[Counter[Cell]] = field(default_factory=list)
    cuts: dict[TopicPartition, list[int]] = field(default_factory=dict)
    events: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    read_seconds: float = 0.0  # reading the partitions and putting their messages in days
    fold_seconds: float = 0.0  # folding the days


class PartitionPass:
    """The pass over the partitions of one number (of every input topic): messages are taken in
    batches (each partition in offset order, read up to `horizon`), then folded day by day."""

    def __init__(
        self,
        admission: Admission,
        regions: Regions,
        day_of: DayOf,
        partition: int,
        horizon: Mapping[TopicPartition, int],
    ) -> None:
        self.admission, self.regions, self.day_of = admission, regions, day_of
        self.partition = partition
        self.horizon = dict(horizon)
        self.buckets: list[list[InputMessage]] = [[] for _ in day_of.ends]
        #: per input partition: the first offset of each day index it has messages of
        self.first_offsets: dict[TopicPartition, list[tuple[int, int]]] = {}
        #: per input partition: the day index of the greatest timestamp so far
        self.current: dict[TopicPartition, int] = {}

    def add(self, messages: Iterable[InputMessage]) -> None:
        """Put each message in the bucket of the day it became known on."""
        ends, buckets, current = self.day_of.ends, self.buckets, self.current
        count = len(ends)
        for message in messages:
            tp = (message.topic, message.partition)
            stamp = message.timestamp or 0
            n = current.get(tp)
            # the day can only move on with a timestamp after the end of the current day
            if n is None or (n < count and stamp > ends[n]):
                later = bisect_left(ends, stamp)
                if n is None or later > n:
                    n = current[tp] = later
                    self.first_offsets.setdefault(tp, []).append((n, message.offset))
            if n < count:
                buckets[n].append(message)

    def fold(self) -> PartitionDays:
        """Fold the buckets day after day into the subtotals of every day."""
        started = time.monotonic()
        partition, count = self.partition, len(self.buckets)
        result = PartitionDays()
        result.cuts = {
            tp: _cuts(self.first_offsets.get(tp, []), count, end)
            for tp, end in self.horizon.items()
        }
        states: dict[str, ClientState] = {}
        handle = self.admission.handle

        def fold(batch: list[InputMessage], ledger: Ledger | None) -> None:
            for m in batch:
                key = m.key
                client = key.decode(errors="replace") if key is not None else ""
                before = states.get(client)
                handled = handle(m.topic, key, m.value, before)
                if handled.rejection is not None:
                    result.rejected[handled.rejection.value] += 1
                elif handled.state is not None:
                    states[client] = handled.state
                    if ledger is not None:
                        ledger.update(partition, client, before, handled.state)
            result.events += len(batch)

        fold(self.buckets[0], None)  # the first day: fold first, classify each client once
        ledger = Ledger(self.regions, self.day_of.first)
        ledger.rebuild_partitions([partition], ((partition, c, s) for c, s in states.items()))

        def state_of(_: int, client: str) -> ClientState | None:
            return states.get(client)

        for n, day in enumerate(days(self.day_of.first, self.day_of.last)):
            if n:
                ledger.advance(day, state_of)
                fold(self.buckets[n], ledger)
            self.buckets[n] = []  # folded: let the messages go
            result.cells.append(+ledger.partitions[partition].cells)
        result.fold_seconds = time.monotonic() - started
        return result


def fold_partition(
    admission: Admission,
    regions: Regions,
    day_of: DayOf,
    partition: int,
    messages: Iterable[InputMessage],
    horizon: Mapping[TopicPartition, int],
) -> PartitionDays:
    """The subtotals of every day of one partition number, from all its messages at once."""
    one = PartitionPass(admission, regions, day_of, partition, horizon)
    one.add(messages)
    return one.fold()


def _cuts(first_offsets: list[tuple[int, int]], count: int, end: int) -> list[int]:
    """Per day index: the first offset known on a later day, or `end` when there is none."""
    cuts, k = [], 0
    for d in range(count):
        while k < len(first_offsets) and first_offsets[k][0] <= d:
            k += 1
        cuts.append(first_offsets[k][1] if k < len(first_offsets) else end)
    return cuts


def snapshots(parts: Iterable[PartitionDays], day_of: DayOf, regions: Regions) -> list[Snapshot]:
    """Every day's snapshot from the subtotals of all partition numbers."""
    every = list(parts)
    out = []
    for n, day in enumerate(days(day_of.first, day_of.last)):
        total: Counter[Cell] = Counter()
        offsets: dict[TopicPartition, int] = {}
        for part in every:
            total.update(part.cells[n])
            offsets.update({tp: cuts[n] for tp, cuts in part.cuts.items()})
        provenance = Provenance(offsets, Source.BACKFILL, end_of_day(day))
        out.append(Snapshot(day, tuple(publication_table(total, regions, day)), provenance))
    return out


@dataclass
class BackfillReport:
    """What a backfill wrote, and what it took."""

    written: list[Snapshot]
    skipped: list[date]  # days that kept their live snapshot
    events: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    read_seconds: float = 0.0  # summed over the partition numbers (they may run in parallel)
    fold_seconds: float = 0.0
    processes: int = 1

    def add(self, part: PartitionDays) -> None:
        """Count one partition number's pass."""
        self.events += part.events
        self.rejected.update(part.rejected)
        self.read_seconds += part.read_seconds
        self.fold_seconds += part.fold_seconds
