"""The client state codec: `dumps`/`loads` (the worker's fast path) against `to_json`/
`from_json` (the format's definition). The bytes must be identical to the definition's, every
state must come back equal, and records written before must read the same."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.codecs.state import dumps, from_json, loads, to_json
from streams.domain import ClientState, IndicationOwner, RegistrationStatus
from streams.domain.state import IndicationFact, Membership, ProfileFact, Registration
from streams.service.ports import StoredClient
from tests.factories import erasure, states_per_client
from tests.unit.test_properties import LOG


def reference_dumps(stored: StoredClient) -> bytes:
    return json.dumps(to_json(stored), separators=(",", ":"), ensure_ascii=False).encode()


def reference_loads(raw: bytes) -> StoredClient:
    return from_json(json.loads(raw))


@settings(max_examples=300, deadline=None)
@given(events=LOG, partition=st.integers(0, 63))
def test_dumps_writes_the_bytes_of_the_format_and_loads_reads_them_back(events, partition):
    for state in states_per_client(events).values():
        stored = StoredClient(partition, state)
        raw = dumps(stored)
        assert raw == reference_dumps(stored)
        assert loads(raw) == stored == reference_loads(raw)


def test_odd_strings_erasures_and_empty_states_round_trip_byte_for_byte() -> None:
    version = (1_764_000_000_123, 'e"\\/\u00e9\u2603\n')  # JSON escapes, non-ASCII
    state = ClientState(
        registration=Registration(version, RegistrationStatus.INGESCHREVEN, "GM\u00e90363"),
        indications={
            "I\u00e91": IndicationFact(version, IndicationOwner.GEMEENTE, None, None, True),
            "I2": IndicationFact(
                version, IndicationOwner.UWV, date(1, 1, 1), date(9999, 12, 31), False
            ),
        },
        membership=Membership(version, date(2020, 2, 29), None, True, False),
        profile={
            "TAAKSOORTVRAAG:20": ProfileFact(version, False),
            'A"B': ProfileFact(version, True),
        },
        erased_at=(7, "x"),
    )
    erased = states_per_client([erasure("K9", at=5)])["K9"]
    for stored in (StoredClient(3, state), StoredClient(0, ClientState()), StoredClient(1, erased)):
        raw = dumps(stored)
        assert raw == reference_dumps(stored)
        assert loads(raw) == stored
        # as written until 2026-11 (non-ASCII as \u escapes): read the same
        escaped = json.dumps(to_json(stored), separators=(",", ":")).encode()
        assert escaped.isascii() and loads(escaped) == stored


@pytest.mark.parametrize(
    "raw",
    [
        b'{"v":2,"p":0}',
        b"[1,2]",
        b'{"v":1,"p":0}',
        b'{"v":1,"p":0,"r":[1,"e","NOPE",null],"i":{},"m":null,"f":{},"e":null}',
    ],
)
def test_what_is_not_the_format_fails_as_the_reference_does(raw: bytes) -> None:
    with pytest.raises(Exception) as reference:
        reference_loads(raw)
    with pytest.raises(type(reference.value)):
        loads(raw)


def test_an_encoded_state_takes_no_more_memory_than_its_bytes() -> None:
    # the memory store keeps every client's encoded state: orjson's result alone held a
    # 4 KiB buffer for a state of about 300 bytes
    import tracemalloc

    stored = StoredClient(1, states_per_client([erasure("K9", at=5)])["K9"])
    tracemalloc.start()
    try:
        kept = [dumps(stored) for _ in range(1000)]
        allocated, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert allocated / len(kept) < 2 * len(kept[0]) + 100
