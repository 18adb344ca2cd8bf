"""A client's state, and how one event folds into it (idempotent and order-tolerant)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from .events import (
    ClientRegistration,
    Event,
    Indication,
    IndicationOwner,
    ProfilePart,
    RegisterMembership,
    RegistrationStatus,
    Version,
)


class Outcome(Enum):
    """What applying one event did to the state."""

    APPLIED = "applied"  # the event's version is the newest of its entity
    DUPLICATE = "duplicate"  # this very version was applied before
    STALE = "stale"  # a newer version of the entity (or a later erasure) is known


@dataclass(frozen=True, slots=True)
class Registration:
    """The current inschrijving (registration) of the client."""

    version: Version
    status: RegistrationStatus
    gemeentecode: str | None


@dataclass(frozen=True, slots=True)
class IndicationFact:
    """The current state of one indicering (indication)."""

    version: Version
    owner: IndicationOwner
    start_date: date | None
    end_date: date | None
    retracted: bool


@dataclass(frozen=True, slots=True)
class Membership:
    """The current doelgroepregister membership of the client."""

    version: Version
    start_date: date
    end_date: date | None
    beschut_werkend_wsw: bool
    banenafspraak: bool


@dataclass(frozen=True, slots=True)
class ProfileFact:
    """Whether one profile part (or one taaksoortvraag) is filled; the values are not kept."""

    version: Version
    filled: bool


@dataclass(frozen=True, slots=True)
class ClientState:
    """Everything the counting definition needs to know about one client."""

    registration: Registration | None = None
    indications: Mapping[str, IndicationFact] = field(default_factory=dict)
    membership: Membership | None = None
    profile: Mapping[str, ProfileFact] = field(default_factory=dict)
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


def profile_key(part: ProfilePart, question: int | None) -> str:
    """The entity key of a profile part: the part name, plus the question for taaksoortvragen."""
    return part.value if question is None else f"{part.value}:{question}"


def _compare(current: Version | None, new: Version) -> Outcome:
    if current is None or new > current:
        return Outcome.APPLIED
    return Outcome.DUPLICATE if new == current else Outcome.STALE


def fold(state: ClientState | None, event: Event) -> tuple[ClientState, Outcome]:
    """Apply one (validated) event; return the new state and what happened."""
    state = state or EMPTY
    version = (event.occurred_at, event.event_id)
    if state.erased_at is not None and version <= state.erased_at:
        return state, Outcome.DUPLICATE if version == state.erased_at else Outcome.STALE
    if isinstance(event, ClientRegistration):
        if event.status is RegistrationStatus.VERWIJDERD:
            return erase(state, version), Outcome.APPLIED
        current = state.registration
        outcome = _compare(current.version if current else None, version)
        if outcome is Outcome.APPLIED:
            new = Registration(version, event.status, event.gemeentecode)
            return ClientState(
                new, state.indications, state.membership, state.profile, state.erased_at
            ), outcome
        return state, outcome
    if isinstance(event, Indication):
        known = state.indications.get(event.indication_id)
        outcome = _compare(known.version if known else None, version)
        if outcome is Outcome.APPLIED:
            fact = IndicationFact(
                version, event.owner, event.start_date, event.end_date, event.retracted
            )
            indications = {**state.indications, event.indication_id: fact}
            return ClientState(
                state.registration, indications, state.membership, state.profile, state.erased_at
            ), outcome
        return state, outcome
    if isinstance(event, RegisterMembership):
        member = state.membership
        outcome = _compare(member.version if member else None, version)
        if outcome is Outcome.APPLIED:
            new_member = Membership(
                version,
                event.start_date,
                event.end_date,
                event.beschut_werkend_wsw,
                event.banenafspraak,
            )
            return ClientState(
                state.registration, state.indications, new_member, state.profile, state.erased_at
            ), outcome
        return state, outcome
    key = profile_key(event.part, event.question)
    part = state.profile.get(key)
    outcome = _compare(part.version if part else None, version)
    if outcome is Outcome.APPLIED:
        profile = {**state.profile, key: ProfileFact(version, bool(event.values))}
        return ClientState(
            state.registration, state.indications, state.membership, profile, state.erased_at
        ), outcome
    return state, outcome


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
