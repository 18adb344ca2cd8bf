"""The end of a counting day: subtotals carry the input positions they reflect, and the last
complete same-day table of a day becomes its snapshot when a later day's table is complete."""

from __future__ import annotations

from datetime import timedelta

from streams.codecs import subtotals
from streams.codecs.avro import AvroCodec
from streams.codecs.events import event_to_record, schema_name_of
from streams.codecs.wire import worker_wire
from streams.domain import Column, Event
from streams.service.daybook import Daybook
from streams.service.history import Snapshot, Source
from streams.service.reports import SubtotalReport
from streams.settings import Settings
from tests.factories import DAY, GRONINGEN, counted_client_events, make_runtime, regions

SETTINGS = Settings(as_of=DAY, partitions=2)
WIRE = worker_wire(SETTINGS, regions())
REG, IND = SETTINGS.topic_registrations, SETTINGS.topic_indications


def batch(partition: int, events: list[Event], first_offset: int = 0) -> list[tuple]:
    out = []
    for offset, event in enumerate(events, start=first_offset):
        name = schema_name_of(event)
        value = AvroCodec(name).encode(event_to_record(event))
        topic = SETTINGS.topic_for_schema(name)
        out.append((topic, partition, offset, None, event.client_id.encode(), value))
    return out


GENERATION = 3


def report(
    partition: int, day_offset: int, positions: dict[str, int], counted: int = 0,
    generation: int = GENERATION,
) -> SubtotalReport:  # fmt: skip
    """A report as it comes through the subtotals topic (encoded and decoded again)."""
    cells = {("AM01", Column.UWV_MET_PROFIEL): counted} if counted else {}
    day = DAY + timedelta(days=day_offset)
    sent = SubtotalReport(
        partition, 2, generation, day, cells, {(t, partition): o for t, o in positions.items()}
    )
    return WIRE.decode_subtotals(WIRE.encode_subtotals(sent))


class Aggregator:
    """The aggregator's table as the daybook sees it: the latest report of every partition."""

    def __init__(self, book: Daybook) -> None:
        self.book, self.latest = book, {}  # type: ignore[var-annotated]

    def receive(self, sent: SubtotalReport, generation: int = GENERATION) -> list[Snapshot]:
        self.latest[sent.partition] = sent
        return self.book.observe(self.latest.values(), generation)


def test_a_subtotal_message_carries_the_positions_of_its_partition_of_every_input_topic() -> None:
    runtime = make_runtime(SETTINGS)
    runtime.rebuild(iter([]), {0, 1}, generation=1)  # recovered: it reports
    runtime.handle_batch(batch(0, counted_client_events("K1")), lambda p, k: None)
    runtime.handle_batch(
        batch(1, counted_client_events("K2", gemeente=GRONINGEN)), lambda p, k: None
    )
    runtime.resume_at({(REG, 0): 99, (IND, 1): 0, (SETTINGS.topic_profile_edits, 1): 4})
    found = {}
    for _, value in runtime.subtotal_messages(everything=True):
        report = WIRE.decode_subtotals(value)
        assert report.day == DAY
        found[report.partition] = report.positions
    memberships = SETTINGS.topic_memberships
    assert found[0] == {(REG, 0): 1, (IND, 0): 2, (memberships, 0): 3}
    # resume_at fills in only what no message has moved yet
    assert found[1] == {
        (REG, 1): 1, (IND, 1): 2, (memberships, 1): 3, (SETTINGS.topic_profile_edits, 1): 4
    }  # fmt: skip


def test_a_subtotal_message_without_positions_reads_as_reflecting_nothing_known() -> None:
    raw = subtotals.encode(SubtotalReport(3, 4, 1, DAY, {}), regions())
    assert subtotals.decode(raw).positions == {}


def test_the_last_complete_table_of_a_day_is_its_snapshot_once_a_later_day_is_complete() -> None:
    book = Aggregator(Daybook(regions(), 2))
    assert book.receive(report(0, 0, {REG: 5}, counted=1)) == []  # one partition: incomplete
    assert book.receive(report(1, 0, {REG: 7}, counted=2)) == []  # complete, but the day is on
    assert book.receive(report(0, 0, {REG: 6}, counted=3)) == []  # a later table of the day
    assert book.receive(report(0, 1, {REG: 6}, counted=3)) == []  # the days differ: no table
    (ended,) = book.receive(report(1, 1, {REG: 8}, counted=2))  # the next day is complete
    assert ended.peildatum == DAY and ended.provenance.source is Source.LIVE
    assert ended.provenance.offsets == {(REG, 0): 6, (REG, 1): 7}
    nl = ended.row("NL")
    assert nl is not None and nl.uwv_met_profiel == 5 and nl.as_of == DAY
    assert book.receive(report(1, 1, {REG: 9})) == []  # the same day again: nothing ends


def test_reports_of_another_generation_are_no_table_of_a_day() -> None:
    book = Aggregator(Daybook(regions(), 2))
    book.receive(report(0, 0, {REG: 5}))
    book.receive(report(1, 0, {REG: 7}))
    # a former owner's late report of the next day, and the rest of the current generation's
    assert book.receive(report(0, 1, {REG: 6}, generation=GENERATION - 1)) == []
    assert book.receive(report(1, 1, {REG: 8})) == []
    (ended,) = book.receive(report(0, 1, {REG: 6}))
    assert ended.peildatum == DAY


def test_a_day_that_goes_back_ends_nothing_and_a_reset_starts_from_the_recovered_reports() -> None:
    book = Aggregator(Daybook(regions(), 2))
    for sent in (report(0, 2, {}), report(1, 2, {})):
        book.receive(sent)
    assert book.receive(report(0, 1, {})) == [] and book.receive(report(1, 1, {})) == []
    # after a rebalance: the recovered reports were a complete set of their generation
    book.book.reset([report(0, 1, {REG: 1}), report(1, 1, {REG: 2})])
    assert book.receive(report(0, 2, {REG: 1}, generation=GENERATION + 1), GENERATION + 1) == []
    (ended,) = book.receive(report(1, 2, {REG: 2}, generation=GENERATION + 1), GENERATION + 1)
    assert ended.peildatum == DAY + timedelta(days=1)
