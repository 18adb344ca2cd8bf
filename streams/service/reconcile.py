"""Reconcile: recompute the table from the whole event log and compare it with the counts topic.

The input topics are read from the beginning to their end offsets, every message goes through
the worker's own admission (decode, validate, check the key, fold: `streams.service.admission`;
what the worker dead-letters is skipped here for the same reason), and the table is built on
the day of counting (`streams.service.replay.table_of`). The latest RegionCounts per region in
the counts topic must equal it, cell by cell.

The worker keeps running while this reads, so a difference may be an update in flight.
Before declaring drift the comparison is repeated for up to `settle` seconds, each time
reading what arrived on the inputs since the previous attempt and the counts topic again.
The topics are read through ports (streams/service/ports.py); `streams.kafka.jobs` wires them.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from streams.domain import COUNT_FIELDS, ClientState, RegionCounts, Regions
from streams.domain.regions import NEDERLAND
from streams.domain.table import region_row
from streams.service.admission import Admission
from streams.service.ports import InputMessage, ReadCounts, ReadToEnd
from streams.service.replay import table_of


@dataclass(frozen=True, slots=True)
class Difference:
    """One cell where the counts topic differs from the recomputation."""

    region: str
    column: str
    expected: int | str
    actual: int | str


@dataclass
class Recomputation:
    """Client states folded from the input topics, and how far each partition was read."""

    admission: Admission
    states: dict[str, ClientState] = field(default_factory=dict)
    positions: dict[tuple[str, int], int] = field(default_factory=dict)
    rejected: Counter[str] = field(default_factory=Counter)
    events: int = 0

    def add(self, message: InputMessage) -> None:
        """Fold one input message, or count it as rejected (the worker dead-letters it)."""
        self.positions[(message.topic, message.partition)] = message.offset + 1
        self.events += 1
        key = message.key
        client = key.decode(errors="replace") if key is not None else ""
        handled = self.admission.handle(message.topic, key, message.value, self.states.get(client))
        if handled.rejection is not None:
            self.rejected[handled.rejection.value] += 1
        elif handled.state is not None:
            self.states[client] = handled.state

    async def catch_up(self, read: ReadToEnd) -> None:
        """Read every input topic from where this left off to its current end."""
        async for batch in read(self.positions):
            for message in batch:
                self.add(message)

    def table(self, as_of: date, regions: Regions) -> list[RegionCounts]:
        """The publication table of the states folded so far."""
        return table_of(self.states.values(), as_of, regions)


def differences(
    expected: Iterable[RegionCounts], actual: Mapping[str, RegionCounts]
) -> list[Difference]:
    """Cells that differ; a region missing on one side counts as all zeros there."""
    want = {row.regio_code: row for row in expected}
    codes = [*want, *(code for code in sorted(actual) if code not in want)]
    found: list[Difference] = []
    for code in codes:
        either = want.get(code) or actual[code]
        zero = region_row(code, either.regio_naam, {}, either.as_of)
        e, a = want.get(code, zero), actual.get(code, zero)
        for column in COUNT_FIELDS:
            if getattr(e, column) != getattr(a, column):
                found.append(Difference(code, column, getattr(e, column), getattr(a, column)))
        if code == NEDERLAND and e.as_of != a.as_of:
            found.append(Difference(code, "as_of", e.as_of.isoformat(), a.as_of.isoformat()))
    return found


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of one reconcile run."""

    as_of: date
    differences: list[Difference]
    events: int
    clients: int
    rejected: dict[str, int]
    attempts: int
    seconds: float

    @property
    def drift(self) -> bool:
        """True when the counts topic differs from the recomputation."""
        return bool(self.differences)


async def reconcile(
    admission: Admission,
    read_inputs: ReadToEnd,
    read_counts: ReadCounts,
    regions: Regions,
    as_of: date,
    settle: float = 10.0,
    pause: float = 1.0,
) -> Result:
    """Compare the counts topic with a recomputation, retrying for up to `settle` seconds."""
    started = time.monotonic()
    recomputation = Recomputation(admission)
    attempts = 0
    while True:
        attempts += 1
        await recomputation.catch_up(read_inputs)
        found = differences(recomputation.table(as_of, regions), await read_counts())
        if not found or time.monotonic() - started >= settle:
            break
        await asyncio.sleep(min(pause, max(0.0, settle - (time.monotonic() - started))))
    return Result(
        as_of, found, recomputation.events, len(recomputation.states),
        dict(recomputation.rejected), attempts, time.monotonic() - started,
    )  # fmt: skip
