"""Avro object container files of events (as `generate` writes them and `replay` reads them),
and the Kafka timestamps beside them."""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import fastavro

from streams.codecs.avro import EVENT_SCHEMA_NAMES, parsed_schema, reader_schema
from streams.codecs.events import event_to_record, schema_name_of
from streams.domain import Event
from streams.service.ports import DecodeError

#: Beside an event file X.avro, X.known_at may hold the moment each of its records became known
#: (the Kafka timestamp to send it with): epoch millis as little-endian int64, in file order.
KNOWN_AT_SUFFIX = ".known_at"


def known_at_path(path: Path) -> Path:
    """Where the Kafka timestamps of an event file's records are kept."""
    return path.with_suffix(KNOWN_AT_SUFFIX)


def read_known_at(path: Path) -> array[int] | None:
    """The Kafka timestamps of the records of an event file, or None when it has none."""
    beside = known_at_path(path)
    if not beside.exists():
        return None
    stamps = array("q", beside.read_bytes())
    if sys.byteorder == "big":
        stamps.byteswap()
    return stamps


def schema_name_of_file(path: Path) -> str:
    """The event schema a container file was written with (its short record name)."""
    with path.open("rb") as f:
        writer_schema: Any = fastavro.reader(f).writer_schema
        name = str(writer_schema.get("name", "")).rsplit(".", 1)[-1]
    if name not in EVENT_SCHEMA_NAMES:
        raise DecodeError(
            f"{path} holds {name} records, not one of {', '.join(EVENT_SCHEMA_NAMES)}"
        )
    return name


def read_records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(schema name, record) for every record of one container file, in file order."""
    name = schema_name_of_file(path)
    with path.open("rb") as f:
        for record in fastavro.reader(f, reader_schema=reader_schema(name)):
            assert isinstance(record, dict)
            yield name, record


def records_of(paths: Iterable[Path]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every record of the files, file after file."""
    for path in paths:
        yield from read_records(path)


def count_records(paths: Sequence[Path]) -> int:
    """The number of records in the files (from the block headers; no decoding)."""
    total = 0
    for path in paths:
        with path.open("rb") as f:
            total += sum(block.num_records for block in fastavro.block_reader(f))
    return total


def write_events(directory: Path, events: Iterable[Event]) -> Path:
    """Write domain events to one container file per schema; return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    by_schema: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_schema.setdefault(schema_name_of(event), []).append(event_to_record(event))
    for name, records in by_schema.items():
        with (directory / f"{name}.avro").open("wb") as f:
            fastavro.writer(f, parsed_schema(name), records)
    return directory
