"""Reconcile: recompute the table from the whole event log and compare it with the counts topic.

The four input topics are read from the beginning to their end offsets (plain consumer, no
group), every message is decoded, validated and folded with the pure domain core, exactly
as the worker does (messages the worker dead-letters are skipped: undecodable, invalid, or
keyed by something else than their client_id), and the table is built on the day of
counting (`streams.replay.table_of`). The latest RegionCounts per region in the counts topic
(`CountsView.read_once`) must equal it, cell by cell.

The worker keeps running while this reads, so a difference may be an update in flight.
Before declaring drift the comparison is repeated for up to `settle` seconds, each time
reading what arrived on the inputs since the previous attempt and the counts topic again.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

from streams.codecs.avro import DecodeError, EventDecoder
from streams.domain import ClientState, InvalidEvent, RegionCounts, Regions, fold, validate
from streams.domain.regions import NEDERLAND
from streams.domain.table import region_row
from streams.kafka.countsview import CountsView
from streams.kafka.deadletters import RawMessage, read_to_end, require_topics
from streams.service.formats import FIELDS
from streams.service.replay import table_of
from streams.settings import Settings

#: Compared per region: the four columns, the total and beschut_wsw.
COLUMNS: tuple[str, ...] = FIELDS


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

    settings: Settings
    states: dict[str, ClientState] = field(default_factory=dict)
    positions: dict[tuple[str, int], int] = field(default_factory=dict)
    rejected: Counter[str] = field(default_factory=Counter)
    events: int = 0

    def __post_init__(self) -> None:
        framing = self.settings.framing
        self.decoders = {
            t: EventDecoder(n, framing) for t, n in self.settings.event_topics().items()
        }

    def add(self, message: RawMessage) -> None:
        """Fold one input message, or count it as rejected (the worker dead-letters it)."""
        self.positions[(message.topic, message.partition)] = message.offset + 1
        self.events += 1
        try:
            event = validate(self.decoders[message.topic](message.value))
        except DecodeError:
            self.rejected["DecodeError"] += 1
            return
        except InvalidEvent:
            self.rejected["InvalidEvent"] += 1
            return
        if message.key != event.client_id.encode():
            self.rejected["KeyMismatch"] += 1
            return
        self.states[event.client_id] = fold(self.states.get(event.client_id), event)[0]

    async def catch_up(self) -> None:
        """Read every input topic from where this left off to its current end."""
        topics = list(self.settings.event_topics())
        async for batch in read_to_end(self.settings.bootstrap_servers, topics, self.positions):
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
        for column in COLUMNS:
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
    settings: Settings,
    regions: Regions,
    as_of: date,
    settle: float = 10.0,
    timeout: float = 30.0,
    pause: float = 1.0,
) -> Result:
    """Compare the counts topic with a recomputation, retrying for up to `settle` seconds."""
    started = time.monotonic()
    await require_topics(
        settings.bootstrap_servers, [*settings.event_topics(), settings.topic_counts]
    )
    recomputation = Recomputation(settings)
    attempts = 0
    while True:
        attempts += 1
        await recomputation.catch_up()
        view = CountsView(settings, regions)
        try:
            await view.read_once(timeout)
        except TimeoutError:
            raise TimeoutError(
                f"the counts topic {settings.topic_counts!r} was not read to its end in {timeout} s"
            ) from None
        found = differences(recomputation.table(as_of, regions), view.latest)
        if not found or time.monotonic() - started >= settle:
            break
        await asyncio.sleep(min(pause, max(0.0, settle - (time.monotonic() - started))))
    return Result(
        as_of, found, recomputation.events, len(recomputation.states),
        dict(recomputation.rejected), attempts, time.monotonic() - started,
    )  # fmt: skip


def render(result: Result, fmt: str) -> str:
    """The differences as a text table or JSON (with a summary either way)."""
    if fmt == "json":
        body = {
            "as_of": result.as_of.isoformat(),
            "drift": result.drift,
            "differences": [asdict(d) for d in result.differences],
            "events": result.events,
            "clients": result.clients,
            "rejected": result.rejected,
            "attempts": result.attempts,
            "seconds": round(result.seconds, 3),
        }
        return json.dumps(body, indent=2) + "\n"
    summary = (
        f"{result.events} input messages, {result.clients} clients, "
        f"{sum(result.rejected.values())} skipped as the worker dead-letters them; "
        f"as of {result.as_of.isoformat()}; {result.attempts} attempt(s) in {result.seconds:.1f} s"
    )
    if not result.drift:
        return f"no drift: the counts topic equals the recomputation\n{summary}\n"
    rows: Sequence[tuple[str, ...]] = [
        ("region", "column", "expected", "actual"),
        *((d.region, d.column, str(d.expected), str(d.actual)) for d in result.differences),
    ]
    widths = [max(len(r[c]) for r in rows) for c in range(4)]
    lines = [
        "  ".join(cell.ljust(w) if c < 2 else cell.rjust(w) for c, (cell, w) in
                  enumerate(zip(row, widths, strict=True)))
        for row in rows
    ]  # fmt: skip
    return (
        f"DRIFT: {len(result.differences)} cell(s) of the counts topic differ from the "
        f"recomputation (expected = recomputed, actual = counts topic)\n"
        + "\n".join(lines)
        + f"\n{summary}\n"
    )
