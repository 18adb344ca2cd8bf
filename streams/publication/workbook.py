"""The sheets of the xlsx edition (openpyxl): the table, the changes, the explanation."""

from __future__ import annotations

from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from streams.domain import COUNT_FIELDS, NEDERLAND
from streams.publication import dutch, words
from streams.publication.html import offsets_table
from streams.service.publication import Edition, met_profiel

#: Excel shows these with the reader's own thousands separator: a dot in Dutch Excel.
NUMBER = "#,##0"
CHANGE = "+#,##0;-#,##0;0"
BLUE = "154273"
TITLE_FONT = Font(bold=True, size=16, color=BLUE)
HEAD_FONT = Font(bold=True, color=BLUE)
HEAD_FILL = PatternFill("solid", fgColor="DCE3EA")
LINE = Side(style="thin", color=BLUE)
WRAP = Alignment(wrap_text=True, vertical="bottom", horizontal="center")


def _title(sheet: Worksheet, edition: Edition, subtitle: str) -> None:
    sheet["A1"] = words.TITLE
    sheet["A1"].font = TITLE_FONT
    sheet["A2"] = f"{words.PEILDATUM} {dutch.day(edition.peildatum)} · {subtitle}"


def _heading(sheet: Worksheet, row: int, column: int, text: str, span: int = 1) -> None:
    cell = sheet.cell(row, column, text)
    cell.font, cell.fill, cell.alignment = HEAD_FONT, HEAD_FILL, WRAP
    if span > 1:
        sheet.merge_cells(
            start_row=row, start_column=column, end_row=row, end_column=column + span - 1
        )


def _row(sheet: Worksheet, row: int, values: list[Any], formats: list[str], bold: bool) -> None:
    for column, (value, fmt) in enumerate(zip(values, formats, strict=True), start=1):
        cell = sheet.cell(row, column, value)
        cell.number_format = fmt
        if bold:
            cell.font = Font(bold=True)
            cell.fill = HEAD_FILL
            cell.border = Border(top=LINE, bottom=LINE)


def table_sheet(sheet: Worksheet, edition: Edition) -> None:
    """The publication's table: two column groups over four columns, totaal, beschut."""
    sheet.title = "Tabel"
    _title(sheet, edition, "mensen uit de doelgroep banenafspraak in Sonar")
    _heading(sheet, 4, 1, words.REGIO)
    _heading(sheet, 4, 2, words.GEMEENTE, span=2)
    _heading(sheet, 4, 4, words.UWV, span=2)
    for column, (_, group, label) in enumerate(words.COLUMNS, start=2):
        if group:
            _heading(sheet, 5, column, label)
        else:
            _heading(sheet, 4, column, label)
            sheet.merge_cells(start_row=4, start_column=column, end_row=5, end_column=column)
    sheet.merge_cells("A4:A5")
    for i, r in enumerate(edition.rows, start=6):
        values = [r.regio_naam, *(getattr(r, f) for f in COUNT_FIELDS)]
        _row(sheet, i, values, ["@"] + [NUMBER] * len(COUNT_FIELDS), r.regio_code == NEDERLAND)
    last = 6 + len(edition.rows)
    sheet.cell(last + 1, 1, words.NOT_EVERYONE)
    sheet.cell(last + 2, 1, f"{words.BESCHUT}: {words.BESCHUT_UITLEG}")
    sheet.cell(last + 3, 1, f"Onbekend: {words.ONBEKEND_UITLEG}")
    sheet.cell(last + 4, 1, words.ATTRIBUTION)
    sheet.column_dimensions["A"].width = 30
    for column in range(2, 2 + len(COUNT_FIELDS)):
        sheet.column_dimensions[get_column_letter(column)].width = 15
    sheet.row_dimensions[5].height = 30
    sheet.freeze_panes = "B6"


def changes_sheet(sheet: Worksheet, edition: Edition) -> None:
    """Totaal and met profiel on the peildatum and their changes against the earlier days."""
    sheet.title = "Ontwikkeling"
    _title(sheet, edition, "vergeleken met het vorige kwartaal en een jaar eerder")
    now, previous, year = (dutch.short_day(d) for d in (edition.peildatum, edition.previous_day,
                                                         edition.year_before_day))  # fmt: skip
    _heading(sheet, 4, 1, words.REGIO)
    _heading(sheet, 4, 2, words.TOTAAL, span=3)
    _heading(sheet, 4, 5, "Met profiel in Sonar", span=3)
    for column, label in enumerate([now, f"t.o.v. {previous}", f"t.o.v. {year}"] * 2, start=2):
        _heading(sheet, 5, column, label)
    sheet.merge_cells("A4:A5")
    for i, c in enumerate(edition.comparisons(), start=6):
        values = [
            c.now.regio_naam, c.now.totaal, c.totaal_change(c.previous),
            c.totaal_change(c.year_before), met_profiel(c.now), c.profiel_change(c.previous),
            c.profiel_change(c.year_before),
        ]  # fmt: skip
        formats = ["@", NUMBER, CHANGE, CHANGE, NUMBER, CHANGE, CHANGE]
        _row(sheet, i, values, formats, c.now.regio_code == NEDERLAND)
    sheet.cell(7 + len(edition.rows), 1, "Een lege cel: van die dag zijn geen cijfers vastgelegd.")
    sheet.column_dimensions["A"].width = 30
    for column in range(2, 8):
        sheet.column_dimensions[get_column_letter(column)].width = 15
    sheet.freeze_panes = "B6"


def notes_sheet(sheet: Worksheet, edition: Edition, publisher: str) -> None:
    """The teldefinitie, our additions, the provenance (offsets) and the colofon."""
    sheet.title = "Toelichting"
    _title(sheet, edition, "toelichting en verantwoording")
    provenance = edition.snapshot.provenance
    known = (
        dutch.moment(provenance.known_at) if provenance.known_at else "het eind van de peildatum"
    )
    lines: list[tuple[str, str]] = [
        ("Wanneer wordt een profiel meegeteld?", ""),
        *(("", f"• {c}") for c in words.CONDITIONS),
        (words.PROFIEL, words.PROFIEL_JA),
        (words.GEEN_PROFIEL, words.PROFIEL_NEE),
        (words.BESCHUT, words.BESCHUT_UITLEG),
        ("Onbekend", words.ONBEKEND_UITLEG),
        ("", words.NOT_EVERYONE),
        (
            "Herkomst",
            f"Momentopname ({provenance.source.value}), gebeurtenissen bekend op {known}.",
        ),
    ]
    offsets, partitions = offsets_table(edition)
    lines += [
        (topic, " · ".join(f"partitie {p}: offset {per.get(p, '–')}" for p in partitions))
        for topic, per in offsets
    ]
    lines += [
        ("Narekenen", f"transparantie report --peildatum {edition.peildatum} --snapshot"),
        ("Uitgave", publisher),
        ("Samengesteld", dutch.moment(edition.made_at)),
        ("Disclaimer", words.ATTRIBUTION),
    ]
    for i, (label, text) in enumerate(lines, start=4):
        sheet.cell(i, 1, label).font = HEAD_FONT
        sheet.cell(i, 2, text).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 110
