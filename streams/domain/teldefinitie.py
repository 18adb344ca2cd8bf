"""The counting definition (teldefinitie) of UWV's "Transparantie klantprofielen".

A client counts when all four conditions hold on the day of counting:
  1. the status in Sonar is INGESCHREVEN (registered);
  2. there is an open dienstverlening: an indication that is open on that day;
  3. the client is in the doelgroepregister (target-group register) on that day; and
  4. the banenafspraak field is ticked.
A counted client is a UWV client when an open UWV indication exists (UWV first),
otherwise a gemeente client. "Profiel ja" needs affiniteiten, beroepssectoren and at
least one of the twenty taaksoortvragen. The region follows the client's gemeente.
People beschut werkend in de WSW meet 1-3 but never get the tick: not counted, shown apart.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from streams.domain.events import IndicationOwner, ProfilePart, RegistrationStatus
from streams.domain.regions import ONBEKEND, Regions
from streams.domain.state import ClientState
from streams.domain.symbols import Symbol


class NotCounted(Symbol):
    """The first condition of the teldefinitie that a client fails."""

    NIET_INGESCHREVEN = "1: status in Sonar is not ingeschreven"
    GEEN_OPEN_DIENSTVERLENING = "2: no open indication (dienstverlening) on the day"
    NIET_IN_DOELGROEPREGISTER = "3: not in the doelgroepregister on the day"
    GEEN_VINKJE_BANENAFSPRAAK = "4: banenafspraak is not ticked"


class ClientType(Symbol):
    """Whose client a counted person is, in the publication's columns."""

    UWV = "UWV"
    GEMEENTE = "GEMEENTE"


#: Decision 1: a client with both a UWV and a municipal indication open counts once, as UWV.
CLIENT_TYPE_PRIORITY: tuple[ClientType, ...] = (ClientType.UWV, ClientType.GEMEENTE)

_INGESCHREVEN = RegistrationStatus.INGESCHREVEN
_TAAKSOORT = ProfilePart.TAAKSOORTVRAAG.value
_CLIENT_TYPE_OF_OWNER = {
    IndicationOwner.UWV: ClientType.UWV,
    IndicationOwner.GEMEENTE: ClientType.GEMEENTE,
}

#: The profile parts that must be filled for "profiel ja" (besides one taaksoortvraag).
REQUIRED_PROFILE_PARTS: tuple[str, ...] = (
    ProfilePart.AFFINITEITEN.value,
    ProfilePart.BEROEPSSECTOREN.value,
)


class Classification(NamedTuple):
    """Whether and where a client counts on one day, and why not if not."""

    counted: bool
    reason: NotCounted | None
    regio: str
    client_type: ClientType | None
    profiel: bool  # only worked out for counted clients (False otherwise)
    beschut_wsw: bool  # meets 1-3, lacks only the tick, and is beschut werkend in de WSW


def is_open(start: date | None, end: date | None, day: date) -> bool:
    """Open on a day: a start date on or before it, and no end date or one after it."""
    return start is not None and start <= day and (end is None or end > day)


def has_profile(state: ClientState) -> bool:
    """Profiel ja: affiniteiten, beroepssectoren and at least one taaksoortvraag are filled."""
    profile = state.profile
    for key in REQUIRED_PROFILE_PARTS:
        part = profile.get(key)
        if part is None or not part.filled:
            return False
    return any(part.filled for key, part in profile.items() if key.startswith(_TAAKSOORT))


def counted_client_type(state: ClientState, day: date) -> ClientType | None:
    """UWV when an open UWV indication exists, else GEMEENTE when a municipal one is open."""
    found = None
    for fact in state.indications.values():
        if not fact.retracted and is_open(fact.start_date, fact.end_date, day):
            found = _CLIENT_TYPE_OF_OWNER[fact.owner]
            if found is CLIENT_TYPE_PRIORITY[0]:
                break
    return found


def classify(state: ClientState, day: date, regions: Regions) -> Classification:
    """Apply the teldefinitie to one client on one day."""
    registration = state.registration
    regio = regions.region_of(registration.gemeentecode) if registration else ONBEKEND
    if registration is None or registration.status is not _INGESCHREVEN:
        return Classification(False, NotCounted.NIET_INGESCHREVEN, regio, None, False, False)
    client_type = counted_client_type(state, day)
    if client_type is None:
        return Classification(
            False, NotCounted.GEEN_OPEN_DIENSTVERLENING, regio, None, False, False
        )
    member = state.membership
    if member is None or not is_open(member.start_date, member.end_date, day):
        reason = NotCounted.NIET_IN_DOELGROEPREGISTER
        return Classification(False, reason, regio, client_type, False, False)
    if not member.banenafspraak:
        reason = NotCounted.GEEN_VINKJE_BANENAFSPRAAK
        return Classification(False, reason, regio, client_type, False, member.beschut_werkend_wsw)
    return Classification(True, None, regio, client_type, has_profile(state), False)


def next_change(state: ClientState, day: date) -> date | None:
    """The first day after `day` on which a start or end date can change the classification."""
    dates: list[date | None] = []
    for fact in state.indications.values():
        if not fact.retracted:
            dates += [fact.start_date, fact.end_date]
    if state.membership is not None:
        dates += [state.membership.start_date, state.membership.end_date]
    future = [d for d in dates if d is not None and d > day]
    return min(future, default=None)
