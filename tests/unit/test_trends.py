"""The page's trends and changes from snapshots, and the trend as an accessible SVG chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from streams.publication.trend import render_svg, trend_to_json
from streams.service.trends import changes, changes_to_json, months_before, trend, window
from tests.snapshots import daily, rows_of, snapshot

TODAY = date(2026, 11, 29)
HISTORY = daily(date(2025, 10, 1), date(2026, 11, 28))
LIVE = rows_of(TODAY)
SVG = "{http://www.w3.org/2000/svg}"


def test_the_trend_looks_thirteen_months_back() -> None:
    assert window(TODAY) == (date(2025, 10, 29), TODAY)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 13) == date(2024, 12, 15)


def test_a_trend_has_a_point_per_day_of_the_window_ending_with_the_live_figure() -> None:
    found = trend(HISTORY, "AM01", "totaal", compare=False, today=TODAY, live=LIVE)
    assert found is not None and found.regio_naam == "Groningen"
    assert found.points[0].day == date(2025, 10, 29) and found.points[-1].day == TODAY
    assert len(found.points) == (TODAY - date(2025, 10, 29)).days + 1
    assert found.points[-1].region == LIVE[0].totaal and found.points[-1].nederland is None


def test_todays_snapshot_is_not_final_so_the_live_row_is_todays_point() -> None:
    early = snapshot(TODAY, onbekend=5)  # written before the day ended: not the final table
    found = trend([*HISTORY, early], "NL", "totaal", compare=False, today=TODAY, live=LIVE)
    assert found is not None and [p.day for p in found.points].count(TODAY) == 1
    assert found.points[-1].region == LIVE[-1].totaal != early.rows[-1].totaal


def test_a_region_compared_with_nederland_is_an_index_of_totals_but_a_share_as_it_is() -> None:
    indexed = trend(HISTORY, "AM01", "totaal", compare=True, today=TODAY, live=LIVE)
    assert indexed is not None and indexed.indexed and indexed.compared
    assert indexed.points[0].region == 100.0 and indexed.points[0].nederland == 100.0
    assert indexed.points[-1].region is not None and indexed.points[-1].region > 100
    share = trend(HISTORY, "AM01", "dekking", compare=True, today=TODAY, live=LIVE)
    assert share is not None and not share.indexed
    assert share.points[-1].nederland is not None and 0 < share.points[-1].nederland < 100


def test_nederland_is_not_compared_with_itself_and_an_unknown_region_has_no_trend() -> None:
    national = trend(HISTORY, "NL", "totaal", compare=True, today=TODAY, live=LIVE)
    assert national is not None and not national.compared and not national.indexed
    assert trend(HISTORY, "AM99", "totaal", compare=False, today=TODAY, live=LIVE) is None


def test_the_trend_as_a_table_has_the_last_day_of_every_month_and_today() -> None:
    found = trend(HISTORY, "NL", "totaal", compare=False, today=TODAY, live=LIVE)
    assert found is not None
    days = [p.day for p in found.monthly()]
    assert days[0] == date(2025, 10, 31) and days[-2] == date(2026, 10, 31) and days[-1] == TODAY
    body = trend_to_json(found)
    assert len(body["maanden"]) == 14 and body["maanden"][-1]["regio"] == LIVE[-1].totaal


def test_the_svg_is_an_image_with_a_title_and_a_description_of_its_figures() -> None:
    found = trend(HISTORY, "AM01", "totaal", compare=True, today=TODAY, live=LIVE)
    assert found is not None
    root = ET.fromstring(render_svg(found))
    assert root.get("role") == "img" and root.get("aria-labelledby") == "t d"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert (
        title is not None and title.text == "Groningen: totaal in Sonar (index, eerste dag = 100)"
    )
    assert desc is not None and "Nederland (gestippeld)" in (desc.text or "")
    lines = root.findall(f"{SVG}polyline")
    assert {line.get("class") for line in lines} == {"line regio", "line nl"}


def test_changes_set_every_live_row_beside_the_previous_quarter_end_and_a_year_earlier() -> None:
    found = changes(HISTORY, LIVE, TODAY)
    assert (found.previous_day, found.year_before_day) == (date(2026, 9, 30), date(2025, 11, 29))
    assert found.latest_publication == date(2026, 9, 30)
    nl = found.rows[-1]
    assert nl.previous is not None and nl.previous.as_of == date(2026, 9, 30)
    body = changes_to_json(found)
    row = body["rows"][-1]
    assert row["regio_code"] == "NL" and row["totaal"] == LIVE[-1].totaal
    assert row["vorig_kwartaaleinde"]["totaal"] == nl.previous.totaal


def test_without_history_the_changes_are_unknown_and_there_is_no_publication() -> None:
    found = changes([], LIVE, TODAY)
    assert found.latest_publication is None
    assert all(r.previous is None and r.year_before is None for r in found.rows)
