"""The demo's last line: whether the live table equals the population's expected table."""

from __future__ import annotations

from pathlib import Path

from streams.devtools.demo import table_verdict

EXPECTED = [{"regio_code": f"AM{i:02d}", "totaal": i} for i in range(1, 8)] + [
    {"regio_code": "NL", "totaal": 28}
]
PATH = Path("demo/expected.json")


def test_an_equal_table_is_said_to_equal_the_expected_one():
    assert table_verdict(EXPECTED, EXPECTED, 3.2, PATH) == (
        "The live table equals the population's expected table (8 rows, 3 s after publishing)."
    )


def test_a_different_table_names_the_rows_that_differ_and_where_to_compare():
    live = [dict(r) for r in EXPECTED]
    live[0]["totaal"] += 1
    live[-1]["totaal"] += 1
    assert table_verdict(live, EXPECTED, 120.4, PATH) == (
        "The live table does NOT equal the expected table after 120 s: 2 of 8 rows differ"
        " (AM01, NL); compare /counts with demo/expected.json."
    )


def test_many_differing_rows_are_cut_short():
    live = [{**r, "totaal": -1} for r in EXPECTED]
    assert "8 of 8 rows differ (AM01, AM02, AM03, AM04, AM05, ...)" in table_verdict(
        live, EXPECTED, 1, PATH
    )


def test_no_table_at_all_is_said_as_such():
    assert table_verdict(None, EXPECTED, 120, PATH) == (
        "The worker served no table within 120 s; see its log above."
    )
