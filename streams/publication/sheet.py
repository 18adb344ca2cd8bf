"""The publication as data for a spreadsheet: CSV for Dutch Excel (`;`, optional BOM) and xlsx."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from streams.domain import COUNT_FIELDS, RegionCounts
from streams.publication import dutch, words
from streams.service.publication import Edition

#: Dutch Excel reads `;` as the field separator (the comma is its decimal sign), and takes a
#: file as UTF-8 only when it starts with a byte order mark.
DELIMITER = ";"
BOM = "\ufeff"


def column_headings() -> list[str]:
    """'Gemeentecliënten in Sonar: Profiel in Sonar', …, 'Totaal in Sonar', beschut."""
    return [f"{group}: {label}" if group else label for _, group, label in words.COLUMNS]


def table_csv(rows: Sequence[RegionCounts], bom: bool = False) -> str:
    """A table (rows as the counts give them) as Dutch-Excel CSV: code, name, figures, day."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(["Regiocode", words.REGIO, *column_headings(), words.PEILDATUM])
    for r in rows:
        writer.writerow(
            [r.regio_code, r.regio_naam, *(getattr(r, f) for f in COUNT_FIELDS), r.as_of]
        )
    return (BOM if bom else "") + out.getvalue()


def render_csv(edition: Edition, bom: bool = False) -> str:
    """The edition's table with the totals of the two earlier days, as Dutch-Excel CSV."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    earlier = (edition.previous_day, edition.year_before_day)
    writer.writerow(
        ["Regiocode", words.REGIO, *column_headings(),
         *(f"{words.TOTAAL} op {d.isoformat()}" for d in earlier), words.PEILDATUM]
    )  # fmt: skip
    for c in edition.comparisons():
        then = ["" if r is None else r.totaal for r in (c.previous, c.year_before)]
        figures = (getattr(c.now, f) for f in COUNT_FIELDS)
        writer.writerow([c.now.regio_code, c.now.regio_naam, *figures, *then, edition.peildatum])
    return (BOM if bom else "") + out.getvalue()


def render_xlsx(edition: Edition, publisher: str) -> bytes:
    """The edition as a workbook: the table, the changes, and the explanation with provenance."""
    from openpyxl import Workbook

    from streams.publication.workbook import changes_sheet, notes_sheet, table_sheet

    book = Workbook()
    for default in book.worksheets:  # a new workbook's empty sheet: ours are made below
        book.remove(default)
    table_sheet(book.create_sheet(), edition)
    changes_sheet(book.create_sheet(), edition)
    notes_sheet(book.create_sheet(), edition, publisher)
    book.properties.title = (
        f"{words.TITLE}, {words.PEILDATUM.lower()} {dutch.day(edition.peildatum)}"
    )
    book.properties.creator = publisher
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
