"""Writer schemas: the versions a message may have been written with, by registry id or by
single-object fingerprint, and how each reads as one of our (reader) schemas.

A schemaless Avro body can only be read with the schema it was written with. The framing names
that writer schema: a schema registry id (Confluent wire format) or the CRC-64-AVRO fingerprint
of its Parsing Canonical Form (Avro single-object encoding). Fingerprints are looked up among
every committed version in schemas/history (and an operator's extra folder); registry ids are
fetched by the registry adapter (streams/kafka/registry.py) into `WriterSchemas` before a
decoder sees them, so decoding never does I/O.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import fastavro
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
from avro.errors import AvroException
from avro.schema import parse as avro_parse
from fastavro.schema import fingerprint as _fingerprint
from fastavro.schema import to_parsing_canonical_form

from streams.codecs.schemas import for_reading, schema_json

#: How long the registry's "no such id" is believed before it is asked again.
UNKNOWN_ID_TTL_SECONDS = 60.0
CONFLUENT_MAGIC = b"\x00"
SINGLE_OBJECT_MAGIC = b"\xc3\x01"


def fingerprint(schema: Mapping[str, Any]) -> bytes:
    """The 8 bytes of a single-object header: CRC-64-AVRO of the Parsing Canonical Form,
    little-endian (fastavro's hex is the little-endian byte order)."""
    canonical = to_parsing_canonical_form(fastavro.parse_schema(dict(schema)))
    return bytes.fromhex(_fingerprint(canonical, "CRC-64-AVRO"))


@dataclass(frozen=True)
class Writer:
    """One writer schema: where it came from, its record name and fingerprint, parsed to read."""

    label: str  # "schema id 7" or "schemas/history/Indication.v1.avsc"
    json: Mapping[str, Any]
    full_name: str  # namespace.name of the record, as Avro resolves names
    fingerprint: bytes
    parsed: Any  # for reading: timestamps stay epoch millis, as in our reader schemas

    @classmethod
    def of(cls, label: str, schema: Mapping[str, Any]) -> Writer:
        """A writer from its JSON; ValueError when it is not a valid Avro record schema."""
        try:
            parsed = fastavro.parse_schema(for_reading(schema))
            full_name = str(parsed["name"]) if isinstance(parsed, dict) else ""
            return cls(label, schema, full_name, fingerprint(schema), parsed)
        except Exception as exc:  # fastavro raises several kinds for a schema it cannot parse
            raise ValueError(f"{label} is not a valid Avro schema: {exc}") from exc


@dataclass(frozen=True)
class Reading:
    """How the messages of one writer read as one reader schema."""

    writer: Writer
    same: bool  # the same Parsing Canonical Form: read with the reader schema alone
    problem: str | None  # why this writer cannot be read as the reader (dead letter)


@cache
def _avro_schema(text: str) -> Any:
    return avro_parse(text)


@cache
def reader_fingerprint(name: str) -> bytes:
    """The fingerprint of our current schema `name`."""
    return fingerprint(schema_json(name))


def reading(writer: Writer, reader_name: str) -> Reading:
    """Whether and how `writer` reads as our schema `reader_name` (Avro's resolution rules)."""
    reader = schema_json(reader_name)
    if writer.fingerprint == reader_fingerprint(reader_name):
        return Reading(writer, True, None)
    try:
        checker = ReaderWriterCompatibilityChecker()  # type: ignore[no-untyped-call]
        result = checker.get_compatibility(
            _avro_schema(json.dumps(reader, sort_keys=True)),
            _avro_schema(json.dumps(writer.json, sort_keys=True)),
        )
    except AvroException as exc:
        return Reading(writer, False, f"{writer.label} is not a valid Avro schema: {exc}")
    if result.compatibility is not SchemaCompatibilityType.compatible:
        kinds = sorted(str(i.value) for i in result.incompatibilities)
        where = sorted(result.locations)
        return Reading(
            writer, False, f"{writer.label} ({writer.full_name}) cannot be read as {reader_name}: "
            f"{', '.join(kinds)} at {', '.join(where)}",
        )  # fmt: skip
    return Reading(writer, False, None)


def history_dir() -> Any:
    """The committed versions of every schema (schemas/history, shipped with the package)."""
    return resources.files("streams").joinpath("schemas").joinpath("history")


def committed_writers(extra_dir: Path | None = None) -> list[Writer]:
    """Every committed version in schemas/history, and the .avsc files of `extra_dir`."""
    found: list[Writer] = []
    for entry in sorted(history_dir().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".avsc"):
            text = entry.read_text("utf-8")
            found.append(Writer.of(f"schemas/history/{entry.name}", json.loads(text)))
    if extra_dir is not None:
        for path in sorted(extra_dir.glob("*.avsc")):
            found.append(Writer.of(str(path), json.loads(path.read_text("utf-8"))))
    return found


class MissingWriter(LookupError):
    """A decoder met a registry id that was never fetched: a bug in the caller, never bad input
    (the registry adapter fetches every id of a batch before it is decoded)."""


class WriterSchemas:
    """The writer schemas known to this process: committed versions by fingerprint, registry
    ids as fetched, and the registry ids our own outputs are written with."""

    def __init__(self, extra_dir: Path | None = None) -> None:
        self.by_fingerprint = {w.fingerprint: w for w in committed_writers(extra_dir)}
        self._ids: dict[int, Writer | str] = {}  # id -> writer, or why it cannot be used
        self._unknown: dict[int, float] = {}  # id -> until when the registry's 404 holds
        self._known_headers: set[bytes] = set()  # the 5-byte headers of the ids in _ids
        self.output_ids: dict[str, int] = {}  # our schema name -> the id we write it with

    def learn_id(self, schema_id: int, schema: str | Mapping[str, Any]) -> None:
        """The registry's schema for an id (its JSON text or parsed JSON)."""
        label = f"schema id {schema_id}"
        try:
            parsed = json.loads(schema) if isinstance(schema, str) else schema
            self._ids[schema_id] = Writer.of(label, parsed)
        except ValueError as exc:  # also json's JSONDecodeError
            self._ids[schema_id] = f"{label} is not an Avro schema: {exc}"[:500]
        self._unknown.pop(schema_id, None)
        self._known_headers.add(confluent_header(schema_id))

    def learn_not_avro(self, schema_id: int, schema_type: str) -> None:
        """The registry holds the id, for a schema of another type (JSON, PROTOBUF)."""
        self._ids[schema_id] = f"schema id {schema_id} is a {schema_type} schema, not Avro"
        self._known_headers.add(confluent_header(schema_id))

    def learn_unknown(self, schema_id: int) -> None:
        """The registry says it never issued this id."""
        self._unknown[schema_id] = time.monotonic() + UNKNOWN_ID_TTL_SECONDS

    def learn_output(self, name: str, schema_id: int) -> None:
        """Our schema `name` was registered (or found) under `schema_id`: write with it."""
        self.output_ids[name] = schema_id
        self.learn_id(schema_id, schema_json(name))

    def writer_of_id(self, schema_id: int) -> Writer | str | None:
        """The writer of an id, why it cannot be used, or None when the registry never issued
        it; MissingWriter when it was never fetched."""
        found = self._ids.get(schema_id)
        if found is not None:
            return found
        if self._unknown.get(schema_id, 0.0) > time.monotonic():
            return None
        raise MissingWriter(f"schema id {schema_id} was not fetched from the registry")

    def missing_ids(self, values: Iterable[bytes | None]) -> set[int]:
        """The registry ids named by Confluent-framed values that are neither known nor known
        to be unknown: to fetch before these values are decoded."""
        known = self._known_headers
        missing: set[int] = set()
        for value in values:
            if value is None or value[:1] != CONFLUENT_MAGIC or len(value) < 5:
                continue  # not Confluent-framed: the decoder dead-letters it
            header = value[:5]
            if header in known:
                continue
            schema_id = int.from_bytes(header[1:], "big")
            if self._unknown.get(schema_id, 0.0) <= time.monotonic():
                missing.add(schema_id)
        return missing


def confluent_header(schema_id: int) -> bytes:
    """Magic byte 0 and the 4-byte big-endian schema id."""
    return CONFLUENT_MAGIC + schema_id.to_bytes(4, "big")


def single_object_header(name: str) -> bytes:
    """C3 01 and the fingerprint of our current schema `name`."""
    return SINGLE_OBJECT_MAGIC + reader_fingerprint(name)
