"""Loads the CBS 2026 municipality -> arbeidsmarktregio table shipped with the package."""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

from streams.domain.regions import Regions

REGIONS_FILE = "gemeente_arbeidsmarktregio.csv"


def parse_regions(text: str) -> Regions:
    """Parse the CSV text (gemeentecode,gemeentenaam,arbeidsmarktregiocode,arbeidsmarktregionaam,...)."""
    gemeente_to_regio: dict[str, str] = {}
    names: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(text)):
        gemeente_to_regio[row["gemeentecode"]] = row["arbeidsmarktregiocode"]
        names[row["arbeidsmarktregiocode"]] = row["arbeidsmarktregionaam"]
    return Regions(gemeente_to_regio, names)


@cache
def load_regions() -> Regions:
    """The reference data of CBS 2026 (342 municipalities, 35 regions), read once."""
    text = (
        resources.files("streams")
        .joinpath("data")
        .joinpath(REGIONS_FILE)
        .read_text(encoding="utf-8")
    )
    return parse_regions(text)
