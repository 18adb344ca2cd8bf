"""`GET /history`: the daily history as rows per day and region, in JSON or CSV.

Only the aggregate rows of the snapshots go out (the figures of the publication table, the day
and how it was made); never anything about a client.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from streams.domain import COUNT_FIELDS, Regions
from streams.domain.regions import NEDERLAND, ONBEKEND
from streams.service.history import Snapshot, local_time

#: The columns of a history row, in order (JSON keys and the CSV header).
HISTORY_FIELDS: tuple[str, ...] = (
    "peildatum", "quarter_end", "source", "known_at", "regio_code", "regio_naam", *COUNT_FIELDS,
)  # fmt: skip


@dataclass(frozen=True)
class HistoryQuery:
    """Which rows to answer: one region (None: every region and NL), from and to (included)."""

    regio: str | None = None
    first: date | None = None
    last: date | None = None


def parse_query(params: Mapping[str, str], regions: Regions) -> HistoryQuery:
    """The query of `?regio=AM01&from=2025-01-01&to=2026-12-31` (each optional); ValueError with
    a message for the client when a value is not understood."""
    unknown = sorted(set(params) - {"regio", "from", "to"})
    if unknown:
        raise ValueError(f"unknown parameter(s): {', '.join(unknown)} (use regio, from, to)")
    regio = params.get("regio", "").strip().upper() or None
    if regio is not None and regio not in (*regions.codes_in_order, ONBEKEND, NEDERLAND):
        raise ValueError(f"unknown region {regio!r}: an arbeidsmarktregio code, ONBEKEND or NL")
    first, last = _day(params, "from"), _day(params, "to")
    if first and last and first > last:
        raise ValueError(f"from ({first.isoformat()}) is after to ({last.isoformat()})")
    return HistoryQuery(regio, first, last)


def _day(params: Mapping[str, str], name: str) -> date | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a date (YYYY-MM-DD)") from None


def history_rows(snapshots: Iterable[Snapshot], query: HistoryQuery) -> list[dict[str, Any]]:
    """One row per day and region (of the query's region only, when it names one)."""
    out = []
    for snapshot in snapshots:
        day = snapshot.peildatum
        if (query.first and day < query.first) or (query.last and day > query.last):
            continue
        p = snapshot.provenance
        head = {
            "peildatum": day.isoformat(),
            "quarter_end": snapshot.quarter_end,
            "source": p.source.value,
            "known_at": local_time(p.known_at) if p.known_at else None,
        }
        for row in snapshot.rows:
            if query.regio is None or row.regio_code == query.regio:
                figures = {f: getattr(row, f) for f in COUNT_FIELDS}
                out.append(
                    {**head, "regio_code": row.regio_code, "regio_naam": row.regio_naam, **figures}
                )
    return out


def history_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """The rows as CSV with a header (comma separated, as the table's CSV)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, HISTORY_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        quarter_end = "true" if row["quarter_end"] else "false"
        writer.writerow({**row, "quarter_end": quarter_end, "known_at": row["known_at"] or ""})
    return out.getvalue()


def wants_csv(path: str, accept: str | None) -> bool:
    """CSV for `/history.csv` or an Accept header that prefers text/csv over JSON."""
    if path.endswith(".csv"):
        return True
    if not accept:
        return False
    kinds = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    csv_at = kinds.index("text/csv") if "text/csv" in kinds else None
    json_at = kinds.index("application/json") if "application/json" in kinds else None
    return csv_at is not None and (json_at is None or csv_at < json_at)
