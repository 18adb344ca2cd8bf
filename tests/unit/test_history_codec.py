"""History snapshots on the wire: the record round trip in both framings, the key, the view."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from streams.codecs.history import SnapshotCodec, snapshot_key
from streams.codecs.writers import WriterSchemas
from streams.domain.table import Column, publication_table
from streams.kafka.history import HistoryView
from streams.service.history import Provenance, Snapshot, Source
from streams.service.ports import DecodeError
from streams.service.reference import load_regions
from streams.settings import Framing, Settings

DAY = date(2026, 9, 30)
KNOWN_AT = datetime(2026, 9, 30, 21, 59, 59, 999_000, tzinfo=UTC)
MADE_AT = datetime(2026, 10, 1, 0, 0, 1, 250_000, tzinfo=UTC)


def snapshot(day: date = DAY, uwv: int = 3) -> Snapshot:
    cells = {("AM01", Column.UWV_MET_PROFIEL): uwv, ("ONBEKEND", Column.BESCHUT_WSW): 1}
    rows = tuple(publication_table(cells, load_regions(), day))
    offsets = {("t.indications", 0): 12, ("t.indications", 1): 0, ("t.profile-edits", 0): 7}
    return Snapshot(day, rows, Provenance(offsets, Source.BACKFILL, KNOWN_AT))


@pytest.mark.parametrize("framing", ["plain", "confluent", "single-object"])
def test_a_snapshot_reads_back_as_written_with_its_provenance(framing: Framing) -> None:
    writers = WriterSchemas()
    writers.learn_output("HistorySnapshot", 7)  # as the registry would number it
    codec = SnapshotCodec(framing, writers)
    back = codec.decode(codec.encode(snapshot(), MADE_AT))
    assert back.rows == snapshot().rows
    assert back.quarter_end and back.row("NL") is not None and back.row("NL").totaal == 3
    assert back.provenance == Provenance(
        snapshot().provenance.offsets, Source.BACKFILL, KNOWN_AT, MADE_AT
    )


def test_the_key_is_the_peildatum_so_a_restated_day_replaces_the_old_one() -> None:
    assert snapshot_key(DAY) == b"2026-09-30"
    view = HistoryView(Settings())
    codec = view.codec
    view.apply(snapshot_key(DAY), codec.encode(snapshot(uwv=3)))
    view.apply(snapshot_key(date(2026, 10, 1)), codec.encode(snapshot(date(2026, 10, 1))))
    view.apply(snapshot_key(DAY), codec.encode(snapshot(uwv=4)))
    assert [s.peildatum for s in view.snapshots()] == [DAY, date(2026, 10, 1)]
    first = view.snapshots(last=DAY)[0].row("AM01")
    assert first is not None and first.uwv_met_profiel == 4


def test_the_view_drops_a_day_on_a_tombstone_and_skips_what_is_not_a_snapshot() -> None:
    view = HistoryView(Settings())
    view.apply(snapshot_key(DAY), view.codec.encode(snapshot()))
    view.apply(b"2026-10-01", b"\x00not avro")
    assert [s.peildatum for s in view.snapshots()] == [DAY]
    view.apply(snapshot_key(DAY), None)
    assert view.snapshots() == []


def test_bytes_that_are_no_snapshot_are_a_decode_error() -> None:
    with pytest.raises(DecodeError):
        SnapshotCodec().decode(b"\x02")
