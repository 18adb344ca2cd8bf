"""Render the publication table as text, CSV, JSON, Markdown or HTML."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from typing import Literal

from streams.domain.table import RegionCounts

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
FIELDS = (
    "gemeente_met_profiel",
    "gemeente_zonder_profiel",
    "uwv_met_profiel",
    "uwv_zonder_profiel",
    "totaal",
    "beschut_wsw",
)


def dutch_number(n: int) -> str:
    """12032 -> '12.032', as the publication writes numbers."""
    return f"{n:,}".replace(",", ".")


def _cells(row: RegionCounts) -> list[str]:
    return [row.regio_naam, *(dutch_number(getattr(row, f)) for f in FIELDS)]


def render(rows: Sequence[RegionCounts], fmt: Format) -> str:
    """The table in one of FORMATS."""
    if fmt == "json":
        return json.dumps([r.to_json() for r in rows], indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["regio_code", "regio_naam", *FIELDS, "as_of"])
        for r in rows:
            writer.writerow([r.regio_code, r.regio_naam, *(getattr(r, f) for f in FIELDS), r.as_of])
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
    table = [list(HEADERS), *(_cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS))]
    text = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in table
    ]
    as_of = f"Peildatum (as of): {rows[-1].as_of.isoformat()}\n" if rows else ""
    return as_of + "\n".join(text) + "\n"
