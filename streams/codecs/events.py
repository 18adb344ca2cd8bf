"""Avro records <-> domain events, and the decoder of one event topic."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from streams.codecs.avro import AvroCodec
from streams.codecs.writers import WriterSchemas
from streams.domain import events as ev
from streams.domain.events import Event
from streams.service.ports import DecodeError
from streams.settings import Framing

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
# symbol -> member: a dict look-up is a twentieth of `Enum(value)`; a symbol not in it goes to
# the Enum, which raises the ValueError that says so
_STATUS = {s.value: s for s in ev.RegistrationStatus}
_OWNER = {o.value: o for o in ev.IndicationOwner}
_PART = {p.value: p for p in ev.ProfilePart}


def _registration(r: Mapping[str, Any]) -> Event:
    status = _STATUS.get(r["status"]) or ev.RegistrationStatus(r["status"])
    return ev.ClientRegistration(
        r["client_id"], r["event_id"], r["occurred_at"], status, r["gemeentecode"]
    )


def _indication(r: Mapping[str, Any]) -> Event:
    owner = _OWNER.get(r["owner"]) or ev.IndicationOwner(r["owner"])
    return ev.Indication(
        r["client_id"], r["event_id"], r["occurred_at"], r["indication_id"], owner, r["kind"],
        r["start_date"], r["end_date"], r["retracted"],
    )  # fmt: skip


def _membership(r: Mapping[str, Any]) -> Event:
    return ev.RegisterMembership(
        r["client_id"], r["event_id"], r["occurred_at"], r["grondslag"], r["start_date"],
        r["end_date"], r["beschut_werkend_wsw"], r["banenafspraak"],
    )  # fmt: skip


def _profile_edit(r: Mapping[str, Any]) -> Event:
    part = _PART.get(r["part"]) or ev.ProfilePart(r["part"])
    return ev.ProfileEdit(
        r["client_id"], r["event_id"], r["occurred_at"], part, r["question"], tuple(r["values"])
    )


_FROM_RECORD: Mapping[str, Callable[[Mapping[str, Any]], Event]] = {
    "ClientRegistration": _registration,
    "Indication": _indication,
    "RegisterMembership": _membership,
    "ProfileEdit": _profile_edit,
}


def _as_millis(record: Mapping[str, Any]) -> Mapping[str, Any]:
    # container files carry their writer schema's logical type, so fastavro hands out an
    # aware datetime there even with our reader schema; versions are epoch millis everywhere
    occurred = record.get("occurred_at")
    if isinstance(occurred, datetime):
        return {**record, "occurred_at": (occurred - _EPOCH) // _MILLISECOND}
    return record


def event_from_record(name: str, record: Mapping[str, Any]) -> Event:
    """Turn a decoded record of event schema `name` into a domain event."""
    try:
        return _FROM_RECORD[name](_as_millis(record))
    except KeyError as exc:
        raise DecodeError(f"{name} record lacks field {exc}") from exc
    except ValueError as exc:
        raise DecodeError(f"{name} record has a bad value: {exc}") from exc


def event_to_record(event: Event) -> dict[str, Any]:
    """Turn a domain event into a record for its schema (enums as symbols)."""
    record: dict[str, Any] = {}
    value: Any
    for name, value in zip(event.__match_args__, event, strict=True):
        if isinstance(value, ev.RegistrationStatus | ev.IndicationOwner | ev.ProfilePart):
            value = value.value
        elif isinstance(value, tuple):
            value = list(value)
        record[name] = value
    return record


def schema_name_of(event: Event) -> str:
    """The name of the event schema that an event belongs to."""
    return type(event).__name__


class EventDecoder:
    """Decodes the messages of one event topic into domain events."""

    def __init__(
        self, name: str, framing: Framing = "plain", writers: WriterSchemas | None = None
    ) -> None:
        if name not in _FROM_RECORD:
            raise ValueError(f"{name} is not an event schema")
        self.name = name
        self.codec = AvroCodec(name, framing, writers)

    def __call__(self, data: bytes | None) -> Event:
        """Decode bytes to an event; raise DecodeError when that is impossible."""
        return event_from_record(self.name, self.codec.decode(data))
