"""Avro codecs (fastavro) for the schemas in schemas/; library errors become DecodeError."""

from __future__ import annotations

import copy
import io
import json
import struct
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import fastavro

from streams.service.ports import DecodeError
from streams.settings import Framing

EVENT_SCHEMA_NAMES = ("ClientRegistration", "Indication", "RegisterMembership", "ProfileEdit")
OUTPUT_SCHEMA_NAMES = ("RegionCounts", "DeadLetter", "HistorySnapshot")
#: Schema ids written in the Confluent wire format when no schema registry assigns them.
DEFAULT_SCHEMA_IDS: Mapping[str, int] = {
    name: i + 1 for i, name in enumerate(EVENT_SCHEMA_NAMES + OUTPUT_SCHEMA_NAMES)
}
MAX_MESSAGE_BYTES = 1_000_000
_MAGIC = 0


def schema_json(name: str) -> dict[str, Any]:
    """The Avro schema `name` as committed in schemas/ (the source of truth)."""
    text = (
        resources.files("streams").joinpath("schemas").joinpath(f"{name}.avsc").read_text("utf-8")
    )
    result: dict[str, Any] = json.loads(text)
    return result


@cache
def parsed_schema(name: str) -> Any:
    """The schema parsed by fastavro, for writing and for container files."""
    return fastavro.parse_schema(schema_json(name))


def _without_timestamp_logical_types(node: Any) -> Any:
    if isinstance(node, dict):
        if node.get("logicalType") == "timestamp-millis":
            return {k: v for k, v in node.items() if k != "logicalType"}
        return {k: _without_timestamp_logical_types(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_without_timestamp_logical_types(v) for v in node]
    return node


@cache
def reader_schema(name: str) -> Any:
    """The schema for reading: timestamps stay epoch millis (no datetime round trip)."""
    return fastavro.parse_schema(_without_timestamp_logical_types(copy.deepcopy(schema_json(name))))


class AvroCodec:
    """Schemaless Avro for one schema, optionally in the Confluent wire format."""

    def __init__(
        self,
        name: str,
        framing: Framing = "plain",
        schema_id: int | None = None,
        canonical_only: bool = True,
    ) -> None:
        self.name = name
        self.canonical_only = canonical_only
        self.framing = framing
        self.schema_id = schema_id if schema_id is not None else DEFAULT_SCHEMA_IDS[name]
        self._write_schema = parsed_schema(name)
        self._read_schema = reader_schema(name)

    def encode(self, record: Mapping[str, Any]) -> bytes:
        """Encode one record (a dict with the schema's field names)."""
        out = io.BytesIO()
        if self.framing == "confluent":
            out.write(struct.pack(">bI", _MAGIC, self.schema_id))
        fastavro.schemaless_writer(out, self._write_schema, record)
        return out.getvalue()

    def decode(self, data: bytes | None) -> dict[str, Any]:
        """Decode one message; raise DecodeError for anything that is not exactly one record."""
        if data is None:
            raise DecodeError("message has no value")
        if len(data) > MAX_MESSAGE_BYTES:
            raise DecodeError(f"message of {len(data)} bytes exceeds {MAX_MESSAGE_BYTES} bytes")
        buf = io.BytesIO(data)
        if self.framing == "confluent":
            header = buf.read(5)
            if len(header) != 5 or header[0] != _MAGIC:
                raise DecodeError("no Confluent wire-format header (magic byte 0)")
            (schema_id,) = struct.unpack(">I", header[1:])
            if schema_id != self.schema_id:
                raise DecodeError(f"schema id {schema_id} is not {self.name} ({self.schema_id})")
        try:
            record = fastavro.schemaless_reader(buf, self._read_schema, None)
        except Exception as exc:  # fastavro raises many kinds; all mean "not this schema"
            raise DecodeError(f"not a {self.name} record: {type(exc).__name__}: {exc}") from exc
        if buf.tell() != len(data):
            raise DecodeError(f"{len(data) - buf.tell()} trailing bytes after a {self.name} record")
        if not isinstance(record, dict):
            raise DecodeError(f"not a {self.name} record")
        if self.canonical_only and self.encode(record) != data:
            # fastavro reads a negative enum or union index Python-style (-1 = the last
            # symbol), so corrupt bytes could decode as VERWIJDERD: accept only the one
            # canonical encoding of the record.
            raise DecodeError(f"not the canonical Avro encoding of a {self.name} record")
        return record
