"""Avro codecs (fastavro) for the schemas in schemas/, in the configured framing; library errors
become DecodeError.

Framings: `plain` (schemaless Avro, writer = our schema), `confluent` (magic byte 0, a 4-byte
schema registry id, the body) and `single-object` (C3 01, the writer's 8-byte fingerprint, the
body). A decoder reads a body with its writer's schema, resolved against ours with Avro's rules
(streams/codecs/writers.py); when the writer is our schema it reads exactly as `plain` does.
Why bytes are not a record is said in operators' words (streams/codecs/diagnosis.py).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import cache
from typing import Any

import fastavro

from streams.codecs.canonical import canonical_proof
from streams.codecs.diagnosis import article, diagnose
from streams.codecs.schemas import (
    EVENT_SCHEMA_NAMES,
    OUTPUT_SCHEMA_NAMES,
    SCHEMA_NAMES,
    parsed_schema,
    reader_schema,
    schema_json,
)
from streams.codecs.writers import (
    CONFLUENT_MAGIC,
    SINGLE_OBJECT_MAGIC,
    Reading,
    Writer,
    WriterSchemas,
    confluent_header,
    reading,
    single_object_header,
)
from streams.service.ports import DecodeError
from streams.settings import Framing

__all__ = [
    "EVENT_SCHEMA_NAMES",
    "MAX_MESSAGE_BYTES",
    "OUTPUT_SCHEMA_NAMES",
    "SCHEMA_NAMES",
    "AvroCodec",
    "parsed_schema",
    "reader_schema",
    "schema_json",
]

MAX_MESSAGE_BYTES = 1_000_000
HEADER_BYTES: Mapping[str, int] = {"plain": 0, "confluent": 5, "single-object": 10}


@cache
def committed_writers() -> WriterSchemas:
    """The writer schemas of schemas/history, shared by the codecs that are given none."""
    return WriterSchemas()


class AvroCodec:
    """Schemaless Avro for one schema, in a framing; `writers` names the writer schemas that
    framed messages may carry (the registry adapter fills it for `confluent`)."""

    def __init__(
        self,
        name: str,
        framing: Framing = "plain",
        writers: WriterSchemas | None = None,
        canonical_only: bool = True,
    ) -> None:
        self.name = name
        self.framing = framing
        self.canonical_only = canonical_only
        if writers is None:
            writers = WriterSchemas() if framing == "confluent" else committed_writers()
        self.writers = writers
        self._write_schema = parsed_schema(name)
        self._read_schema = reader_schema(name)
        self._proves_canonical = canonical_proof(self._read_schema)  # None: always re-encode
        self._header_bytes = HEADER_BYTES[framing]
        self._single_object = single_object_header(name)
        self._readings: dict[bytes, Reading] = {}  # header -> how its messages read

    def header(self) -> bytes:
        """The framing's header of a message this codec writes."""
        if self.framing == "plain":
            return b""
        if self.framing == "single-object":
            return self._single_object
        schema_id = self.writers.output_ids.get(self.name)
        if schema_id is None:
            raise RuntimeError(f"{self.name} has no schema registry id to write with yet")
        return confluent_header(schema_id)

    def encode(self, record: Mapping[str, Any]) -> bytes:
        """Encode one record (a dict with the schema's field names)."""
        out = io.BytesIO()
        out.write(self.header())
        fastavro.schemaless_writer(out, self._write_schema, record)
        return out.getvalue()

    def decode(self, data: bytes | None) -> dict[str, Any]:
        """Decode one message; raise DecodeError for anything that is not exactly one record."""
        if data is None:
            raise DecodeError("message has no value")
        if len(data) > MAX_MESSAGE_BYTES:
            raise DecodeError(f"message of {len(data)} bytes exceeds {MAX_MESSAGE_BYTES} bytes")
        n = self._header_bytes
        header = data[:n]
        found = self._readings.get(header)
        if found is None:
            found = self._reading_of(header)
        buf = io.BytesIO(data)
        buf.seek(n)
        if found.same:  # the fast path: the writer is our schema
            record = self._read(data, buf, self._read_schema, None)
            proves = self._proves_canonical  # else the re-encoding decides, and says why
            if (
                proves is None
                or not self.canonical_only
                or buf.tell() != len(data)
                or not proves(data, n, record)
            ):
                self._check(data, buf, header, self._read_schema, self._write_schema, record)
            return record
        if found.problem is not None:
            raise DecodeError(found.problem)
        writer = found.writer.parsed
        as_written = self._read(data, buf, writer, None)
        self._check(data, buf, header, writer, writer, as_written)
        buf.seek(n)
        return self._read(data, buf, writer, self._read_schema)

    def _not_a_record(self, data: bytes, writer: Any, otherwise: str) -> DecodeError:
        """DecodeError saying why `data` is not one record of `writer` (streams/codecs/
        diagnosis.py), or `otherwise` when the walk over the bytes finds nothing wrong."""
        found = diagnose(data, self._header_bytes, writer)
        return DecodeError(f"not {article(self.name)} record: {found or otherwise}")

    def _read(self, data: bytes, buf: io.BytesIO, writer: Any, reader: Any) -> dict[str, Any]:
        try:
            record = fastavro.schemaless_reader(buf, writer, reader)
        except Exception as exc:  # fastavro raises many kinds; all mean "not this schema"
            raise self._not_a_record(data, writer, f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(record, dict):
            raise DecodeError(f"not {article(self.name)} record")
        return record

    def _check(
        self, data: bytes, buf: io.BytesIO, header: bytes, read_as: Any, writer: Any,
        record: dict[str, Any],
    ) -> None:  # fmt: skip
        if buf.tell() != len(data):
            raise self._not_a_record(data, read_as, "trailing bytes after the record")
        if self.canonical_only:
            # fastavro reads a negative enum or union index Python-style (-1 = the last
            # symbol), so corrupt bytes could decode as VERWIJDERD: accept only the one
            # canonical encoding of the record in its writer's schema.
            out = io.BytesIO()
            out.write(header)
            try:
                fastavro.schemaless_writer(out, writer, record)
            except Exception as exc:  # a value the writer's schema cannot hold again
                raise self._not_a_record(data, read_as, f"not canonical: {exc}") from exc
            if out.getvalue() != data:
                raise self._not_a_record(data, read_as, "not its canonical Avro encoding")

    def _reading_of(self, header: bytes) -> Reading:
        """How the messages with this header read (cached), or DecodeError."""
        if self.framing == "plain":
            found = reading(
                Writer.of(f"schemas/{self.name}.avsc", schema_json(self.name)), self.name
            )
        elif self.framing == "single-object":
            if len(header) < 10 or header[:2] != SINGLE_OBJECT_MAGIC:
                raise DecodeError("no Avro single-object header (C3 01 and a fingerprint)")
            writer = self.writers.by_fingerprint.get(header[2:])
            if writer is None:
                raise DecodeError(
                    f"writer schema fingerprint {header[2:].hex()} is not a known version of"
                    f" {self.name} (schemas/history)"
                )
            found = reading(writer, self.name)
        else:
            if len(header) < 5 or header[:1] != CONFLUENT_MAGIC:
                raise DecodeError("no Confluent wire-format header (magic byte 0)")
            schema_id = int.from_bytes(header[1:], "big")
            known = self.writers.writer_of_id(schema_id)  # MissingWriter: never fetched
            if known is None:
                raise DecodeError(f"schema id {schema_id} is not in the schema registry")
            if isinstance(known, str):
                raise DecodeError(known)
            found = reading(known, self.name)
        self._readings[header] = found  # also one that cannot be read: checked once
        return found
