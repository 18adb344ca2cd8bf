"""Avro codecs: every event survives a round trip, and bad bytes only ever raise DecodeError."""

from __future__ import annotations

import struct
from collections import Counter
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.codecs.avro import (
    EVENT_SCHEMA_NAMES,
    MAX_MESSAGE_BYTES,
    OUTPUT_SCHEMA_NAMES,
    SCHEMA_NAMES,
)
from streams.codecs.avro import AvroCodec as _AvroCodec
from streams.codecs.events import EventDecoder as _EventDecoder
from streams.codecs.events import event_from_record, event_to_record, schema_name_of
from streams.codecs.writers import WriterSchemas
from streams.domain.events import IndicationOwner, ProfilePart, RegistrationStatus
from streams.domain.table import publication_table
from streams.service.ports import DecodeError
from tests.factories import (
    BEROEPSSECTOREN,
    DAY,
    GEMEENTE,
    days,
    erasure,
    indication,
    membership,
    profile,
    regions,
    registration,
    taaksoortvraag,
)

FRAMINGS = ("plain", "confluent", "single-object")
#: As a schema registry would have them: our six schemas under ids 1-6 (streams/kafka/registry.py
#: fetches ids into a WriterSchemas like this one before anything is decoded).
SCHEMA_IDS = {name: i + 1 for i, name in enumerate(SCHEMA_NAMES)}
WRITERS = WriterSchemas()
for _name, _id in SCHEMA_IDS.items():
    WRITERS.learn_output(_name, _id)


def AvroCodec(name, framing="plain"):  # the codec, with the registry's ids
    return _AvroCodec(name, framing, WRITERS)


def EventDecoder(name, framing="plain"):
    return _EventDecoder(name, framing, WRITERS)


MIN_DATE, MAX_DATE = date(1, 1, 1), date(9999, 12, 31)


def zigzag(n: int) -> bytes:
    """An Avro int/long: zigzag, then a little-endian base-128 varint."""
    value = (n << 1) ^ (n >> 63)
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def avro_string(text: str) -> bytes:
    data = text.encode()
    return zigzag(len(data)) + data


def encode(event, framing="plain") -> bytes:
    return AvroCodec(schema_name_of(event), framing).encode(event_to_record(event))


def examples():
    """At least one event per type, with optional fields both set and unset."""
    return [
        pytest.param(registration(event_id="e1"), id="registration"),
        pytest.param(registration(gemeente=None, event_id="e2"), id="registration-no-gemeente"),
        pytest.param(
            registration(status=RegistrationStatus.UITGESCHREVEN, event_id="e3"),
            id="deregistration",
        ),
        pytest.param(erasure(at=1_767_225_600_000, event_id="e4"), id="erasure"),
        pytest.param(indication(event_id="e5"), id="indication"),
        pytest.param(
            indication(owner=GEMEENTE, start=days(-9), end=days(3), retracted=True, event_id="e6"),
            id="indication-all-fields",
        ),
        pytest.param(indication(start=None, end=None, event_id="e7"), id="indication-no-dates"),
        pytest.param(membership(event_id="e8"), id="membership"),
        pytest.param(
            membership(end=days(10), banenafspraak=False, beschut=True, event_id="e9"),
            id="membership-all-fields",
        ),
        pytest.param(profile(event_id="e10"), id="profile-affiniteiten"),
        pytest.param(
            profile(part=BEROEPSSECTOREN, values=(), event_id="e11"), id="profile-cleared"
        ),
        pytest.param(
            taaksoortvraag(question=20, values=("één", "twee")), id="profile-taaksoortvraag"
        ),
    ]


def other_records():
    """One record of every schema, for decoding as another schema."""
    records = {param.id: event_to_record(param.values[0]) for param in examples()}
    return {
        "ClientRegistration": records["registration"],
        "Indication": records["indication-all-fields"],
        "RegisterMembership": records["membership-all-fields"],
        "ProfileEdit": records["profile-taaksoortvraag"],
        "RegionCounts": {
            **publication_table(Counter(), regions(), DAY)[-1].to_json(),
            "as_of": DAY,
        },
        "DeadLetter": {
            "source_topic": "sonar.indications",
            "partition": 3,
            "offset": 123,
            "key": b"K1",
            "value": b"\x00\x01",
            "error_class": "DecodeError",
            "reason": "bad",
            "dead_lettered_at": 1_767_225_600_000,
        },
        "HistorySnapshot": {
            "peildatum": DAY,
            "quarter_end": False,
            "source": "BACKFILL",
            "known_at": 1_767_225_599_999,
            "made_at": 1_767_225_600_000,
            "offsets": [{"topic": "sonar.indications", "partition": 3, "offset": 124}],
            "rows": [
                {k: v for k, v in row.to_json().items() if k != "as_of"}
                for row in publication_table(Counter(), regions(), DAY)
            ],
        },
    }


# --- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("event", examples())
def test_every_event_survives_a_round_trip(event, framing):
    decoded = EventDecoder(schema_name_of(event), framing)(encode(event, framing))
    assert decoded == event
    assert type(decoded) is type(event)


def test_every_event_schema_has_an_example():
    assert {schema_name_of(e.values[0]) for e in examples()} == set(EVENT_SCHEMA_NAMES)


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("name", OUTPUT_SCHEMA_NAMES)
def test_output_records_survive_a_round_trip(name, framing):
    record = other_records()[name]
    codec = AvroCodec(name, framing)
    assert codec.decode(codec.encode(record)) == record


def test_occurred_at_is_decoded_as_epoch_millis():
    event = registration(at=1_767_225_600_123, event_id="e")
    assert EventDecoder("ClientRegistration")(encode(event)).occurred_at == 1_767_225_600_123


def test_the_confluent_frame_is_magic_byte_and_schema_id():
    data = encode(registration(event_id="e"), "confluent")
    assert data[:5] == struct.pack(">bI", 0, SCHEMA_IDS["ClientRegistration"])
    assert data[5:] == encode(registration(event_id="e"), "plain")


def test_a_codec_writes_with_the_schema_id_the_registry_gave_it():
    writers = WriterSchemas()
    writers.learn_output("ClientRegistration", 4711)
    codec = _AvroCodec("ClientRegistration", "confluent", writers)
    record = event_to_record(registration(event_id="e"))
    data = codec.encode(record)
    assert struct.unpack(">I", data[1:5]) == (4711,)
    assert codec.decode(data) == record


def test_a_codec_without_a_registered_id_refuses_to_write_confluent():
    codec = _AvroCodec("ClientRegistration", "confluent", WriterSchemas())
    with pytest.raises(RuntimeError, match="no schema registry id"):
        codec.encode(event_to_record(registration(event_id="e")))


def test_only_event_schemas_have_an_event_decoder():
    with pytest.raises(ValueError, match="not an event schema"):
        EventDecoder("RegionCounts")


TEXT = st.text(max_size=20)
ID = st.text(min_size=1, max_size=20)
MILLIS = st.integers(min_value=-(2**62), max_value=2**62)
DATES = st.dates(min_value=MIN_DATE, max_value=MAX_DATE)
OPT_DATE = st.none() | DATES

ANY_EVENT = st.one_of(
    st.builds(
        registration,
        client=ID, at=MILLIS, status=st.sampled_from(RegistrationStatus),
        gemeente=st.none() | TEXT, event_id=ID,
    ),
    st.builds(
        indication,
        client=ID, at=MILLIS, indication_id=TEXT, owner=st.sampled_from(IndicationOwner),
        kind=ID, start=OPT_DATE, end=OPT_DATE, retracted=st.booleans(), event_id=ID,
    ),
    st.builds(
        membership,
        client=ID, at=MILLIS, start=DATES, end=OPT_DATE, banenafspraak=st.booleans(),
        beschut=st.booleans(), grondslag=TEXT, event_id=ID,
    ),
    st.builds(
        profile,
        client=ID, at=MILLIS, part=st.sampled_from(ProfilePart),
        question=st.none() | st.integers(-(2**31), 2**31 - 1),
        values=st.lists(TEXT, max_size=5).map(tuple), event_id=ID,
    ),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(event=ANY_EVENT, framing=st.sampled_from(FRAMINGS))
def test_any_event_survives_a_round_trip(event, framing):
    assert EventDecoder(schema_name_of(event), framing)(encode(event, framing)) == event


# --- what is not one record of the schema raises DecodeError, with a reason --------------------


def assert_decode_error(decoder, data, *words):
    with pytest.raises(DecodeError) as raised:
        decoder(data)
    reason = raised.value.reason
    assert isinstance(reason, str)
    assert reason
    assert str(raised.value) == reason
    for word in words:
        assert word in reason
    return reason


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("name", EVENT_SCHEMA_NAMES)
def test_garbage_bytes_raise_a_decode_error(name, framing):
    assert_decode_error(EventDecoder(name, framing), b"\xff" * 40)


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("name", EVENT_SCHEMA_NAMES)
def test_empty_bytes_raise_a_decode_error(name, framing):
    assert_decode_error(EventDecoder(name, framing), b"")


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("name", EVENT_SCHEMA_NAMES)
def test_a_message_without_a_value_raises_a_decode_error(name, framing):
    assert_decode_error(EventDecoder(name, framing), None, "no value")


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("event", examples())
def test_every_truncation_of_a_message_raises_a_decode_error(event, framing):
    data = encode(event, framing)
    decoder = EventDecoder(schema_name_of(event), framing)
    for length in range(len(data)):
        assert_decode_error(decoder, data[:length])


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("event", examples())
def test_trailing_bytes_after_a_record_raise_a_decode_error(event, framing):
    decoder = EventDecoder(schema_name_of(event), framing)
    assert_decode_error(decoder, encode(event, framing) + b"\x00", "1 trailing byte after")
    assert_decode_error(decoder, encode(event, framing) * 2, "trailing bytes")


@pytest.mark.parametrize("writer", EVENT_SCHEMA_NAMES + OUTPUT_SCHEMA_NAMES)
def test_a_record_of_another_schema_raises_a_decode_error(writer):
    # Plain schemaless Avro carries no schema: these records happen not to fit; the next test
    # shows the Confluent framing, which tells any two schemas apart by their id.
    data = AvroCodec(writer).encode(other_records()[writer])
    for reader in EVENT_SCHEMA_NAMES:
        if reader != writer:
            assert_decode_error(EventDecoder(reader), data)


@pytest.mark.parametrize("writer", EVENT_SCHEMA_NAMES + OUTPUT_SCHEMA_NAMES)
def test_a_confluent_frame_with_the_id_of_another_schema_raises_a_decode_error(writer):
    data = AvroCodec(writer, "confluent").encode(other_records()[writer])
    for reader in EVENT_SCHEMA_NAMES:
        if reader != writer:
            assert_decode_error(
                EventDecoder(reader, "confluent"), data, "schema id", "cannot be read"
            )


@pytest.mark.parametrize("writer", EVENT_SCHEMA_NAMES + OUTPUT_SCHEMA_NAMES)
def test_a_single_object_of_another_schema_raises_a_decode_error(writer):
    data = AvroCodec(writer, "single-object").encode(other_records()[writer])
    for reader in EVENT_SCHEMA_NAMES:
        if reader != writer:
            assert_decode_error(EventDecoder(reader, "single-object"), data, "cannot be read")


def test_a_message_without_the_confluent_magic_byte_raises_a_decode_error():
    data = encode(registration(event_id="e"), "confluent")
    assert_decode_error(
        EventDecoder("ClientRegistration", "confluent"), b"\x01" + data[1:], "magic"
    )


def test_a_plain_message_read_as_confluent_raises_a_decode_error():
    data = encode(registration(event_id="e"), "plain")
    assert_decode_error(EventDecoder("ClientRegistration", "confluent"), data)


@pytest.mark.parametrize("framing", FRAMINGS)
def test_an_oversized_message_raises_a_decode_error(framing):
    too_big = b"\x00" * (MAX_MESSAGE_BYTES + 1)
    assert_decode_error(
        EventDecoder("ProfileEdit", framing), too_big, "exceeds", str(MAX_MESSAGE_BYTES)
    )


def test_a_string_longer_than_the_message_raises_a_decode_error():
    data = avro_string("K1") + zigzag(1_000_000_000) + b"E1"
    assert_decode_error(EventDecoder("ClientRegistration"), data)


def test_a_date_outside_the_calendar_raises_a_decode_error():
    data = (
        avro_string("K1") + avro_string("E1") + zigzag(1) + avro_string("WAJONG")
        + zigzag(10**9) + zigzag(0) + b"\x00\x01"
    )  # fmt: skip
    assert_decode_error(EventDecoder("RegisterMembership"), data)


def test_an_enum_index_past_the_last_symbol_raises_a_decode_error():
    data = avro_string("K1") + avro_string("E1") + zigzag(1) + zigzag(3) + zigzag(0)
    assert_decode_error(EventDecoder("ClientRegistration"), data)


def test_a_union_index_past_the_last_branch_raises_a_decode_error():
    data = avro_string("K1") + avro_string("E1") + zigzag(1) + zigzag(0) + zigzag(2)
    assert_decode_error(EventDecoder("ClientRegistration"), data)


def test_a_negative_enum_index_raises_a_decode_error():
    data = avro_string("K1") + avro_string("E1") + zigzag(1) + zigzag(-1) + zigzag(0)
    assert_decode_error(EventDecoder("ClientRegistration"), data)


def test_a_negative_union_index_raises_a_decode_error():
    data = avro_string("K1") + avro_string("E1") + zigzag(1) + zigzag(0) + zigzag(-1)
    assert_decode_error(EventDecoder("ClientRegistration"), data)


def test_a_record_lacking_a_field_raises_a_decode_error():
    record = event_to_record(registration(event_id="e"))
    del record["gemeentecode"]
    with pytest.raises(DecodeError, match="lacks field"):
        event_from_record("ClientRegistration", record)


def test_a_record_with_an_unknown_symbol_raises_a_decode_error():
    record = {**event_to_record(profile(event_id="e")), "part": "OPLEIDING"}
    with pytest.raises(DecodeError, match="bad value"):
        event_from_record("ProfileEdit", record)


def test_a_decode_error_is_a_value_error():
    assert issubclass(DecodeError, ValueError)


# --- fuzzing: arbitrary bytes never raise anything but DecodeError ---------------------------

DECODERS = {
    (name, framing): EventDecoder(name, framing)
    for name in EVENT_SCHEMA_NAMES
    for framing in FRAMINGS
}
DECODER_KEYS = st.sampled_from(sorted(DECODERS))
FUZZ_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def decode_or_decode_error(key, data):
    for schema_id in WRITERS.missing_ids([data]):  # what the registry answers for an id it
        WRITERS.learn_unknown(schema_id)  # never issued, fetched before decoding
    try:
        event = DECODERS[key](data)
    except DecodeError as exc:
        assert exc.reason
    else:
        assert schema_name_of(event) == key[0]


@FUZZ_SETTINGS
@given(key=DECODER_KEYS, data=st.binary(max_size=300))
def test_arbitrary_bytes_never_raise_anything_but_a_decode_error(key, data):
    decode_or_decode_error(key, data)


@FUZZ_SETTINGS
@given(key=DECODER_KEYS, payload=st.binary(max_size=300))
def test_arbitrary_bytes_behind_a_valid_confluent_header_never_raise_anything_else(key, payload):
    header = struct.pack(">bI", 0, SCHEMA_IDS[key[0]])
    decode_or_decode_error((key[0], "confluent"), header + payload)


@FUZZ_SETTINGS
@given(event=ANY_EVENT, framing=st.sampled_from(FRAMINGS), data=st.data())
def test_corrupted_messages_never_raise_anything_but_a_decode_error(event, framing, data):
    message = bytearray(encode(event, framing))
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(message) - 1))
        message[position] = data.draw(st.integers(0, 255))
    decode_or_decode_error((schema_name_of(event), framing), bytes(message))


def test_events_read_from_container_files_carry_occurred_at_as_epoch_millis(tmp_path):
    import fastavro

    from streams.codecs.avro import parsed_schema
    from streams.codecs.files import read_records
    from streams.service.replay import read_events

    event = registration(event_id="e")
    path = tmp_path / "ClientRegistration.avro"
    with path.open("wb") as f:
        fastavro.writer(f, parsed_schema("ClientRegistration"), [event_to_record(event)])
    (read,) = read_events(read_records(path), event_from_record, Counter())
    assert read == event and isinstance(read.occurred_at, int)
