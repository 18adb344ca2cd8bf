"""The counts view serves whole tables only: never a publication half applied, never two days."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from streams.codecs.avro import AvroCodec
from streams.domain import Column, publication_table
from streams.domain.table import is_whole
from streams.kafka.countsview import CountsView
from streams.settings import Settings
from tests.factories import AMSTERDAM_REGIO, DAY, GRONINGEN_REGIO, regions


def table(amsterdam: int, groningen: int, day=DAY):  # type: ignore[no-untyped-def]
    cells = {
        (AMSTERDAM_REGIO, Column.UWV_MET_PROFIEL): amsterdam,
        (GRONINGEN_REGIO, Column.GEMEENTE_ZONDER_PROFIEL): groningen,
    }
    return {row.regio_code: row for row in publication_table(cells, regions(), day)}


def view(tmp_path: Path) -> tuple[CountsView, AvroCodec]:
    s = Settings(data_dir=tmp_path / "worker", as_of=DAY)  # type: ignore[arg-type]
    return CountsView(s, regions()), AvroCodec("RegionCounts", s.framing)


def totaal(v: CountsView, code: str) -> int:
    return next(row.totaal for row in v.rows(DAY) if row.regio_code == code)


def send(v: CountsView, codec: AvroCodec, rows: list) -> None:  # type: ignore[type-arg]
    for row in rows:
        v.apply(row.regio_code.encode(), codec.encode(row.to_json() | {"as_of": row.as_of}))


def test_a_whole_table_has_nederland_as_the_sum_of_its_regions_on_one_day() -> None:
    whole = table(3, 2)
    assert is_whole(whole)
    assert not is_whole({k: v for k, v in whole.items() if k != "NL"})
    assert not is_whole(whole | {AMSTERDAM_REGIO: replace(whole[AMSTERDAM_REGIO], totaal=4)})
    later = whole | {"NL": replace(whole["NL"], as_of=DAY + timedelta(days=1))}
    assert not is_whole(later)


def test_the_view_keeps_serving_the_last_whole_table_while_a_publication_is_half_read(
    tmp_path: Path,
) -> None:
    v, codec = view(tmp_path)
    send(v, codec, list(table(3, 2).values()))
    v.settle()
    assert v.rows(DAY)[-1].totaal == 5
    after = table(4, 1)
    send(v, codec, [after[AMSTERDAM_REGIO]])  # the region row arrived, NL not yet
    v.settle()
    assert totaal(v, "NL") == 5 and totaal(v, AMSTERDAM_REGIO) == 3
    send(v, codec, [after[GRONINGEN_REGIO], after["NL"]])
    v.settle()
    assert totaal(v, "NL") == 5 and totaal(v, AMSTERDAM_REGIO) == 4


def test_the_view_serves_nothing_before_it_has_read_a_whole_table(tmp_path: Path) -> None:
    v, codec = view(tmp_path)
    assert not v.serving()
    v.caught_up.set()
    assert not v.serving()  # an empty counts topic: no all-zero table either
    send(v, codec, [table(3, 2)[AMSTERDAM_REGIO]])
    v.settle()
    assert not v.serving()
    send(v, codec, list(table(3, 2).values()))
    v.settle()
    assert v.serving()
