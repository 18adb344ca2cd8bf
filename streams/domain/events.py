"""The input events: facts about one entity of one client, each with a version.

Events are NamedTuples (immutable, like the states): one is made for every message, and a frozen
dataclass costs four times as much to make (its `__init__` goes through `object.__setattr__`
for every field). No two event types have the same number of fields, so no two events of
different types are ever equal.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from streams.domain.symbols import Symbol

#: A version orders the states of one entity: (occurred_at in epoch millis, event_id).
Version = tuple[int, str]


class RegistrationStatus(Symbol):
    """Inschrijvingsstatus in Sonar (registration status)."""

    INGESCHREVEN = "INGESCHREVEN"
    UITGESCHREVEN = "UITGESCHREVEN"
    VERWIJDERD = "VERWIJDERD"  # erase all state of this client


class IndicationOwner(Symbol):
    """Who owns an indicering (indication): UWV or a gemeente (municipality)."""

    UWV = "UWV"
    GEMEENTE = "GEMEENTE"


class ProfilePart(Symbol):
    """A part of the klantprofiel (client profile)."""

    AFFINITEITEN = "AFFINITEITEN"
    BEROEPSSECTOREN = "BEROEPSSECTOREN"
    TAAKSOORTVRAAG = "TAAKSOORTVRAAG"  # one of twenty task-type questions


class ClientRegistration(NamedTuple):
    """The client's registration (inschrijving) in Sonar."""

    client_id: str
    event_id: str
    occurred_at: int
    status: RegistrationStatus
    gemeentecode: str | None


class Indication(NamedTuple):
    """One indicering: a service line of UWV or of a municipality."""

    client_id: str
    event_id: str
    occurred_at: int
    indication_id: str
    owner: IndicationOwner
    kind: str
    start_date: date | None
    end_date: date | None
    retracted: bool = False


class RegisterMembership(NamedTuple):
    """Membership of the doelgroepregister (target-group register)."""

    client_id: str
    event_id: str
    occurred_at: int
    grondslag: str
    start_date: date
    end_date: date | None
    beschut_werkend_wsw: bool
    banenafspraak: bool


class ProfileEdit(NamedTuple):
    """The current values of one part of the klantprofiel (client profile)."""

    client_id: str
    event_id: str
    occurred_at: int
    part: ProfilePart
    question: int | None
    values: tuple[str, ...]


Event = ClientRegistration | Indication | RegisterMembership | ProfileEdit


def version_of(event: Event) -> Version:
    """The version of the entity state that this event states."""
    return (event.occurred_at, event.event_id)
