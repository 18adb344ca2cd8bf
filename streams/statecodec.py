"""Compact JSON encoding of a client's state for the changelogged table (format version 1)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from .domain import ClientState, IndicationOwner, RegistrationStatus
from .domain.state import IndicationFact, Membership, ProfileFact, Registration

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class StoredClient:
    """A table value: the client's state and the input partition it belongs to."""

    partition: int
    state: ClientState


def _day(d: date | None) -> int | None:
    return None if d is None else d.toordinal()


def _date(n: int | None) -> date | None:
    return None if n is None else date.fromordinal(n)


def to_json(stored: StoredClient) -> dict[str, Any]:
    """The JSON-ready form of a stored client (no values of profile parts, only 'filled')."""
    s = stored.state
    reg = s.registration
    mem = s.membership
    return {
        "v": FORMAT_VERSION,
        "p": stored.partition,
        "r": None if reg is None else [*reg.version, reg.status.value, reg.gemeentecode],
        "i": {
            k: [*f.version, f.owner.value, _day(f.start_date), _day(f.end_date), f.retracted]
            for k, f in s.indications.items()
        },
        "m": None
        if mem is None
        else [
            *mem.version,
            _day(mem.start_date),
            _day(mem.end_date),
            mem.beschut_werkend_wsw,
            mem.banenafspraak,
        ],
        "f": {k: [*f.version, f.filled] for k, f in s.profile.items()},
        "e": None if s.erased_at is None else list(s.erased_at),
    }


def from_json(data: dict[str, Any]) -> StoredClient:
    """Rebuild a stored client from its JSON form."""
    if data.get("v") != FORMAT_VERSION:
        raise ValueError(f"unknown client state format {data.get('v')!r}")
    r, m, e = data["r"], data["m"], data["e"]
    registration = None if r is None else Registration((r[0], r[1]), RegistrationStatus(r[2]), r[3])
    membership = None
    if m is not None:
        start = _date(m[2])
        assert start is not None
        membership = Membership((m[0], m[1]), start, _date(m[3]), m[4], m[5])
    state = ClientState(
        registration=registration,
        indications={
            k: IndicationFact((f[0], f[1]), IndicationOwner(f[2]), _date(f[3]), _date(f[4]), f[5])
            for k, f in data["i"].items()
        },
        membership=membership,
        profile={k: ProfileFact((f[0], f[1]), f[2]) for k, f in data["f"].items()},
        erased_at=None if e is None else (e[0], e[1]),
    )
    return StoredClient(data["p"], state)


def dumps(stored: StoredClient) -> bytes:
    """Encode a stored client to bytes."""
    return json.dumps(to_json(stored), separators=(",", ":")).encode()


def loads(raw: bytes) -> StoredClient:
    """Decode bytes written by `dumps`."""
    return from_json(json.loads(raw))
