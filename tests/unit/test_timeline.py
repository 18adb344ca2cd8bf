"""`GET /history`: the query, the rows (aggregates only) and CSV or JSON as asked."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from streams.domain import Column
from streams.domain.table import publication_table
from streams.service.history import Provenance, Snapshot, Source
from streams.service.reference import load_regions
from streams.service.timeline import (
    HISTORY_FIELDS,
    HistoryQuery,
    history_csv,
    history_rows,
    parse_query,
    wants_csv,
)

REGIONS = load_regions()


def snapshot(day: date, uwv: int, source: Source = Source.LIVE) -> Snapshot:
    rows = tuple(publication_table({("AM01", Column.UWV_MET_PROFIEL): uwv}, REGIONS, day))
    known = datetime(2025, 12, 31, 22, 59, 59, 999_000, UTC) if source is Source.BACKFILL else None
    return Snapshot(day, rows, Provenance({("t", 0): 1}, source, known))


HISTORY = [
    snapshot(date(2025, 12, 31), 4, Source.BACKFILL),
    snapshot(date(2026, 1, 1), 5),
    snapshot(date(2026, 1, 2), 6),
]


def test_the_query_names_a_region_and_a_range_of_days_each_optional() -> None:
    assert parse_query({}, REGIONS) == HistoryQuery()
    query = parse_query({"regio": "am01", "from": "2025-01-01", "to": "2026-12-31"}, REGIONS)
    assert query == HistoryQuery("AM01", date(2025, 1, 1), date(2026, 12, 31))
    assert parse_query({"regio": "NL"}, REGIONS).regio == "NL"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"regio": "XX01"}, "unknown region"),
        ({"from": "2026-02-30"}, "is not a date"),
        ({"from": "2026-02-02", "to": "2026-02-01"}, "is after"),
        ({"client_id": "K1"}, "unknown parameter"),
    ],
)
def test_a_query_that_is_not_understood_says_why(params: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_query(params, REGIONS)


def test_the_rows_are_one_per_day_for_the_region_asked_with_the_days_provenance() -> None:
    rows = history_rows(HISTORY, HistoryQuery("AM01", date(2025, 12, 31), date(2026, 1, 1)))
    assert [(r["peildatum"], r["uwv_met_profiel"], r["totaal"]) for r in rows] == [
        ("2025-12-31", 4, 4),
        ("2026-01-01", 5, 5),
    ]
    assert rows[0]["quarter_end"] is True and rows[0]["source"] == "backfill"
    assert rows[0]["known_at"] == "2025-12-31T23:59:59.999+01:00"
    assert rows[1]["known_at"] is None and list(rows[1]) == list(HISTORY_FIELDS)


def test_without_a_region_every_row_of_every_day_is_answered() -> None:
    rows = history_rows(HISTORY, HistoryQuery())
    assert len(rows) == 3 * 36  # 35 regions and Nederland per day
    assert {r["regio_code"] for r in rows} >= {"AM01", "NL"}


def test_the_csv_has_a_header_and_one_line_per_row() -> None:
    text = history_csv(history_rows(HISTORY, HistoryQuery("NL")))
    lines = text.splitlines()
    assert lines[0] == ",".join(HISTORY_FIELDS)
    assert lines[1].startswith("2025-12-31,true,backfill,2025-12-31T23:59:59.999+01:00,NL,")
    assert lines[2].startswith("2026-01-01,false,live,,NL,Nederland,0,0,5,0,5,0")


def test_csv_is_answered_for_the_csv_path_or_when_accept_prefers_it() -> None:
    assert wants_csv("/history.csv", None)
    assert wants_csv("/history", "text/csv")
    assert wants_csv("/history", "text/csv, application/json;q=0.5")
    assert not wants_csv("/history", "application/json, text/csv")
    assert not wants_csv("/history", None) and not wants_csv("/history", "*/*")
