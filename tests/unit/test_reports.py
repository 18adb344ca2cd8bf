"""Subtotal reports and the aggregator: rows only from a complete set of one generation and day.

The false values a downstream consumer could see before (an all-zero table at start, a sum of
some partitions, a partition counted by a new owner before its recovery, a revoked owner's late
report, the subtotals of two days in one table, an ONBEKEND row left behind) each have a case.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from streams.codecs import subtotals as codec
from streams.domain import ONBEKEND, Cell, Column, RegionCounts
from streams.service.aggregation import Aggregator, entry
from streams.service.ports import Wire
from streams.service.reports import NO_GENERATION, Kept, SubtotalReport, complete, supersedes
from streams.settings import Settings
from tests.factories import AMSTERDAM_REGIO, DAY, GRONINGEN_REGIO, make_runtime, regions

N = 4
UWV_JA: Cell = (AMSTERDAM_REGIO, Column.UWV_MET_PROFIEL)
GM_NEE: Cell = (GRONINGEN_REGIO, Column.GEMEENTE_ZONDER_PROFIEL)


def report(
    partition: int, cells: dict[Cell, int] | None = None, generation: int = 7, day: date = DAY
) -> SubtotalReport:
    return SubtotalReport(partition, N, generation, day, Counter(cells or {}))


def full_set(generation: int = 7, day: date = DAY) -> list[SubtotalReport]:
    return [
        report(0, {UWV_JA: 2}, generation, day),
        report(1, {UWV_JA: 1, GM_NEE: 5}, generation, day),
        report(2, {}, generation, day),
        report(3, {GM_NEE: 1}, generation, day),
    ]


class NoMetrics:
    """The aggregator's metrics sink, kept: which rows were exported."""

    def __init__(self) -> None:
        self.rows: list[RegionCounts] = []

    def set_region_rows(self, rows: object) -> None:
        self.rows += list(rows)  # type: ignore[call-overload]

    def forget_regions(self) -> None:
        self.rows = []


def aggregator() -> Aggregator:
    wire = Wire(
        decoders={},
        encode_dead_letter=lambda record: b"",
        encode_counts=lambda row: f"{row.regio_code}:{row.totaal}:{row.as_of}".encode(),
        encode_subtotals=lambda r: codec.encode(r, regions()),
        decode_subtotals=codec.decode,
    )
    return Aggregator(regions(), N, wire, NoMetrics())  # type: ignore[arg-type]


def encoded(reports: list[SubtotalReport]) -> list[bytes]:
    """The aggregator's table entries of the reports (offsets in report order)."""
    return [entry(n, codec.encode(r, regions())) for n, r in enumerate(reports)]


def published(messages: list[tuple[bytes, bytes]]) -> dict[str, str]:
    return {key.decode(): value.decode() for key, value in messages}


def test_a_complete_set_sums_every_partition_on_the_reports_day() -> None:
    found = complete(full_set(), N, current=7)
    assert found is not None
    assert found.day == DAY and found.cells == Counter({UWV_JA: 3, GM_NEE: 6})


def test_a_set_missing_one_partition_is_not_complete() -> None:
    assert complete(full_set()[:3], N, current=7) is None
    assert complete([], N, current=7) is None  # nothing reported yet: no all-zero table


def test_a_partition_reported_in_an_older_generation_is_not_yet_recovered_by_its_new_owner() -> (
    None
):
    reports = [*full_set()[:3], report(3, {GM_NEE: 1}, generation=6)]
    assert complete(reports, N, current=7) is None
    assert complete(full_set(generation=6), N, current=7) is None


def test_reports_of_two_days_are_never_summed() -> None:
    reports = [*full_set()[:3], report(3, {GM_NEE: 1}, day=DAY + timedelta(days=29))]
    assert complete(reports, N, current=7) is None


def test_a_sender_counting_with_another_number_of_partitions_makes_no_table() -> None:
    odd = SubtotalReport(3, 8, 7, DAY, Counter())
    assert complete([*full_set()[:3], odd], N, current=7) is None


def kept(generation: int, offset: int = 10) -> Kept:
    return Kept(offset, report(1, generation=generation))


def test_a_late_report_of_a_former_owner_does_not_replace_the_new_owners() -> None:
    assert not supersedes(kept(6, offset=11), kept(7), current=7)
    assert supersedes(kept(8, offset=11), kept(7), current=7)
    assert supersedes(kept(6), None, current=7)


def test_of_one_generation_the_later_message_wins_and_one_read_again_does_not() -> None:
    assert supersedes(kept(7, offset=11), kept(7, offset=10), current=7)
    # the aggregator restarted: its table is ahead of the offset it had committed
    assert not supersedes(kept(7, offset=9), kept(7, offset=10), current=7)
    assert not supersedes(kept(7, offset=10), kept(7, offset=10), current=7)


def test_after_the_group_was_recreated_its_new_low_generations_are_taken() -> None:
    assert supersedes(kept(1, offset=3), kept(57), current=1)
    assert supersedes(kept(2, offset=3), kept(57), current=3)


def test_the_aggregator_keeps_a_report_with_its_offset_and_skips_one_read_again() -> None:
    agg = aggregator()
    value = codec.encode(report(1), regions())
    stored = agg.take(value, 40, None, generation=7)
    assert stored == entry(40, value) and agg.kept(stored) == Kept(40, report(1))
    assert agg.take(value, 39, stored, generation=7) is None
    assert agg.take(value, 41, stored, generation=7) == entry(41, value)
    assert agg.kept(value).offset == -1  # a report kept by an older version, without offset


def test_a_report_encodes_and_decodes_to_itself() -> None:
    original = report(2, {UWV_JA: 3, GM_NEE: 1})
    assert codec.decode(codec.encode(original, regions())) == original


def test_a_report_of_an_older_version_decodes_as_never_current() -> None:
    old = b'{"partition":1,"as_of":"2026-03-16","cells":{"AM18":{"uwv_met_profiel":2}}}'
    decoded = codec.decode(old)
    assert decoded.generation == NO_GENERATION and decoded.partitions == 0
    assert decoded.cells == Counter({UWV_JA: 2})


def test_the_aggregator_publishes_nothing_until_every_partition_has_reported() -> None:
    agg = aggregator()
    agg.own()
    reports = encoded(full_set())
    for n in range(N):
        assert agg.counts_messages(reports[:n], generation=7) == []
    rows = published(agg.counts_messages(reports, generation=7))
    assert rows["NL"] == f"NL:9:{DAY}" and rows[AMSTERDAM_REGIO] == f"{AMSTERDAM_REGIO}:3:{DAY}"
    assert len(rows) == 37  # 35 regions, ONBEKEND (zeros) and NL


def test_the_aggregator_publishes_the_rows_that_changed_and_all_when_asked_or_owning_again() -> (
    None
):
    agg = aggregator()
    agg.own()
    agg.counts_messages(encoded(full_set()), generation=7)
    assert agg.counts_messages(encoded(full_set()), generation=7) == []
    moved = [*full_set()[:3], report(3, {GM_NEE: 2})]
    assert published(agg.counts_messages(encoded(moved), generation=7)) == {
        GRONINGEN_REGIO: f"{GRONINGEN_REGIO}:7:{DAY}",
        "NL": f"NL:10:{DAY}",
    }
    assert len(agg.counts_messages(encoded(moved), generation=7, everything=True)) == 37
    agg.own()  # a rebalance gave it back: the topic may hold another owner's rows since
    assert len(agg.counts_messages(encoded(moved), generation=7)) == 37


def test_a_day_change_is_published_once_every_partition_counts_on_the_new_day() -> None:
    agg = aggregator()
    agg.own()
    agg.counts_messages(encoded(full_set()), generation=7)
    later = DAY + timedelta(days=29)
    moving = encoded(full_set())
    for p, value in enumerate(encoded(full_set(day=later))):
        moving[p] = value
        out = published(agg.counts_messages(moving, generation=7))
        assert out == {} if p < N - 1 else out["NL"] == f"NL:9:{later}"


def test_a_disowned_or_not_yet_owned_aggregator_publishes_nothing() -> None:
    agg = aggregator()
    assert agg.counts_messages(encoded(full_set()), generation=7) == []
    agg.own()
    agg.disown()
    assert agg.counts_messages(encoded(full_set()), generation=7) == []


def test_an_onbekend_row_that_falls_to_zero_is_published_as_zeros() -> None:
    agg = aggregator()
    agg.own()
    unknown: Cell = (ONBEKEND, Column.UWV_ZONDER_PROFIEL)
    with_unknown = [*full_set()[:3], report(3, {GM_NEE: 1, unknown: 1})]
    assert (
        published(agg.counts_messages(encoded(with_unknown), 7))[ONBEKEND] == f"{ONBEKEND}:1:{DAY}"
    )
    assert published(agg.counts_messages(encoded(full_set()), 7))[ONBEKEND] == f"{ONBEKEND}:0:{DAY}"


def test_a_worker_reports_only_partitions_it_rebuilt_with_their_day_count_and_generation(
    tmp_path: Path,
) -> None:
    s = Settings(data_dir=tmp_path, as_of=DAY, partitions=N)  # type: ignore[arg-type]
    runtime = make_runtime(s)
    assert runtime.subtotal_messages(everything=True) == []  # before its first recovery
    runtime.rebuild(iter([]), {0, 2}, generation=7)
    reports = [codec.decode(value) for _, value in runtime.subtotal_messages()]
    assert [(r.partition, r.partitions, r.generation, r.day) for r in reports] == [
        (0, N, 7, DAY),
        (2, N, 7, DAY),
    ]
    runtime.revoke({0, 2})
    assert runtime.subtotal_messages(everything=True) == []  # revoked: not another word
    runtime.rebuild(iter([]), {2}, generation=8)
    assert [k for k, _ in runtime.subtotal_messages(everything=True)] == [b"2"]
