"""The quarterly publication from snapshots: its figures, words and layout in every format.

The PDF is read back with poppler's pdftotext (installed by .ci/install-publication); without
it the PDF tests skip locally and fail in CI.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from streams.domain import COUNT_FIELDS, NEDERLAND
from streams.publication import dutch
from streams.publication.html import render_html
from streams.publication.render import render
from streams.publication.sheet import BOM, render_csv, table_csv
from streams.service.publication import MissingSnapshot, edition
from tests.snapshots import REGIONS, snapshot

PEILDATUM = date(2026, 9, 30)
PREVIOUS = date(2026, 6, 30)
YEAR_BEFORE = date(2025, 9, 30)
MADE_AT = datetime(2026, 10, 1, 9, 15, tzinfo=UTC)
FULL = edition(
    PEILDATUM, [snapshot(PEILDATUM, onbekend=12), snapshot(PREVIOUS), snapshot(YEAR_BEFORE)],
    MADE_AT,
)  # fmt: skip


def nederland_row_text() -> str:
    """The Nederland row's figures as the publication writes them, in column order."""
    nl = FULL.nederland
    return " ".join(dutch.number(getattr(nl, f)) for f in COUNT_FIELDS)


@pytest.fixture(scope="module")
def pdf_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The PDF edition as text, laid out as on the page (pdftotext -layout)."""
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext is missing; CI must run .ci/install-publication")
        pytest.skip("pdftotext is missing (run .ci/install-publication)")
    path = tmp_path_factory.mktemp("pdf") / "publicatie.pdf"
    path.write_bytes(render(FULL, "pdf"))
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return out.stdout


def test_an_edition_needs_the_snapshot_of_its_peildatum() -> None:
    with pytest.raises(MissingSnapshot, match=r"2026-09-30.*backfill"):
        edition(PEILDATUM, [snapshot(PREVIOUS)], MADE_AT)


def test_an_edition_compares_with_the_previous_quarter_end_and_a_year_earlier() -> None:
    assert (FULL.previous_day, FULL.year_before_day) == (PREVIOUS, YEAR_BEFORE)
    nl = next(c for c in FULL.comparisons() if c.now.regio_code == NEDERLAND)
    assert (
        nl.totaal_change(nl.previous) == FULL.nederland.totaal - snapshot(PREVIOUS).rows[-1].totaal
    )
    assert nl.totaal_change(nl.previous) > 0 and nl.profiel_change(nl.year_before) > 0


def test_a_day_the_history_does_not_have_leaves_its_changes_unknown() -> None:
    alone = edition(PEILDATUM, [snapshot(PEILDATUM)], MADE_AT)
    assert all(
        c.previous is None and c.totaal_change(c.previous) is None for c in alone.comparisons()
    )
    assert "geen momentopname van 30 juni 2026" in render_html(alone)


def test_numbers_are_written_with_a_dot_between_thousands_and_changes_with_their_sign() -> None:
    assert dutch.number(193038) == "193.038" and dutch.number(12) == "12"
    assert dutch.signed(1204) == "+1.204" and dutch.signed(-56) == "\u221256"
    assert dutch.signed(0) == "0" and dutch.signed(None) == "\u2013"
    assert dutch.percent(1, 3) == "33,3%" and dutch.day(PEILDATUM) == "30 september 2026"


class Tables(HTMLParser):
    """The row headers of each table of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.row_headers: list[list[str]] = []
        self.in_row_header = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.row_headers.append([])
        self.in_row_header = tag == "th" and ("scope", "row") in attrs

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self.in_row_header = False

    def handle_data(self, data: str) -> None:
        if self.in_row_header and data.strip():
            self.row_headers[-1].append(data.strip())


def test_the_html_edition_has_the_publications_words_and_every_region() -> None:
    page = render_html(FULL)
    for words in ("<html lang=\"nl\">", "Transparantie klantprofielen", "Peildatum 30 september 2026",
                  "Wanneer wordt een profiel meegeteld voor de transparantiecijfers?",
                  "Gemeentecliënten in Sonar", "UWV-cliënten in Sonar", "Profiel in Sonar",
                  "Geen profiel in Sonar", "Totaal in Sonar", "Beschut werkend in de WSW",
                  "Niet alle mensen uit het doelgroepregister zijn ingeschreven in Sonar",
                  "Bronvermelding bij overname is verplicht.", "Colofon", "UWV Werkbedrijf"):  # fmt: skip
        assert words in page, words
    parser = Tables()
    parser.feed(page)
    table, changes, offsets = parser.row_headers
    names = [REGIONS.name_of(code) for code in REGIONS.codes_in_order]
    assert table == [*names, "Onbekend", "Nederland"]
    assert changes == table
    assert len(offsets) == 4 and all(t.startswith("transparantie.") for t in offsets)


def test_the_pdf_has_the_nederland_row_every_region_and_the_colofon(pdf_text: str) -> None:
    lines = [re.sub(r"\s+", " ", line).strip() for line in pdf_text.splitlines()]
    assert f"Nederland {nederland_row_text()}" in lines
    for code in REGIONS.codes_in_order:
        name = REGIONS.name_of(code)
        assert any(line.startswith(name + " ") for line in lines), name
    for words in ("Transparantie klantprofielen", "Peildatum 30 september 2026",
                  "Gemeentecliënten in", "UWV-cliënten in Sonar", "Geen profiel",
                  "Bronvermelding bij overname is verplicht.", "pagina 1 van"):  # fmt: skip
        assert words in pdf_text, words
    nl = next(c for c in FULL.comparisons() if c.now.regio_code == NEDERLAND)
    change = dutch.signed(nl.totaal_change(nl.previous))
    assert any(
        line.startswith(f"Nederland {dutch.number(nl.now.totaal)} {change} ") for line in lines
    )
    assert "--peildatum 2026-09-30 --snapshot" in pdf_text


def test_the_pdf_is_a4(tmp_path: Path) -> None:
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo is missing (run .ci/install-publication)")
    path = tmp_path / "p.pdf"
    path.write_bytes(render(FULL, "pdf"))
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info.stdout), info.stdout


def test_the_csv_is_for_dutch_excel_semicolons_and_an_optional_bom() -> None:
    plain = render_csv(FULL)
    assert not plain.startswith(BOM) and render_csv(FULL, bom=True).startswith(BOM)
    rows = list(csv.reader(io.StringIO(plain), delimiter=";"))
    header, *body = rows
    assert header[:2] == ["Regiocode", "Arbeidsmarktregio"] and header[-1] == "Peildatum"
    assert "Totaal in Sonar op 2026-06-30" in header
    nl = body[-1]
    assert nl[:2] == ["NL", "Nederland"]
    assert [int(x) for x in nl[2:8]] == [getattr(FULL.nederland, f) for f in COUNT_FIELDS]
    assert nl[-1] == "2026-09-30" and len(body) == 37  # 35 regions, Onbekend, Nederland


def test_the_table_csv_of_the_live_counts_uses_the_same_columns() -> None:
    text = table_csv(FULL.rows, bom=True)
    header = next(csv.reader(io.StringIO(text.removeprefix(BOM)), delimiter=";"))
    assert header[2] == "Gemeentecliënten in Sonar: Profiel in Sonar" and len(header) == 9


def test_the_xlsx_has_the_table_the_changes_and_the_provenance() -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(render(FULL, "xlsx")))
    assert book.sheetnames == ["Tabel", "Ontwikkeling", "Toelichting"]
    table = book["Tabel"]
    nl_row = next(r for r in table.iter_rows(min_row=6) if r[0].value == "Nederland")
    assert [c.value for c in nl_row[1:7]] == [getattr(FULL.nederland, f) for f in COUNT_FIELDS]
    assert nl_row[5].number_format == "#,##0" and nl_row[5].font.bold
    assert (
        table["B4"].value == "Gemeentecliënten in Sonar"
        and table["D4"].value == "UWV-cliënten in Sonar"
    )
    notes = [c.value for c in book["Toelichting"]["B"] if c.value]
    assert "Bronvermelding bij overname is verplicht." in notes
    assert any("offset" in str(n) for n in notes)
