"""Rules that make an event invalid: such an event is rejected whole, with its reason."""

from __future__ import annotations

from streams.domain.events import (
    ClientRegistration,
    Event,
    Indication,
    ProfileEdit,
    ProfilePart,
    RegisterMembership,
)

TAAKSOORTVRAGEN = range(1, 21)  # the twenty task-type questions
MAX_ID_LENGTH = 200
MAX_PROFILE_VALUES = 1000


class InvalidEvent(ValueError):
    """An event that breaks a rule of the contract; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def problems(event: Event) -> list[str]:
    """Every rule the event breaks, in a fixed order; empty when the event is valid."""
    found: list[str] = []
    if not event.client_id.strip():
        found.append("client_id is empty")
    elif len(event.client_id) > MAX_ID_LENGTH:
        found.append(f"client_id is longer than {MAX_ID_LENGTH} characters")
    if not event.event_id.strip():
        found.append("event_id is empty")
    elif len(event.event_id) > MAX_ID_LENGTH:
        found.append(f"event_id is longer than {MAX_ID_LENGTH} characters")
    if isinstance(event, Indication):
        if not event.indication_id.strip():
            found.append("indication_id is empty")
        if event.end_date is not None and event.start_date is None:
            found.append("indication has an end_date but no start_date")
        if event.start_date and event.end_date and event.end_date < event.start_date:
            found.append("indication end_date is before its start_date")
    elif isinstance(event, RegisterMembership):
        if event.end_date is not None and event.end_date < event.start_date:
            found.append("register membership end_date is before its start_date")
    elif isinstance(event, ProfileEdit):
        found.extend(_profile_problems(event))
    elif isinstance(event, ClientRegistration):
        pass  # an unknown or malformed gemeentecode is not invalid: it counts under ONBEKEND
    return found


def _profile_problems(event: ProfileEdit) -> list[str]:
    found: list[str] = []
    if event.part is ProfilePart.TAAKSOORTVRAAG:
        if event.question is None:
            found.append("question is missing for part TAAKSOORTVRAAG")
        elif event.question not in TAAKSOORTVRAGEN:
            found.append(f"question {event.question} is outside 1-20 for part TAAKSOORTVRAAG")
    elif event.question is not None:
        found.append(f"question is set for part {event.part.value}; only TAAKSOORTVRAAG has one")
    if len(event.values) > MAX_PROFILE_VALUES:
        found.append(f"values has more than {MAX_PROFILE_VALUES} entries")
    return found


def validate(event: Event) -> Event:
    """Return the event when it is valid; raise InvalidEvent with the first reason otherwise."""
    found = problems(event)
    if found:
        raise InvalidEvent(found[0])
    return event
