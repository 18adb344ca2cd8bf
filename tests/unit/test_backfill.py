"""The backfill's one pass gives, for every day, the table of a full recomputation of that day
from exactly the messages known by its end (Kafka's offsets by time), and says which offsets."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from streams.codecs.avro import AvroCodec
from streams.codecs.files import records_of
from streams.codecs.wire import worker_wire
from streams.devtools.generate import generate
from streams.kafka.partitioning import partition_of
from streams.service.admission import Admission
from streams.service.backfill import DayOf, days, fold_partition, snapshots
from streams.service.history import Source, end_of_day
from streams.service.ports import InputMessage
from streams.service.reconcile import Recomputation
from streams.service.reference import load_regions
from streams.settings import Settings

AS_OF = date(2026, 3, 31)
FIRST, LAST = AS_OF - timedelta(days=3), AS_OF + timedelta(days=3)
PARTITIONS = 3
REGIONS = load_regions()
SETTINGS = Settings(partitions=PARTITIONS)


def millis(day: date) -> int:
    return int(end_of_day(day).timestamp() * 1000)


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], list[InputMessage]]:
    """A population's events on three partitions per topic, stamped from two days before the
    first day to a day after the last, in order of time but for some out-of-order stamps."""
    out = tmp_path_factory.mktemp("population")
    generate(400, 3, out, AS_OF)
    rng = random.Random(7)
    codecs: dict[str, AvroCodec] = {}
    lo, hi = millis(FIRST - timedelta(days=2)), millis(LAST + timedelta(days=1))
    partitions: dict[tuple[str, int], list[InputMessage]] = defaultdict(list)
    for name, record in records_of(sorted(out.glob("*.avro"))):
        codec = codecs.setdefault(name, AvroCodec(name))
        topic = SETTINGS.topic_for_schema(name)
        key = record["client_id"].encode()
        tp = (topic, partition_of(key, PARTITIONS))
        partitions[tp].append(InputMessage(*tp, len(partitions[tp]), key, codec.encode(record)))
    partitions[tp].append(InputMessage(*tp, len(partitions[tp]), b"K?", b"\x00"))  # bad input
    for tp, messages in partitions.items():
        stamps = sorted(rng.randint(lo, hi) for _ in messages)
        for i in range(0, len(stamps) - 5, 10):  # a late one now and then
            stamps[i], stamps[i + 5] = stamps[i + 5], stamps[i]
        partitions[tp] = [m._replace(timestamp=t) for m, t in zip(messages, stamps, strict=True)]
    return partitions


def known_by(messages: list[InputMessage], moment: int) -> int:
    """Kafka's offsets by time: the first offset stamped after the moment (or the end)."""
    return next((m.offset for m in messages if (m.timestamp or 0) > moment), len(messages))


def test_every_backfilled_day_equals_a_recomputation_of_the_messages_known_by_its_end(
    log: dict[tuple[str, int], list[InputMessage]],
) -> None:
    admission = Admission(worker_wire(SETTINGS, REGIONS).decoders, REGIONS)
    day_of = DayOf(FIRST, LAST)
    parts = []
    for p in range(PARTITIONS):
        mine = {tp: ms for tp, ms in log.items() if tp[1] == p}
        interleaved = [m for ms in zip(*mine.values(), strict=False) for m in ms]
        interleaved += [m for ms in mine.values() for m in ms[min(map(len, mine.values())) :]]
        horizon = {tp: len(ms) for tp, ms in mine.items()}
        parts.append(fold_partition(admission, REGIONS, day_of, p, interleaved, horizon))
    found = snapshots(parts, day_of, REGIONS)
    assert [s.peildatum for s in found] == days(FIRST, LAST)
    totals = set()
    for snapshot in found:
        moment = millis(snapshot.peildatum)
        cuts = {tp: known_by(ms, moment) for tp, ms in log.items()}
        assert snapshot.provenance.offsets == cuts
        assert snapshot.provenance.source is Source.BACKFILL
        assert snapshot.provenance.known_at == end_of_day(snapshot.peildatum)
        recomputation = Recomputation(admission)
        for tp, ms in log.items():
            for m in ms[: cuts[tp]]:
                recomputation.add(m)
        assert list(snapshot.rows) == recomputation.table(snapshot.peildatum, REGIONS)
        totals.add(snapshot.rows[-1].totaal)
    assert len(totals) > 3, "the days should differ, or the test proves little"


def test_a_day_index_is_the_first_day_whose_end_is_not_before_the_timestamp() -> None:
    day_of = DayOf(FIRST, LAST)
    assert day_of.index(0) == 0
    assert day_of.index(millis(FIRST)) == 0
    assert day_of.index(millis(FIRST) + 1) == 1
    assert day_of.index(millis(LAST)) == len(days(FIRST, LAST)) - 1
    assert day_of.index(millis(LAST) + 1) == len(days(FIRST, LAST))


def test_an_empty_log_backfills_zeros_with_the_end_offsets_as_provenance(
    tmp_path: Path,
) -> None:
    admission = Admission(worker_wire(SETTINGS, REGIONS).decoders, REGIONS)
    day_of = DayOf(FIRST, FIRST)
    part = fold_partition(admission, REGIONS, day_of, 0, [], {("t", 0): 0})
    (snapshot,) = snapshots([part], day_of, REGIONS)
    assert snapshot.rows[-1].totaal == 0 and snapshot.provenance.offsets == {("t", 0): 0}
