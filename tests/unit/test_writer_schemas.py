"""Writer schemas: the single-object fingerprint is the Avro spec's, and messages written with
another version of a schema (by registry id or by fingerprint) read as ours by Avro's rules."""

from __future__ import annotations

import io
import json
from typing import Any

import fastavro
import pytest

from streams.codecs.avro import SCHEMA_NAMES, AvroCodec, schema_json
from streams.codecs.events import EventDecoder, event_to_record
from streams.codecs.writers import MissingWriter, WriterSchemas, fingerprint
from streams.service.ports import DecodeError
from tests.factories import indication, registration


def crc64_avro(data: bytes) -> int:
    """CRC-64-AVRO as the Avro specification writes it ("Schema Fingerprints")."""
    empty = 0xC15D213AA4D7A795
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (empty & -(fp & 1))
        table.append(fp)
    fp = empty
    for byte in data:
        fp = (fp >> 8) ^ table[(fp ^ byte) & 0xFF]
    return fp


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_the_single_object_header_is_c3_01_and_the_specs_fingerprint_little_endian(name):
    canonical = fastavro.schema.to_parsing_canonical_form(fastavro.parse_schema(schema_json(name)))
    expected = crc64_avro(canonical.encode()).to_bytes(8, "little")
    assert fingerprint(schema_json(name)) == expected
    data = AvroCodec(name, "single-object").encode(_record(name))
    assert data[:10] == b"\xc3\x01" + expected


def _record(name: str) -> dict[str, Any]:
    from tests.unit.test_codecs import examples, other_records

    records = {**other_records()}
    for example in examples():
        records.setdefault(type(example.values[0]).__name__, event_to_record(example.values[0]))
    return records[name]


def added_field(name: str) -> dict[str, Any]:
    schema = schema_json(name)
    schema["fields"].append({"name": "bron", "type": ["null", "string"], "default": None})
    return schema


def removed_retracted() -> dict[str, Any]:
    schema = schema_json("Indication")
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "retracted"]
    return schema


def written(header: bytes, schema: dict[str, Any], record: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    out.write(header)
    fastavro.schemaless_writer(out, fastavro.parse_schema(schema), record)
    return out.getvalue()


def test_a_newer_version_with_an_added_field_reads_as_ours_by_registry_id():
    writers = WriterSchemas()
    writers.learn_id(41, json.dumps(added_field("ClientRegistration")))
    event = registration(event_id="e")
    data = written(b"\x00" + (41).to_bytes(4, "big"), added_field("ClientRegistration"),
                   {**event_to_record(event), "bron": "x"})  # fmt: skip
    assert EventDecoder("ClientRegistration", "confluent", writers)(data) == event


def test_a_version_without_a_field_reads_as_ours_with_its_default_by_fingerprint(tmp_path):
    (tmp_path / "Indication.removed.avsc").write_text(json.dumps(removed_retracted()))
    writers = WriterSchemas(tmp_path)
    event = indication(event_id="e", retracted=False)
    record = {k: v for k, v in event_to_record(event).items() if k != "retracted"}
    data = written(b"\xc3\x01" + fingerprint(removed_retracted()), removed_retracted(), record)
    assert EventDecoder("Indication", "single-object", writers)(data) == event


def test_an_unknown_fingerprint_is_a_decode_error_that_says_so():
    data = AvroCodec("Indication", "single-object").encode(event_to_record(indication()))
    with pytest.raises(DecodeError, match="fingerprint ffffffffffffffff is not a known version"):
        EventDecoder("Indication", "single-object")(data[:2] + b"\xff" * 8 + data[10:])


def test_a_non_canonical_encoding_in_another_writers_schema_is_a_decode_error():
    from tests.unit.test_codecs import avro_string, zigzag

    writers = WriterSchemas()
    writers.learn_id(5, json.dumps(added_field("ClientRegistration")))
    decoder = EventDecoder("ClientRegistration", "confluent", writers)
    head = b"\x00\x00\x00\x00\x05" + avro_string("K1") + avro_string("E1") + zigzag(1)
    tail = zigzag(0) + zigzag(0)  # gemeentecode null, bron null
    assert decoder(head + zigzag(2) + tail).status.value == "VERWIJDERD"
    # status -1: fastavro would read the last symbol, VERWIJDERD (an erasure)
    with pytest.raises(DecodeError, match="field status: enum index -1, but RegistrationStatus"):
        decoder(head + zigzag(-1) + tail)


def test_an_id_the_registry_never_issued_is_a_decode_error_and_an_unfetched_one_is_not():
    writers = WriterSchemas()
    data = b"\x00" + (77).to_bytes(4, "big") + b"\x02a"
    decoder = EventDecoder("ClientRegistration", "confluent", writers)
    assert writers.missing_ids([data, None, b"", b"\x01xyz"]) == {77}
    with pytest.raises(MissingWriter):  # a bug in the caller, never a dead letter
        decoder(data)
    writers.learn_unknown(77)
    assert writers.missing_ids([data]) == set()
    with pytest.raises(DecodeError, match="schema id 77 is not in the schema registry"):
        decoder(data)


def test_a_registry_id_of_a_schema_that_is_not_avro_is_a_decode_error():
    writers = WriterSchemas()
    writers.learn_not_avro(9, "PROTOBUF")
    with pytest.raises(DecodeError, match="schema id 9 is a PROTOBUF schema"):
        EventDecoder("ClientRegistration", "confluent", writers)(b"\x00\x00\x00\x00\x09\x00")
