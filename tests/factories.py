"""Small factories for domain events and client states, shared by the test modules.

Every factory has defaults that describe one ordinary, counted client ("K1", living in
Amsterdam, with an open UWV indication, in the doelgroepregister with the banenafspraak
tick) so that a test only spells out what it is about. `at` is the event's occurred_at
(epoch millis; small numbers are fine) and event ids are unique and increase with every
call, so two events created with the same `at` are ordered by creation.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from streams.domain.events import (
    ClientRegistration,
    Event,
    Indication,
    IndicationOwner,
    ProfileEdit,
    ProfilePart,
    RegisterMembership,
    RegistrationStatus,
)
from streams.domain.regions import Regions
from streams.domain.state import ClientState, apply
from streams.domain.teldefinitie import Classification, classify
from streams.service.reference import load_regions

#: The day of counting used throughout the tests (a Monday).
DAY = date(2026, 3, 16)
#: Municipalities with a known region: Amsterdam (AM18 Groot Amsterdam), Groningen (AM01).
AMSTERDAM, AMSTERDAM_REGIO = "GM0363", "AM18"
GRONINGEN, GRONINGEN_REGIO = "GM0014", "AM01"
#: Default dates: an indication that started a month ago, a register membership a year ago.
MONTH_AGO = DAY - timedelta(days=30)
YEAR_AGO = DAY - timedelta(days=365)
#: A well-formed code that is not in the CBS 2026 table.
UNKNOWN_GEMEENTE = "GM9999"

UWV = IndicationOwner.UWV
GEMEENTE = IndicationOwner.GEMEENTE
INGESCHREVEN = RegistrationStatus.INGESCHREVEN
UITGESCHREVEN = RegistrationStatus.UITGESCHREVEN
VERWIJDERD = RegistrationStatus.VERWIJDERD
AFFINITEITEN = ProfilePart.AFFINITEITEN
BEROEPSSECTOREN = ProfilePart.BEROEPSSECTOREN
TAAKSOORTVRAAG = ProfilePart.TAAKSOORTVRAAG

_ids = itertools.count(1)


def next_event_id() -> str:
    """A fresh event id; ids sort in creation order (zero padded)."""
    return f"E{next(_ids):08d}"


def days(n: int) -> date:
    """The day `n` days after DAY (before it when negative)."""
    return DAY + timedelta(days=n)


def registration(
    client: str = "K1",
    at: int = 1,
    status: RegistrationStatus = INGESCHREVEN,
    gemeente: str | None = AMSTERDAM,
    event_id: str | None = None,
) -> ClientRegistration:
    """The client's inschrijving in Sonar."""
    return ClientRegistration(client, event_id or next_event_id(), at, status, gemeente)


def deregistration(
    client: str = "K1", at: int = 1, gemeente: str | None = AMSTERDAM
) -> ClientRegistration:
    """The client is uitgeschreven (no longer registered)."""
    return registration(client, at, UITGESCHREVEN, gemeente)


def erasure(client: str = "K1", at: int = 1, event_id: str | None = None) -> ClientRegistration:
    """The client's data must be removed (status VERWIJDERD)."""
    return registration(client, at, VERWIJDERD, None, event_id)


def indication(
    client: str = "K1",
    at: int = 1,
    indication_id: str = "I1",
    owner: IndicationOwner = UWV,
    kind: str | None = None,
    start: date | None = MONTH_AGO,
    end: date | None = None,
    retracted: bool = False,
    event_id: str | None = None,
) -> Indication:
    """One indicering; open on DAY by default."""
    kind = kind or ("WAJONG" if owner is UWV else "BIJSTAND")
    return Indication(
        client, event_id or next_event_id(), at, indication_id, owner, kind, start, end, retracted
    )


def membership(
    client: str = "K1",
    at: int = 1,
    start: date = YEAR_AGO,
    end: date | None = None,
    banenafspraak: bool = True,
    beschut: bool = False,
    grondslag: str = "WAJONG",
    event_id: str | None = None,
) -> RegisterMembership:
    """Membership of the doelgroepregister; in it with the tick on DAY by default."""
    return RegisterMembership(
        client, event_id or next_event_id(), at, grondslag, start, end, beschut, banenafspraak
    )


def profile(
    client: str = "K1",
    at: int = 1,
    part: ProfilePart = AFFINITEITEN,
    question: int | None = None,
    values: Iterable[str] = ("zorg",),
    event_id: str | None = None,
) -> ProfileEdit:
    """The current values of one profile part; `values=()` clears it."""
    return ProfileEdit(client, event_id or next_event_id(), at, part, question, tuple(values))


def taaksoortvraag(
    client: str = "K1", at: int = 1, question: int = 1, values: Iterable[str] = ("ja",)
) -> ProfileEdit:
    """An answer to one of the twenty taaksoortvragen."""
    return profile(client, at, TAAKSOORTVRAAG, question, values)


def complete_profile_events(
    client: str = "K1", at: int = 1, question: int = 1
) -> list[ProfileEdit]:
    """Affiniteiten, beroepssectoren and one taaksoortvraag: the minimum for "profiel ja"."""
    return [
        profile(client, at, AFFINITEITEN, values=("buiten werken",)),
        profile(client, at, BEROEPSSECTOREN, values=("groenvoorziening",)),
        taaksoortvraag(client, at, question),
    ]


def counted_client_events(
    client: str = "K1",
    at: int = 1,
    owner: IndicationOwner = UWV,
    gemeente: str | None = AMSTERDAM,
    with_profile: bool = False,
) -> list[Event]:
    """All events of a client who meets the four conditions on DAY."""
    events: list[Event] = [
        registration(client, at, gemeente=gemeente),
        indication(client, at, owner=owner),
        membership(client, at),
    ]
    if with_profile:
        events += complete_profile_events(client, at)
    return events


def regions() -> Regions:
    """The CBS 2026 reference data shipped with the package."""
    return load_regions()


def state_of(events: Iterable[Event], state: ClientState | None = None) -> ClientState:
    """Apply the events in the given order."""
    result = state
    for event in events:
        result = apply(result, event)
    return result if result is not None else ClientState()


def classification_of(events: Iterable[Event], day: date = DAY) -> Classification:
    """The classification on `day` of the client that the events describe."""
    return classify(state_of(events), day, regions())


def states_per_client(events: Iterable[Event]) -> dict[str, ClientState]:
    """Apply the events in the given order, one state per client id."""
    states: dict[str, ClientState] = {}
    for event in events:
        states[event.client_id] = apply(states.get(event.client_id), event)
    return states


def make_runtime(settings: Any, metrics: Any = None) -> Any:
    """A worker Runtime for `settings`, with Prometheus metrics (a fresh registry by default)."""
    from streams.codecs.wire import worker_wire
    from streams.engine.metrics import Metrics
    from streams.service.clock import Clock
    from streams.service.runtime import Runtime

    return Runtime(
        regions(),
        Clock(settings.as_of, settings.as_of_file),
        worker_wire(settings, regions()),
        metrics if metrics is not None else Metrics(),
        settings.partitions,
    )
