"""Render the publication table as text, CSV, JSON, Markdown or HTML; one text-table layout."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from typing import Literal

from streams.domain import COUNT_FIELDS, RegionCounts

Format = Literal["table", "csv", "json", "markdown", "html"]
FORMATS: tuple[str, ...] = ("table", "csv", "json", "markdown", "html")

HEADERS = (
    "Arbeidsmarktregio",
    "Gemeente: profiel ja",
    "Gemeente: profiel nee",
    "UWV: profiel ja",
    "UWV: profiel nee",
    "Totaal",
    "Beschut WSW",
)


def dutch_number(n: int) -> str:
    """12032 -> '12.032', as the publication writes numbers."""
    return f"{n:,}".replace(",", ".")


def text_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()
) -> str:
    """Columns padded to their widest cell, two spaces apart; the columns whose index is in
    `right` are right-aligned (numbers); no trailing spaces. One line per row, header first."""
    table = [list(headers), *(list(r) for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
    return "\n".join(
        "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in table
    )


def _cells(row: RegionCounts) -> list[str]:
    return [row.regio_naam, *(dutch_number(getattr(row, f)) for f in COUNT_FIELDS)]


def render(rows: Sequence[RegionCounts], fmt: Format) -> str:
    """The table in one of FORMATS."""
    if fmt == "json":
        return json.dumps([r.to_json() for r in rows], indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["regio_code", "regio_naam", *COUNT_FIELDS, "as_of"])
        for r in rows:
            writer.writerow(
                [r.regio_code, r.regio_naam, *(getattr(r, f) for f in COUNT_FIELDS), r.as_of]
            )
        return out.getvalue()
    if fmt == "markdown":
        lines = ["| " + " | ".join(HEADERS) + " |", "|---" + "|---:" * (len(HEADERS) - 1) + "|"]
        lines += ["| " + " | ".join(_cells(r)) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    if fmt == "html":
        head = "".join(f"<th>{html.escape(h)}</th>" for h in HEADERS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in _cells(r)) + "</tr>"
            for r in rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n"
    as_of = f"Peildatum (as of): {rows[-1].as_of.isoformat()}\n" if rows else ""
    numbers = range(1, len(HEADERS))
    return as_of + text_table(HEADERS, [_cells(r) for r in rows], right=numbers) + "\n"
