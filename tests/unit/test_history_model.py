"""The publication's calendar: quarter ends, the previous quarter, a year earlier; changes."""

from __future__ import annotations

from datetime import date

from streams.domain.table import Column, region_row
from streams.service.history import (
    Snapshot,
    changes,
    is_quarter_end,
    previous_quarter_end,
    quarter_end_on_or_before,
    quarter_ends_between,
    year_earlier,
)


def test_the_four_peildata_are_the_last_days_of_the_quarters() -> None:
    ends = [d for d in (date(2026, m, 1) for m in range(1, 13))]
    assert not any(is_quarter_end(d) for d in ends)
    assert all(is_quarter_end(date(2026, m, d)) for m, d in ((3, 31), (6, 30), (9, 30), (12, 31)))
    assert not is_quarter_end(date(2026, 6, 29))


def test_the_previous_quarter_end_is_strictly_before_the_day() -> None:
    assert previous_quarter_end(date(2026, 9, 30)) == date(2026, 6, 30)
    assert previous_quarter_end(date(2026, 10, 1)) == date(2026, 9, 30)
    assert previous_quarter_end(date(2026, 3, 31)) == date(2025, 12, 31)
    assert quarter_end_on_or_before(date(2026, 3, 31)) == date(2026, 3, 31)
    assert quarter_end_on_or_before(date(2026, 1, 5)) == date(2025, 12, 31)


def test_a_year_earlier_of_a_leap_day_is_the_28th_of_february() -> None:
    assert year_earlier(date(2026, 9, 30)) == date(2025, 9, 30)
    assert year_earlier(date(2028, 2, 29)) == date(2027, 2, 28)


def test_quarter_ends_between_two_days_are_listed_in_order() -> None:
    assert quarter_ends_between(date(2025, 7, 1), date(2026, 3, 31)) == [
        date(2025, 9, 30), date(2025, 12, 31), date(2026, 3, 31),
    ]  # fmt: skip
    assert quarter_ends_between(date(2026, 4, 1), date(2026, 6, 29)) == []


def test_changes_compare_each_figure_with_the_same_region_earlier() -> None:
    day = date(2026, 9, 30)
    then = region_row("AM01", "Groningen", {Column.UWV_MET_PROFIEL: 3}, date(2026, 6, 30))
    now = region_row("AM01", "Groningen", {Column.UWV_MET_PROFIEL: 5}, day)
    new = region_row("AM02", "Friesland", {}, day)
    found = {(c.regio_code, c.figure): c for c in changes([now, new], [then])}
    assert found[("AM01", "uwv_met_profiel")].difference == 2
    assert found[("AM01", "totaal")].difference == 2
    assert found[("AM01", "gemeente_met_profiel")].difference == 0
    assert found[("AM02", "totaal")].then is None and found[("AM02", "totaal")].difference is None
    snapshot = Snapshot(day, (now, new))
    assert snapshot.quarter_end and snapshot.row("AM02") == new and snapshot.row("NL") is None
