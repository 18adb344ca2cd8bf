"""Dead-letter reasons an operator can read: each kind of corruption is named in plain words,
with the field it is in, and never with what the bytes say (streams/codecs/diagnosis.py)."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.codecs.avro import AvroCodec, reader_schema
from streams.codecs.diagnosis import article, diagnose
from streams.codecs.events import event_to_record
from streams.codecs.writers import WriterSchemas
from streams.service.ports import DecodeError
from tests.factories import indication, membership, profile, registration
from tests.unit.test_codecs import avro_string, zigzag

CLIENT = "K1"  # the client id of every hand-made message: no reason may contain it
HEAD = avro_string(CLIENT) + avro_string("E1") + zigzag(1)  # client_id, event_id, occurred_at


def reason_of(name: str, data: bytes, framing: str = "plain") -> str:
    with pytest.raises(DecodeError) as raised:
        AvroCodec(name, framing).decode(data)
    reason = raised.value.reason
    assert CLIENT not in reason
    assert "Error" not in reason, f"a library's exception leaked into the reason: {reason}"
    return reason


def an_indication() -> bytes:
    return AvroCodec("Indication").encode(event_to_record(indication(event_id="e5")))


def test_a_message_that_ends_inside_a_string_says_how_many_bytes_it_lacks():
    data = an_indication()
    assert reason_of("Indication", data[:1]) == (
        "not an Indication record: the message ends after 1 of 3 bytes, inside field client_id"
    )


def test_a_message_that_ends_inside_a_number_names_the_field():
    data = an_indication()
    cut = len(avro_string("K1")) + len(avro_string("e5"))  # occurred_at is next
    assert reason_of("Indication", data[:cut]) == (
        f"not an Indication record: the message ends after {cut} bytes, inside field occurred_at"
    )


def test_a_message_that_ends_before_its_last_field_names_that_field():
    data = an_indication()
    reason = reason_of("Indication", data[:-1])
    assert reason == (
        f"not an Indication record: the message ends after {len(data) - 1} of {len(data)} bytes,"
        " inside field retracted"
    )


def test_a_string_longer_than_the_message_says_how_long_it_would_be():
    data = avro_string(CLIENT) + zigzag(1_000_000_000) + b"E1"
    assert reason_of("ClientRegistration", data) == (
        "not a ClientRegistration record: the message ends after 10 of 1000000008 bytes,"
        " inside field event_id"
    )


def test_an_empty_message_is_called_empty():
    assert reason_of("Indication", b"") == "not an Indication record: the message is empty"


def test_trailing_bytes_are_counted_and_located():
    data = an_indication()
    assert reason_of("Indication", data + b"\x00\x00") == (
        f"not an Indication record: 2 trailing bytes after the record, which ends at byte"
        f" {len(data)} of {len(data) + 2}"
    )


def test_an_enum_index_past_the_last_symbol_names_the_enum_and_its_size():
    assert reason_of("ClientRegistration", HEAD + zigzag(3) + zigzag(0)) == (
        "not a ClientRegistration record: field status: enum index 3, but RegistrationStatus"
        " has 3 symbols (0-2)"
    )


def test_a_negative_enum_index_is_named_too():
    # fastavro reads -1 as the last symbol (VERWIJDERD): the canonical check refuses it
    reason = reason_of("ClientRegistration", HEAD + zigzag(-1) + zigzag(0))
    assert reason.endswith(
        "field status: enum index -1, but RegistrationStatus has 3 symbols (0-2)"
    )


@pytest.mark.parametrize("index", [2, -1])
def test_an_unknown_union_branch_names_the_field_and_the_branches(index):
    assert reason_of("ClientRegistration", HEAD + zigzag(0) + zigzag(index)) == (
        f"not a ClientRegistration record: field gemeentecode: union branch {index}, but the"
        " union has 2 branches (0-1)"
    )


def test_a_string_that_is_not_utf8_says_where_without_saying_what_it_holds():
    data = zigzag(2) + b"\xff\xfe" + avro_string("E1") + zigzag(1) + zigzag(0) + zigzag(0)
    assert reason_of("ClientRegistration", data) == (
        "not a ClientRegistration record: field client_id: a string that is not UTF-8 (byte 1"
        " of the message is 0xff)"
    )


def test_a_negative_length_is_named():
    assert reason_of("ClientRegistration", zigzag(-5) + b"abc") == (
        "not a ClientRegistration record: field client_id: a string of negative length -5"
    )


def test_a_date_outside_the_calendar_says_so():
    data = HEAD + avro_string("WAJONG") + zigzag(10**9) + zigzag(0) + b"\x00\x01"
    assert reason_of("RegisterMembership", data) == (
        "not a RegisterMembership record: field start_date: day 1000000000 after 1970-01-01 is"
        " outside the calendar (years 1-9999)"
    )


def test_a_boolean_byte_other_than_zero_or_one_is_named():
    data = HEAD + avro_string("WAJONG") + zigzag(10) + zigzag(0) + b"\x05\x01"
    assert reason_of("RegisterMembership", data) == (
        "not a RegisterMembership record: field beschut_werkend_wsw: a boolean byte of 5 (Avro"
        " writes 0 or 1)"
    )


def test_a_number_that_never_ends_is_named():
    assert reason_of("ClientRegistration", b"\xff" * 40) == (
        "not a ClientRegistration record: field client_id: a number longer than a long can be"
        " (10 bytes, from byte 0)"
    )


def test_a_number_in_a_longer_encoding_than_avro_writes_is_named():
    data = avro_string("K1") + avro_string("E1") + b"\x82\x00" + zigzag(0) + zigzag(0)
    assert reason_of("ClientRegistration", data).endswith(
        "field occurred_at: a number in a longer encoding than Avro writes (bytes 6-7)"
    )


def test_an_array_announcing_more_items_than_the_message_holds_is_named():
    data = HEAD + zigzag(0) + zigzag(0) + zigzag(1_000_000)  # part, no question, values
    assert reason_of("ProfileEdit", data).endswith(
        "field values: a block of 1000000 items, more than the 0 bytes left could hold"
    )


def test_a_broken_item_of_an_array_names_its_index():
    data = HEAD + zigzag(0) + zigzag(0) + zigzag(2) + avro_string("a") + zigzag(-3)
    assert reason_of("ProfileEdit", data).endswith(
        "field values[1]: a string of negative length -3"
    )


@pytest.mark.parametrize("framing", ["confluent", "single-object"])
def test_positions_count_the_framing_header_too(framing):
    writers = WriterSchemas()
    writers.learn_output("Indication", 7)
    codec = AvroCodec("Indication", framing, writers)
    data = codec.encode(event_to_record(indication(event_id="e5")))
    header = {"confluent": 5, "single-object": 10}[framing]
    with pytest.raises(DecodeError) as raised:
        codec.decode(data[: header + 1])
    assert raised.value.reason == (
        f"not an Indication record: the message ends after {header + 1} of {header + 3} bytes,"
        " inside field client_id"
    )


def test_a_header_without_a_body_says_so():
    assert diagnose(struct.pack(">bI", 0, 7), 5, reader_schema("Indication")) == (
        "the message has a header and no body"
    )


def test_valid_records_have_nothing_to_diagnose():
    for event in (registration(event_id="e"), indication(event_id="e"), membership(event_id="e"),
                  profile(event_id="e")):  # fmt: skip
        name = type(event).__name__
        assert (
            diagnose(AvroCodec(name).encode(event_to_record(event)), 0, reader_schema(name)) is None
        )


def test_the_article_follows_the_name():
    assert [article(n) for n in ("Indication", "ProfileEdit", "RegionCounts")] == [
        "an Indication", "a ProfileEdit", "a RegionCounts",
    ]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(cut=st.integers(0, 200), flips=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)),
                                               max_size=3))  # fmt: skip
def test_every_corruption_of_a_message_gets_a_reason_in_plain_words(cut, flips):
    message = bytearray(
        AvroCodec("ProfileEdit").encode(event_to_record(profile(event_id="e1", client=CLIENT)))
    )
    for position, byte in flips:
        message[position % len(message)] = byte
    data = bytes(message[: cut % (len(message) + 1)])
    try:
        AvroCodec("ProfileEdit").decode(data)
    except DecodeError as exc:
        assert exc.reason.startswith("not a ProfileEdit record: ")
        assert "Error" not in exc.reason and CLIENT not in exc.reason
