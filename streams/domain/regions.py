"""Reference data: which arbeidsmarktregio (labour-market region) a gemeente belongs to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ONBEKEND = "ONBEKEND"  # region of clients whose municipality is null, malformed or unknown
ONBEKEND_NAAM = "Onbekend"
NEDERLAND = "NL"
NEDERLAND_NAAM = "Nederland"


@dataclass(frozen=True)
class Regions:
    """Municipality code -> region code, and region code -> region name."""

    region_of_gemeente: Mapping[str, str]
    region_names: Mapping[str, str]
    codes_in_order: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes_in_order", tuple(sorted(self.region_names)))

    def region_of(self, gemeentecode: str | None) -> str:
        """The region code of a municipality, or ONBEKEND when it is null or unknown."""
        if gemeentecode is None:
            return ONBEKEND
        found = self.region_of_gemeente.get(gemeentecode)
        if found is None:  # tolerate case and surrounding spaces: " gm0363" is Amsterdam
            found = self.region_of_gemeente.get(gemeentecode.strip().upper(), ONBEKEND)
        return found

    def name_of(self, regio_code: str) -> str:
        """The display name of a region code, including ONBEKEND and NL."""
        if regio_code == ONBEKEND:
            return ONBEKEND_NAAM
        if regio_code == NEDERLAND:
            return NEDERLAND_NAAM
        return self.region_names[regio_code]
