"""The pure domain core: events, client state, the counting definition and the table."""

from streams.domain.events import (
    ClientRegistration,
    Event,
    Indication,
    IndicationOwner,
    ProfileEdit,
    ProfilePart,
    RegisterMembership,
    RegistrationStatus,
    Version,
)
from streams.domain.regions import NEDERLAND, ONBEKEND, Regions
from streams.domain.state import EMPTY, ClientState, Outcome, apply, erase, fold
from streams.domain.table import (
    COUNT_FIELDS,
    Cell,
    Column,
    RegionCounts,
    cell_of,
    publication_table,
    tally,
)
from streams.domain.teldefinitie import (
    Classification,
    ClientType,
    NotCounted,
    classify,
    next_change,
)
from streams.domain.validation import InvalidEvent, problems, validate

__all__ = [
    "COUNT_FIELDS",
    "EMPTY",
    "NEDERLAND",
    "ONBEKEND",
    "Cell",
    "Classification",
    "ClientRegistration",
    "ClientState",
    "ClientType",
    "Column",
    "Event",
    "Indication",
    "IndicationOwner",
    "InvalidEvent",
    "NotCounted",
    "Outcome",
    "ProfileEdit",
    "ProfilePart",
    "RegionCounts",
    "Regions",
    "RegisterMembership",
    "RegistrationStatus",
    "Version",
    "apply",
    "cell_of",
    "classify",
    "erase",
    "fold",
    "next_change",
    "problems",
    "publication_table",
    "tally",
    "validate",
]
