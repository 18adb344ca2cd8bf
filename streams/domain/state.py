"""A client's state, and how one event folds into it (idempotent and order-tolerant)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Any, NamedTuple

from streams.domain.events import (
    Event,
    Indication,
    IndicationOwner,
    ProfileEdit,
    ProfilePart,
    RegisterMembership,
    RegistrationStatus,
    Version,
)
from streams.domain.symbols import Symbol

_NOTHING: Mapping[str, Any] = MappingProxyType({})  # shared, read-only: states copy on write


class Outcome(Symbol):
    """What applying one event did to the state."""

    APPLIED = "applied"  # the event's version is the newest of its entity
    DUPLICATE = "duplicate"  # this very version was applied before
    STALE = "stale"  # a newer version of the entity (or a later erasure) is known


class Registration(NamedTuple):
    """The current inschrijving (registration) of the client."""

    version: Version
    status: RegistrationStatus
    gemeentecode: str | None


class IndicationFact(NamedTuple):
    """The current state of one indicering (indication)."""

    version: Version
    owner: IndicationOwner
    start_date: date | None
    end_date: date | None
    retracted: bool


class Membership(NamedTuple):
    """The current doelgroepregister membership of the client."""

    version: Version
    start_date: date
    end_date: date | None
    beschut_werkend_wsw: bool
    banenafspraak: bool


class ProfileFact(NamedTuple):
    """Whether one profile part (or one taaksoortvraag) is filled; the values are not kept."""

    version: Version
    filled: bool


class ClientState(NamedTuple):
    """Everything the counting definition needs to know about one client."""

    registration: Registration | None = None
    indications: Mapping[str, IndicationFact] = _NOTHING  # by indication_id
    membership: Membership | None = None
    profile: Mapping[str, ProfileFact] = _NOTHING  # by profile_key(part, question)
    erased_at: Version | None = None  # tombstone: events at or before this version are stale

    def is_empty(self) -> bool:
        """True when no fact about the client is known (a tombstone may still be kept)."""
        return (
            self.registration is None
            and not self.indications
            and self.membership is None
            and not self.profile
        )


EMPTY = ClientState()
_VERWIJDERD = RegistrationStatus.VERWIJDERD
_APPLIED, _DUPLICATE, _STALE = Outcome.APPLIED, Outcome.DUPLICATE, Outcome.STALE


def profile_key(part: ProfilePart, question: int | None) -> str:
    """The entity key of a profile part: the part name, plus the question for taaksoortvragen."""
    if question is None:
        return _PART_NAMES[part]
    return _QUESTION_KEYS.get(question) or f"{part.value}:{question}"


_PART_NAMES = {part: part.value for part in ProfilePart}
_QUESTION_KEYS = {q: f"{ProfilePart.TAAKSOORTVRAAG.value}:{q}" for q in range(1, 21)}


def fold(state: ClientState | None, event: Event) -> tuple[ClientState, Outcome]:
    """Apply one (validated) event; return the new state and what happened."""
    state = state or EMPTY
    version = (event.occurred_at, event.event_id)
    if state.erased_at is not None and version <= state.erased_at:
        return state, _DUPLICATE if version == state.erased_at else _STALE
    if isinstance(event, ProfileEdit):  # the most frequent event first
        key = profile_key(event.part, event.question)
        part = state.profile.get(key)
        if part is not None and version <= part.version:
            return state, _DUPLICATE if version == part.version else _STALE
        profile = {**state.profile, key: ProfileFact(version, bool(event.values))}
        r, i, m, _, e = state
        return ClientState(r, i, m, profile, e), _APPLIED
    if isinstance(event, Indication):
        known = state.indications.get(event.indication_id)
        if known is not None and version <= known.version:
            return state, _DUPLICATE if version == known.version else _STALE
        fact = IndicationFact(
            version, event.owner, event.start_date, event.end_date, event.retracted
        )
        indications = {**state.indications, event.indication_id: fact}
        r, _, m, p, e = state
        return ClientState(r, indications, m, p, e), _APPLIED
    if isinstance(event, RegisterMembership):
        member = state.membership
        if member is not None and version <= member.version:
            return state, _DUPLICATE if version == member.version else _STALE
        new_member = Membership(
            version,
            event.start_date,
            event.end_date,
            event.beschut_werkend_wsw,
            event.banenafspraak,
        )
        r, i, _, p, e = state
        return ClientState(r, i, new_member, p, e), _APPLIED
    if event.status is _VERWIJDERD:
        return erase(state, version), _APPLIED
    current = state.registration
    if current is not None and version <= current.version:
        return state, _DUPLICATE if version == current.version else _STALE
    new = Registration(version, event.status, event.gemeentecode)
    _, i, m, p, e = state
    return ClientState(new, i, m, p, e), _APPLIED


def apply(state: ClientState | None, event: Event) -> ClientState:
    """Apply one (validated) event to a client's state and return the new state."""
    return fold(state, event)[0]


def erase(state: ClientState, at: Version) -> ClientState:
    """Erasure: forget every fact stated at or before `at`, and keep `at` as a tombstone."""
    tombstone = at if state.erased_at is None or at > state.erased_at else state.erased_at
    registration = state.registration
    if registration is not None and registration.version <= tombstone:
        registration = None
    membership = state.membership
    if membership is not None and membership.version <= tombstone:
        membership = None
    return ClientState(
        registration=registration,
        indications={k: v for k, v in state.indications.items() if v.version > tombstone},
        membership=membership,
        profile={k: v for k, v in state.profile.items() if v.version > tombstone},
        erased_at=tombstone,
    )
