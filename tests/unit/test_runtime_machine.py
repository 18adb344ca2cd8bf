"""The worker's runtime and the aggregator as a state machine (hypothesis), checked against the
pure core at every step.

Two workers share four input partitions and one client table (the changelog). Steps: events
in random batches, a clock tick on either worker, the day of counting jumping forward by 1 to
400 days or back, rebalances (every partition revoked, reassigned at random, each worker
recovering in its own time), reports published and delivered in any interleaving of the two
workers (a revoked worker's reports may arrive late), the aggregator killed and reading the
subtotals topic again from its last committed offset (its table ahead of that). After every step, every owned
partition's subtotals equal the core's tally of its clients on the ledger's day
(streams.service.replay.table_of over the same states for the whole table); after every
publication of the aggregator, the counts topic holds one whole table, and the truth itself
whenever no partition changed since it reported.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from streams.codecs import subtotals as codec
from streams.codecs.avro import AvroCodec
from streams.codecs.events import event_to_record, schema_name_of
from streams.codecs.wire import worker_wire
from streams.domain import (
    ClientState,
    Event,
    IndicationOwner,
    InvalidEvent,
    Outcome,
    ProfilePart,
    RegionCounts,
    RegistrationStatus,
    cell_of,
    classify,
    fold,
    publication_table,
    validate,
)
from streams.domain.table import complete_table, is_whole
from streams.engine.metrics import Metrics
from streams.service.aggregation import Aggregator, split_entry
from streams.service.clock import Clock
from streams.service.ports import StoredClient
from streams.service.replay import table_of
from streams.service.runtime import DayChange, Runtime
from streams.settings import Settings
from tests.factories import (
    AMSTERDAM,
    DAY,
    GRONINGEN,
    UNKNOWN_GEMEENTE,
    indication,
    membership,
    profile,
    regions,
    registration,
)

N = 4
CLIENTS = [f"K{n}" for n in range(8)]
SETTINGS = Settings(data_dir=Path("/nonexistent"), partitions=N)  # type: ignore[arg-type]
REGIONS = regions()
WIRE = worker_wire(SETTINGS, REGIONS)
OFFSET = st.integers(min_value=-400, max_value=400)


def partition(client_id: str) -> int:
    return int(client_id[1:]) % N


@st.composite
def events_around(draw: st.DrawFn, day: date) -> Event:
    """One event of a random client, with dates up to 400 days before or after `day`."""
    client, at = draw(st.sampled_from(CLIENTS)), draw(st.integers(1, 30))
    start = day + timedelta(days=draw(OFFSET))
    end = draw(st.none() | st.integers(1, 400).map(lambda n: start + timedelta(days=n)))
    kind = draw(st.sampled_from(["registration", "indication", "membership", "profile"]))
    if kind == "registration":
        status = draw(st.sampled_from(RegistrationStatus))
        gemeente = draw(st.sampled_from([AMSTERDAM, GRONINGEN, UNKNOWN_GEMEENTE]))
        return registration(client=client, at=at, status=status, gemeente=gemeente)
    if kind == "indication":
        return indication(
            client=client, at=at, indication_id=draw(st.sampled_from(["I1", "I2"])),
            owner=draw(st.sampled_from(IndicationOwner)), start=start, end=end,
            retracted=draw(st.booleans()),
        )  # fmt: skip
    if kind == "membership":
        return membership(
            client=client, at=at, start=start, end=end,
            banenafspraak=draw(st.booleans()), beschut=draw(st.booleans()),
        )  # fmt: skip
    part = draw(st.sampled_from(ProfilePart))
    question = 1 if part is ProfilePart.TAAKSOORTVRAAG else None
    values = draw(st.sampled_from([(), ("a",)]))
    return profile(client=client, at=at, part=part, question=question, values=values)


@st.composite
def whole_clients(draw: st.DrawFn, day: date) -> list[Event]:
    """A registered client with an indication and the tick, counted on some days near `day`."""
    client, at = draw(st.sampled_from(CLIENTS)), draw(st.integers(1, 30))
    start = day + timedelta(days=draw(OFFSET))
    end = draw(st.none() | st.integers(1, 400).map(lambda n: start + timedelta(days=n)))
    since = day + timedelta(days=draw(OFFSET))
    return [
        registration(client=client, at=at, gemeente=draw(st.sampled_from([AMSTERDAM, GRONINGEN]))),
        indication(client=client, at=at, start=start, end=end),
        membership(client=client, at=at, start=since, end=None),
    ]


def arrivals(day: date) -> st.SearchStrategy[list[Event]]:
    """Events in the order they arrive: whole clients and single changes, mixed."""
    single = events_around(day).map(lambda event: [event])
    return st.lists(whole_clients(day) | single, min_size=1, max_size=6).map(
        lambda groups: [event for group in groups for event in group]
    )


def encode(event: Event, offset: int) -> tuple[str, int, int, float, bytes, bytes]:
    name = schema_name_of(event)
    value = AvroCodec(name, SETTINGS.framing).encode(event_to_record(event))
    key = event.client_id.encode()
    return SETTINGS.topic_for_schema(name), partition(event.client_id), offset, 1.0, key, value


def dates_in(state: ClientState) -> set[date]:
    """The start and end dates a client's classification can change on."""
    found = {d for fact in state.indications.values() for d in (fact.start_date, fact.end_date)}
    if state.membership is not None:
        found |= {state.membership.start_date, state.membership.end_date}
    return {d for d in found if d is not None}


class WorkersAndAggregator(RuleBasedStateMachine):
    """Two runtimes, one client table, one aggregator, and the truth beside them."""

    def __init__(self) -> None:
        super().__init__()
        self.day = DAY
        self.clock = Clock(wall_clock=lambda: self.day)
        self.workers = [Runtime(REGIONS, self.clock, WIRE, Metrics(), N) for _ in range(2)]
        self.assigned: list[set[int] | None] = [set(range(N)), set()]  # None: recovered
        self.generation = 1
        self.store: dict[bytes, StoredClient] = {}
        self.truth: dict[str, ClientState] = {}
        self.changes = Counter[int]()  # applied events per partition: a report's "version"
        self.queues: list[list[tuple[bytes, bytes, int]]] = [[], []]  # (key, value, version)
        self.aggregator = Aggregator(REGIONS, N, WIRE, Metrics())
        self.aggregator.own()
        self.latest: dict[bytes, bytes] = {}  # the aggregator's table: partition -> entry
        self.versions: dict[bytes, int] = {}  # report message -> its partition's version
        self.subtotals: list[tuple[bytes, bytes]] = []  # the topic; offset = index
        self.position = 0  # the aggregator's next offset
        self.true_since = -1  # the applied events when the topic last carried the truth
        self.topic: dict[str, RegionCounts] = {}
        self.offset = 0
        for w in range(2):
            self.recover(w)

    # ------------------------------------------------------------------ the world
    def owner(self, p: int) -> Runtime | None:
        for runtime in self.workers:
            if runtime.recovered and p in runtime.owned:
                return runtime
        return None

    def get(self, p: int, key: bytes) -> StoredClient | None:
        stored = self.store.get(key)
        return stored if stored is not None and stored.partition == p else None

    def state_of(self, p: int, client_id: str) -> ClientState | None:
        stored = self.get(p, client_id.encode())
        return None if stored is None else stored.state

    # ------------------------------------------------------------------ rules
    @rule(data=st.data(), cuts=st.lists(st.integers(0, 18), max_size=4))
    def events_arrive_in_batches(self, data: st.DataObject, cuts: list[int]) -> None:
        events = data.draw(arrivals(self.day))
        bounds = sorted({0, len(events), *(c for c in cuts if c < len(events))})
        for start, end in pairwise(bounds):
            for runtime in self.workers:  # one fetch per worker: its own partitions' messages
                mine = [
                    e for e in events[start:end] if self.owner(partition(e.client_id)) is runtime
                ]
                if not mine:
                    continue
                messages = []
                for event in mine:
                    messages.append(encode(event, self.offset))
                    self.offset += 1
                batch = runtime.handle_batch(messages, self.get)
                self.store.update(batch.changed)
                for event in mine:  # the truth: the core's fold, in the same order
                    try:
                        validate(event)
                    except InvalidEvent:
                        continue
                    state, outcome = fold(self.truth.get(event.client_id), event)
                    if outcome is Outcome.APPLIED:
                        self.truth[event.client_id] = state
                        self.changes[partition(event.client_id)] += 1

    @rule(forward=st.integers(1, 400))
    def the_day_moves_forward(self, forward: int) -> None:
        self.day += timedelta(days=forward)

    @rule(back=st.integers(1, 400))
    def the_day_moves_back(self, back: int) -> None:
        self.day -= timedelta(days=back)

    @precondition(lambda self: bool(self.truth))
    @rule(data=st.data(), nudge=st.integers(-1, 1))
    def the_day_moves_to_a_start_or_end_date(self, data: st.DataObject, nudge: int) -> None:
        dates = sorted({d for state in self.truth.values() for d in dates_in(state)} - {self.day})
        if dates:
            self.day = data.draw(st.sampled_from(dates)) + timedelta(days=nudge)

    @rule(w=st.integers(0, 1))
    def the_clock_ticks(self, w: int) -> None:
        runtime = self.workers[w]
        if runtime.recovered and runtime.tick_clock(self.state_of) is DayChange.EARLIER:
            runtime.rebuild(iter(self.store.items()), set(runtime.owned), runtime.generation)

    @rule(owners=st.lists(st.integers(0, 1), min_size=N, max_size=N))
    def a_rebalance_moves_partitions(self, owners: list[int]) -> None:
        self.generation += 1
        for w, runtime in enumerate(self.workers):
            runtime.revoke(set(runtime.ledger.partitions) | runtime.owned)
            self.assigned[w] = {p for p in range(N) if owners[p] == w}
        self.aggregator.own()  # the aggregator's partition is reassigned too

    @precondition(lambda self: any(a is not None for a in self.assigned))
    @rule(w=st.integers(0, 1))
    def a_worker_recovers(self, w: int) -> None:
        self.recover(w)

    def recover(self, w: int) -> None:
        assigned = self.assigned[w]
        if assigned is not None:
            self.workers[w].rebuild(iter(self.store.items()), assigned, self.generation)
            self.assigned[w] = None

    @rule(w=st.integers(0, 1), everything=st.booleans())
    def a_worker_publishes_reports(self, w: int, everything: bool) -> None:
        for key, value in self.workers[w].subtotal_messages(everything):
            self.queues[w].append((key, value, self.changes[int(key)]))

    @rule(everything=st.booleans())
    def both_workers_publish_and_every_report_arrives(self, everything: bool) -> None:
        for w in (0, 1):
            self.a_worker_publishes_reports(w, everything)
            self.reports_reach_the_aggregator(w, len(self.queues[w]))

    @rule(w=st.integers(0, 1), n=st.integers(1, 8), burst=st.integers(1, 8))
    def reports_reach_the_aggregator(self, w: int, n: int, burst: int = 8) -> None:
        delivered, self.queues[w] = self.queues[w][:n], self.queues[w][n:]
        for key, value, version in delivered:
            self.versions[value] = version
            self.subtotals.append((key, value))
        self.aggregator_reads(burst)

    @rule(back=st.integers(0, 24), burst=st.integers(1, 8))
    def the_aggregator_is_killed_and_reads_again_from_its_committed_offset(
        self, back: int, burst: int
    ) -> None:
        # it had committed `back` messages before the end of what it read; its table (the
        # changelog) keeps what it had read since: the older reports come again first
        self.position = max(0, self.position - back)
        self.aggregator = Aggregator(REGIONS, N, WIRE, Metrics())
        self.aggregator.own()
        self.aggregator_reads(burst)

    def aggregator_reads(self, burst: int) -> None:
        """Read the subtotals topic to its end, publishing after every `burst` messages."""
        while self.position < len(self.subtotals):
            for key, value in self.subtotals[self.position : self.position + burst]:
                stored = self.aggregator.take(
                    value, self.position, self.latest.get(key), self.generation
                )
                if stored is not None:
                    self.latest[key] = stored
                self.position += 1
            before = dict(self.aggregator.published)
            sent = self.aggregator.counts_messages(self.latest.values(), self.generation)
            changed = {c: r for c, r in self.aggregator.published.items() if before.get(c) != r}
            assert len(sent) == len(changed)
            self.topic.update(changed)
            if sent:
                self.check_publication()

    # ------------------------------------------------------------------ checks
    def check_publication(self) -> None:
        assert is_whole(self.topic), "the counts topic holds a table that does not add up"
        reports = {split_entry(e)[1]: codec.decode(split_entry(e)[1]) for e in self.latest.values()}
        current = {v: r for v, r in reports.items() if r.generation == self.generation}
        (day,) = {r.day for r in current.values()}
        assert self.topic["NL"].as_of == day
        want = table_of(self.truth.values(), day, REGIONS)
        true = complete_table(self.topic, REGIONS, day) == want
        if all(self.versions[v] == self.changes[r.partition] for v, r in current.items()):
            assert true, "no partition changed since it reported, yet the table is not the truth"
        inputs = sum(self.changes.values())
        # once the topic carried the truth, nothing false may follow until input arrives
        assert true or self.true_since != inputs, "a false table after the true one, no input"
        if true:
            self.true_since = inputs

    @invariant()
    def every_owned_partition_counts_what_the_core_counts_on_the_ledgers_day(self) -> None:
        for runtime in self.workers:
            if not runtime.recovered:
                continue
            day = runtime.ledger.day
            for p in runtime.owned:
                cells = Counter(
                    cell_of(classify(state, day, REGIONS))
                    for client, state in self.truth.items() if partition(client) == p
                )  # fmt: skip
                del cells[None]
                assert +runtime.ledger.partitions[p].cells == cells, (p, day)

    @invariant()
    def the_owned_ledgers_make_the_cores_table_once_every_worker_is_on_the_day(self) -> None:
        owners = [self.owner(p) for p in range(N)]
        if any(o is None or o.ledger.day != self.day for o in owners):
            return
        total: Counter[Any] = Counter()
        for p, runtime in enumerate(owners):
            assert runtime is not None
            total.update(runtime.ledger.partitions[p].cells)
        assert publication_table(total, REGIONS, self.day) == table_of(
            self.truth.values(), self.day, REGIONS
        )


WorkersAndAggregator.TestCase.settings = settings(
    max_examples=int(__import__("os").environ.get("MACHINE_EXAMPLES", "100")),
    stateful_step_count=40,
    deadline=None,
)
test_the_runtime_and_aggregator_agree_with_the_core_at_every_step = WorkersAndAggregator.TestCase
