"""What the worker does with one input message, without Faust: decode, validate, fold, tally."""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

from streams.codecs.avro import DecodeError, EventDecoder, Framing
from streams.codecs.state import StoredClient
from streams.domain import ClientRegistration, ClientState, InvalidEvent, Outcome, fold, validate
from streams.domain.regions import ONBEKEND
from streams.service.ledger import Ledger


class Rejection(Enum):
    """Why a message goes to the dead-letter topic."""

    DECODE_ERROR = "DecodeError"
    INVALID_EVENT = "InvalidEvent"
    KEY_MISMATCH = "KeyMismatch"


class Handled(NamedTuple):
    """The result of one message: an outcome, and either a state to store or a rejection.
    (A NamedTuple: one is made per event, and a frozen dataclass costs four times as much.)"""

    outcome: str  # applied | duplicate | stale | dead_lettered
    client_id: str | None = None
    store: StoredClient | None = None
    rejection: Rejection | None = None
    reason: str | None = None
    unknown_gemeente: bool = False


class Processor:
    """Folds messages of the four event topics into client states and the ledger."""

    def __init__(self, event_topics: dict[str, str], ledger: Ledger, framing: Framing) -> None:
        self.decoders = {topic: EventDecoder(name, framing) for topic, name in event_topics.items()}
        self.ledger = ledger

    def handle(
        self,
        topic: str,
        partition: int,
        key: bytes | None,
        value: bytes | None,
        stored: StoredClient | None,
    ) -> Handled:
        """Process one message given the client's stored state (None when unknown)."""
        try:
            event = validate(self.decoders[topic](value))
        except DecodeError as exc:
            return Handled("dead_lettered", rejection=Rejection.DECODE_ERROR, reason=exc.reason)
        except InvalidEvent as exc:
            return Handled("dead_lettered", rejection=Rejection.INVALID_EVENT, reason=exc.reason)
        if key != event.client_id.encode():
            reason = "message key is not the event's client_id (events must be keyed by client_id)"
            return Handled("dead_lettered", rejection=Rejection.KEY_MISMATCH, reason=reason)
        before: ClientState | None = stored.state if stored is not None else None
        after, outcome = fold(before, event)
        if outcome is not Outcome.APPLIED:
            return Handled(outcome.value, client_id=event.client_id)
        self.ledger.update(partition, event.client_id, before, after)
        unknown = (
            isinstance(event, ClientRegistration)
            and self.ledger.regions.region_of(event.gemeentecode) == ONBEKEND
        )
        return Handled(
            outcome.value,
            client_id=event.client_id,
            store=StoredClient(partition, after),
            unknown_gemeente=unknown,
        )
