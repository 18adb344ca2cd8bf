"""Admission of one input message: decode, validate, check the key, fold into the client's state.

One implementation for the worker and for every recomputation (reconcile, history): what the
worker dead-letters, a recomputation skips, for the same reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import NamedTuple

from streams.domain import (
    ClientRegistration,
    ClientState,
    InvalidEvent,
    Outcome,
    Regions,
    fold,
    validate,
)
from streams.domain.regions import ONBEKEND
from streams.service.ports import Decode, DecodeError

_OUTCOME_VALUE = {o: o.value for o in Outcome}  # Enum.value is a property, slow per event
KEY_MISMATCH_REASON = "message key is not the event's client_id (events must be keyed by client_id)"


class Rejection(Enum):
    """Why a message goes to the dead-letter topic."""

    DECODE_ERROR = "DecodeError"
    INVALID_EVENT = "InvalidEvent"
    KEY_MISMATCH = "KeyMismatch"


class Handled(NamedTuple):
    """The result of one message: an outcome, and either the client's new state or a rejection.
    (A NamedTuple: one is made per event, and a frozen dataclass costs four times as much.)"""

    outcome: str  # applied | duplicate | stale | dead_lettered
    client_id: str = ""  # "" when the message was rejected
    state: ClientState | None = None  # the new state, when applied
    rejection: Rejection | None = None
    reason: str | None = None
    unknown_gemeente: bool = False  # an applied registration whose gemeente is not known


class Admission:
    """Folds messages of the input topics into client states, given a decoder per topic."""

    def __init__(self, decoders: Mapping[str, Decode], regions: Regions) -> None:
        self.decoders = dict(decoders)
        self.regions = regions

    def handle(
        self, topic: str, key: bytes | None, value: bytes | None, before: ClientState | None
    ) -> Handled:
        """Process one message given the client's state before it (None when unknown)."""
        try:
            event = validate(self.decoders[topic](value))
        except DecodeError as exc:
            return Handled("dead_lettered", rejection=Rejection.DECODE_ERROR, reason=exc.reason)
        except InvalidEvent as exc:
            return Handled("dead_lettered", rejection=Rejection.INVALID_EVENT, reason=exc.reason)
        client_id = event.client_id
        if key != client_id.encode():
            return Handled(
                "dead_lettered", rejection=Rejection.KEY_MISMATCH, reason=KEY_MISMATCH_REASON
            )
        after, outcome = fold(before, event)
        if outcome is not Outcome.APPLIED:
            return Handled(_OUTCOME_VALUE[outcome], client_id)
        unknown = (
            isinstance(event, ClientRegistration)
            and self.regions.region_of(event.gemeentecode) == ONBEKEND
        )
        return Handled(_OUTCOME_VALUE[outcome], client_id, after, unknown_gemeente=unknown)
