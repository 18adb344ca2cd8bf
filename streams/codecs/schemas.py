"""The Avro schemas of schemas/ (the source of truth), parsed for writing and for reading."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import fastavro

EVENT_SCHEMA_NAMES = ("ClientRegistration", "Indication", "RegisterMembership", "ProfileEdit")
OUTPUT_SCHEMA_NAMES = ("RegionCounts", "DeadLetter", "HistorySnapshot")
SCHEMA_NAMES = EVENT_SCHEMA_NAMES + OUTPUT_SCHEMA_NAMES


def schema_text(name: str) -> str:
    """The file schemas/<name>.avsc as committed."""
    path = resources.files("streams").joinpath("schemas").joinpath(f"{name}.avsc")
    return path.read_text("utf-8")


@cache
def _schema_json(name: str) -> Any:
    return json.loads(schema_text(name))


def schema_json(name: str) -> dict[str, Any]:
    """The Avro schema `name` as committed in schemas/ (a copy: callers may change it)."""
    result: dict[str, Any] = copy.deepcopy(_schema_json(name))
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


def for_reading(schema: Mapping[str, Any]) -> Any:
    """A schema's JSON with timestamps as plain longs: they stay epoch millis when read (no
    datetime round trip); the bytes are the same."""
    return _without_timestamp_logical_types(copy.deepcopy(dict(schema)))


@cache
def reader_schema(name: str) -> Any:
    """Our schema `name` parsed for reading (timestamps stay epoch millis)."""
    return fastavro.parse_schema(for_reading(schema_json(name)))
