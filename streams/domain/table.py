"""From classifications to the publication table: cells, tallies and rows per region."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from streams.domain.regions import NEDERLAND, ONBEKEND, Regions
from streams.domain.symbols import Symbol
from streams.domain.teldefinitie import Classification, ClientType


class Column(Symbol):
    """A column of the publication table (plus beschut_wsw, which is not part of totaal)."""

    GEMEENTE_MET_PROFIEL = "gemeente_met_profiel"
    GEMEENTE_ZONDER_PROFIEL = "gemeente_zonder_profiel"
    UWV_MET_PROFIEL = "uwv_met_profiel"
    UWV_ZONDER_PROFIEL = "uwv_zonder_profiel"
    BESCHUT_WSW = "beschut_wsw"


#: A cell of the table: (regio_code, column). Subtotals are counts per cell.
Cell = tuple[str, Column]

_COUNTED_COLUMN = {
    (ClientType.GEMEENTE, True): Column.GEMEENTE_MET_PROFIEL,
    (ClientType.GEMEENTE, False): Column.GEMEENTE_ZONDER_PROFIEL,
    (ClientType.UWV, True): Column.UWV_MET_PROFIEL,
    (ClientType.UWV, False): Column.UWV_ZONDER_PROFIEL,
}


def cell_of(classification: Classification) -> Cell | None:
    """The one cell a client adds 1 to, or None when the client is in no cell."""
    if classification.counted and classification.client_type is not None:
        key = (classification.client_type, classification.profiel)
        return classification.regio, _COUNTED_COLUMN[key]
    if classification.beschut_wsw:
        return classification.regio, Column.BESCHUT_WSW
    return None


def tally(classifications: Iterable[Classification]) -> Counter[Cell]:
    """Count classifications per cell."""
    cells = (cell_of(c) for c in classifications)
    return Counter(cell for cell in cells if cell is not None)


@dataclass(frozen=True, slots=True)
class RegionCounts:
    """One row of the publication table (field names are the RegionCounts Avro contract)."""

    regio_code: str
    regio_naam: str
    gemeente_met_profiel: int
    gemeente_zonder_profiel: int
    uwv_met_profiel: int
    uwv_zonder_profiel: int
    totaal: int
    beschut_wsw: int
    as_of: date

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict with exactly the contract's field names (as_of as YYYY-MM-DD)."""
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        return data


def region_row(code: str, name: str, cells: Mapping[Column, int], as_of: date) -> RegionCounts:
    """Build one row from the counts of its columns; totaal is the sum of the four columns."""
    gm, gz = cells.get(Column.GEMEENTE_MET_PROFIEL, 0), cells.get(Column.GEMEENTE_ZONDER_PROFIEL, 0)
    um, uz = cells.get(Column.UWV_MET_PROFIEL, 0), cells.get(Column.UWV_ZONDER_PROFIEL, 0)
    beschut = cells.get(Column.BESCHUT_WSW, 0)
    return RegionCounts(code, name, gm, gz, um, uz, gm + gz + um + uz, beschut, as_of)


def publication_table(
    subtotals: Mapping[Cell, int], regions: Regions, as_of: date
) -> list[RegionCounts]:
    """All regions in code order (zeros too), ONBEKEND when non-zero, and Nederland last."""
    per_region: dict[str, Counter[Column]] = {}
    national: Counter[Column] = Counter()
    for (regio, column), count in subtotals.items():
        per_region.setdefault(regio, Counter())[column] += count
        national[column] += count
    rows = [
        region_row(code, regions.name_of(code), per_region.get(code, Counter()), as_of)
        for code in regions.codes_in_order
    ]
    unknown = per_region.get(ONBEKEND, Counter())
    if any(unknown.values()):
        rows.append(region_row(ONBEKEND, regions.name_of(ONBEKEND), unknown, as_of))
    rows.append(region_row(NEDERLAND, regions.name_of(NEDERLAND), national, as_of))
    return rows


def complete_table(
    latest: Mapping[str, RegionCounts], regions: Regions, fallback_day: date
) -> list[RegionCounts]:
    """The table from the latest row per region: the 35 regions in code order (zeros for a
    region without a row), ONBEKEND when non-zero, Nederland last."""
    as_of = latest[NEDERLAND].as_of if NEDERLAND in latest else fallback_day

    def row(code: str) -> RegionCounts:
        return latest.get(code) or region_row(code, regions.name_of(code), {}, as_of)

    rows = [row(code) for code in regions.codes_in_order]
    unknown = row(ONBEKEND)
    if unknown.totaal or unknown.beschut_wsw:
        rows.append(unknown)
    rows.append(row(NEDERLAND))
    return rows


def is_whole(latest: Mapping[str, RegionCounts]) -> bool:
    """Whether the latest row per region make one table: a Nederland row, every row of its
    day, and every figure of Nederland the sum of the regions' (ONBEKEND included). A table
    read halfway through a publication fails this, as does one mixing two days."""
    national = latest.get(NEDERLAND)
    if national is None:
        return False
    rows = [row for code, row in latest.items() if code != NEDERLAND]
    if any(row.as_of != national.as_of for row in rows):
        return False
    return all(sum(getattr(row, f) for row in rows) == getattr(national, f) for f in COUNT_FIELDS)


#: The figures of a row, in the publication's order: the four columns, totaal, beschut_wsw.
COUNT_FIELDS: tuple[str, ...] = (
    Column.GEMEENTE_MET_PROFIEL.value,
    Column.GEMEENTE_ZONDER_PROFIEL.value,
    Column.UWV_MET_PROFIEL.value,
    Column.UWV_ZONDER_PROFIEL.value,
    "totaal",
    Column.BESCHUT_WSW.value,
)
