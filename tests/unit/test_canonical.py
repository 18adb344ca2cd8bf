"""The canonical-encoding proof: it never accepts what the re-encoding would refuse, it takes the
fast path for ordinary events, and a decoder with it decides every message as one without."""

from __future__ import annotations

import io

import fastavro
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.codecs.avro import EVENT_SCHEMA_NAMES, AvroCodec
from streams.codecs.canonical import canonical_proof
from streams.codecs.events import event_to_record, schema_name_of
from streams.codecs.schemas import parsed_schema, reader_schema
from streams.domain.events import IndicationOwner, ProfilePart, RegistrationStatus
from streams.service.ports import DecodeError
from tests.factories import indication, membership, profile, registration
from tests.unit.test_codecs import ANY_EVENT, DATES, OPT_DATE, examples, zigzag

SHORT = st.text(min_size=1, max_size=12)
ORDINARY_EVENT = st.one_of(
    st.builds(
        registration, client=SHORT, at=st.integers(0, 2**45),
        status=st.sampled_from(RegistrationStatus), gemeente=st.none() | SHORT, event_id=SHORT,
    ),
    st.builds(
        indication, client=SHORT, at=st.integers(0, 2**45), indication_id=SHORT,
        owner=st.sampled_from(IndicationOwner), kind=SHORT, start=OPT_DATE, end=OPT_DATE,
        retracted=st.booleans(), event_id=SHORT,
    ),
    st.builds(
        membership, client=SHORT, at=st.integers(0, 2**45), start=DATES, end=OPT_DATE,
        banenafspraak=st.booleans(), beschut=st.booleans(), grondslag=SHORT, event_id=SHORT,
    ),
    st.builds(
        profile, client=SHORT, at=st.integers(0, 2**45), part=st.sampled_from(ProfilePart),
        question=st.none() | st.integers(1, 20), values=st.lists(SHORT, max_size=5).map(tuple),
        event_id=SHORT,
    ),
)  # fmt: skip


def encoded(event) -> tuple[str, bytes]:
    name = schema_name_of(event)
    return name, AvroCodec(name).encode(event_to_record(event))


def read(name: str, data: bytes):
    """The record fastavro reads from the bytes, without any canonical check (or None)."""
    buf = io.BytesIO(data)
    try:
        record = fastavro.schemaless_reader(buf, reader_schema(name), None)
    except Exception:
        return None
    return record if buf.tell() == len(data) else None


def reencodes_to(name: str, record, data: bytes) -> bool:
    out = io.BytesIO()
    try:
        fastavro.schemaless_writer(out, parsed_schema(name), record)
    except Exception:
        return False
    return out.getvalue() == data


def outcome(codec: AvroCodec, data: bytes):
    try:
        return codec.decode(data)
    except DecodeError as exc:
        return exc.reason


def reencoding_only(name: str) -> AvroCodec:
    codec = AvroCodec(name)
    codec._proves_canonical = None  # the codec as it was: re-encode every record
    return codec


def corrupted(data: bytes, draw) -> bytes:
    message = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["set", "insert", "delete"]))
        position = draw(st.integers(0, len(message) - 1)) if message else 0
        if kind == "set" and message:
            message[position] = draw(st.integers(0, 255))
        elif kind == "insert":
            message.insert(position, draw(st.sampled_from([0x00, 0x01, 0x02, 0x80, 0xFF])))
        elif message:
            del message[position]
    return bytes(message)


def test_every_event_schema_has_a_proof():
    for name in EVENT_SCHEMA_NAMES:
        assert canonical_proof(reader_schema(name)) is not None


@pytest.mark.parametrize("event", examples())
def test_the_proof_holds_for_every_example_event(event):
    name, data = encoded(event)
    assert canonical_proof(reader_schema(name))(data, 0, read(name, data))


@settings(max_examples=300, deadline=None)
@given(event=ORDINARY_EVENT)
def test_the_proof_holds_for_ordinary_events(event):
    name, data = encoded(event)
    assert canonical_proof(reader_schema(name))(data, 0, read(name, data))


@settings(max_examples=1000, deadline=None)
@given(event=st.one_of(ANY_EVENT, ORDINARY_EVENT), data=st.data())
def test_what_the_proof_accepts_the_reencoding_accepts_too(event, data):
    name, message = encoded(event)
    message = corrupted(message, data.draw)
    record = read(name, message)
    if record is not None and canonical_proof(reader_schema(name))(message, 0, record):
        assert reencodes_to(name, record, message)


@settings(max_examples=500, deadline=None)
@given(event=st.one_of(ANY_EVENT, ORDINARY_EVENT), data=st.data())
def test_a_decoder_with_the_proof_decides_as_one_that_reencodes(event, data):
    name, message = encoded(event)
    message = corrupted(message, data.draw)
    assert outcome(AvroCodec(name), message) == outcome(reencoding_only(name), message)


def string(text: str) -> bytes:
    return zigzag(len(text.encode())) + text.encode()


def overlong(n: int) -> bytes:
    """The varint of n with one needless continuation byte."""
    shortest = zigzag(n)
    return shortest[:-1] + bytes([shortest[-1] | 0x80, 0])


REGISTRATION = string("K1") + string("E1") + zigzag(1) + zigzag(0) + zigzag(0)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(string("K1") + string("E1") + zigzag(1) + zigzag(-1) + zigzag(0),
                     id="negative-enum-index"),
        pytest.param(string("K1") + string("E1") + zigzag(1) + zigzag(0) + zigzag(-1)
                     + string("GM0363"), id="negative-union-index"),
        pytest.param(b"\x84\x00K1" + string("E1") + zigzag(1) + zigzag(0) + zigzag(0),
                     id="overlong-string-length"),
        pytest.param(string("K1") + string("E1") + b"\x82\x00" + zigzag(0) + zigzag(0),
                     id="overlong-long"),
        pytest.param(string("K1") + string("E1") + overlong(1_767_225_600_000) + zigzag(0)
                     + zigzag(0), id="overlong-timestamp"),
    ],
)  # fmt: skip
def test_a_registration_not_in_its_canonical_encoding_is_not_proved_and_is_refused(data):
    record = read("ClientRegistration", data)
    assert record is not None  # fastavro alone reads it
    assert not canonical_proof(reader_schema("ClientRegistration"))(data, 0, record)
    with pytest.raises(DecodeError):
        AvroCodec("ClientRegistration").decode(data)


def test_a_boolean_byte_other_than_one_is_not_proved_and_is_refused():
    _, data = encoded(indication(retracted=True, event_id="e"))
    assert data[-1] == 1
    bad = data[:-1] + b"\x02"
    assert read("Indication", bad)["retracted"] is True  # fastavro reads it as True
    assert not canonical_proof(reader_schema("Indication"))(bad, 0, read("Indication", bad))
    with pytest.raises(DecodeError):
        AvroCodec("Indication").decode(bad)


def test_values_in_two_array_blocks_are_not_proved_and_are_refused():
    head = string("K1") + string("E1") + zigzag(1) + zigzag(0) + zigzag(0)
    two_blocks = head + zigzag(1) + string("a") + zigzag(1) + string("b") + zigzag(0)
    record = read("ProfileEdit", two_blocks)
    assert record["values"] == ["a", "b"]
    assert not canonical_proof(reader_schema("ProfileEdit"))(two_blocks, 0, record)
    with pytest.raises(DecodeError):
        AvroCodec("ProfileEdit").decode(two_blocks)


def test_the_registration_in_its_canonical_encoding_is_proved():
    assert canonical_proof(reader_schema("ClientRegistration"))(
        REGISTRATION, 0, read("ClientRegistration", REGISTRATION)
    )
