"""Proof, without re-encoding, that a decoded record's bytes are its one canonical Avro encoding.

fastavro reads more than the canonical encoding: a negative enum or union index (Python-style,
-1 = the last symbol, so a corrupt byte could read as VERWIJDERD), a boolean byte other than 0
or 1, a varint with needless continuation bytes, an array in several blocks. The codec used to
re-encode every record and compare (half the cost of a decode). Here the bytes are walked with
the decoded record in hand: at each element the bytes must be exactly what the canonical writer
would write for that value, so the walk ends at the end of the message only when every byte is
canonical. The walk proves or gives up; it never rejects: whatever it cannot prove (a long
string, a huge number, a type it does not know) goes to the full re-encoding as before, which
decides and says why. Accepted and rejected messages are therefore exactly the same as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

#: Walks one element at a position: the position after it, or -1 when it cannot prove it.
Step = Callable[[bytes, Any, int], int]

UNPROVED = -1
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SMALL = 64  # a length, count or index below this is one varint byte (zigzag doubles it)
# The widest varints proved here: no bits can fall off when fastavro accumulates them (an int
# of 5 bytes or a long of 10 might wrap, so two readings could give one value).
_MAX_BYTES = {"int": 4, "long": 9}


def _varint(kind: str, logical: str | None) -> Step:
    """An int or long: the bytes must be the shortest varint of the value."""
    widest = _MAX_BYTES[kind]
    limit = 1 << (7 * widest - 1)  # |value| below this: zigzag fits `widest` bytes

    def step(data: bytes, value: Any, p: int) -> int:
        if logical == "date" and type(value) is date:
            value = value.toordinal() - _EPOCH_ORDINAL
        if type(value) is not int or not -limit <= value < limit:
            return UNPROVED
        zz = (value << 1) ^ (value >> 63)
        if zz < 0x80:
            return p + 1 if data[p] == zz else UNPROVED
        # n bytes is the shortest varint of the value, so the varint fastavro read to it has
        # at least n bytes; when its n-th byte ends it, those n bytes are the shortest varint
        n = (zz.bit_length() + 6) // 7
        return p + n if data[p + n - 1] < 0x80 else UNPROVED

    return step


def _string(data: bytes, value: Any, p: int) -> int:
    """A string: a one-byte length equal to its UTF-8 length (the bytes decoded strictly, so
    they are the UTF-8 of the value)."""
    if type(value) is not str:
        return UNPROVED
    n = len(value) if value.isascii() else len(value.encode())
    if n >= _SMALL or data[p] != n << 1:
        return UNPROVED
    return p + 1 + n


def _boolean(data: bytes, value: Any, p: int) -> int:
    """A boolean: byte 1 or 0 (fastavro reads any other non-zero byte as True)."""
    if value is True:
        return p + 1 if data[p] == 1 else UNPROVED
    if value is False:
        return p + 1 if data[p] == 0 else UNPROVED
    return UNPROVED


def _enum(symbols: list[str]) -> Step:
    """An enum: the byte of the symbol's own (non-negative) index."""
    codes = {symbol: i << 1 for i, symbol in enumerate(symbols)}

    def step(data: bytes, value: Any, p: int) -> int:
        code = codes.get(value) if type(value) is str else None
        return p + 1 if code is not None and data[p] == code else UNPROVED

    return step


def _optional(null_first: bool, inner: Step) -> Step:
    """A union of null and one other type: the byte of the branch the writer picks."""
    null_code, other_code = (0, 2) if null_first else (2, 0)

    def step(data: bytes, value: Any, p: int) -> int:
        if value is None:
            return p + 1 if data[p] == null_code else UNPROVED
        return inner(data, value, p + 1) if data[p] == other_code else UNPROVED

    return step


def _array(inner: Step) -> Step:
    """An array: one block (its count) and the end byte, as the writer writes it."""

    def step(data: bytes, value: Any, p: int) -> int:
        if type(value) is not list:
            return UNPROVED
        if value:
            if len(value) >= _SMALL or data[p] != len(value) << 1:
                return UNPROVED
            p += 1
            for item in value:
                p = inner(data, item, p)
                if p < 0:
                    return UNPROVED
        return p + 1 if data[p] == 0 else UNPROVED

    return step


def _record(fields: list[tuple[str, Step]]) -> Step:
    def step(data: bytes, value: Any, p: int) -> int:
        for name, field_step in fields:
            p = field_step(data, value[name], p)
            if p < 0:
                return UNPROVED
        return p

    return step


def _step_of(schema: Any) -> Step | None:
    """The walk of one (parsed) schema node, or None for a type this module does not prove."""
    if isinstance(schema, list):
        if len(schema) != 2 or "null" not in schema:
            return None
        other = schema[1] if schema[0] == "null" else schema[0]
        inner = _step_of(other)
        return None if inner is None else _optional(schema[0] == "null", inner)
    kind, logical = (schema, None) if isinstance(schema, str) else (schema["type"], None)
    if isinstance(schema, Mapping):
        logical = schema.get("logicalType")
    if kind in ("int", "long") and logical in (None, "date", "timestamp-millis"):
        if logical == "date" and kind != "int":
            return None
        return _varint(kind, logical)
    if logical is not None:
        return None
    if kind == "string":
        return _string
    if kind == "boolean":
        return _boolean
    if kind == "enum" and len(schema["symbols"]) <= _SMALL:
        return _enum(list(schema["symbols"]))
    if kind == "array":
        inner = _step_of(schema["items"])
        return None if inner is None else _array(inner)
    if kind == "record":
        fields = [(f["name"], _step_of(f["type"])) for f in schema["fields"]]
        if any(s is None for _, s in fields):
            return None
        return _record([(name, s) for name, s in fields if s is not None])
    return None  # bytes, fixed, float, double, map, named references: re-encode


def canonical_proof(schema: Any) -> Callable[[bytes, int, Mapping[str, Any]], bool] | None:
    """For a parsed record schema, `proves(data, start, record)`: True when data[start:] is the
    canonical encoding of `record` (as read with this schema); False when that is not proved.
    None when the schema has a type the walk does not know (always re-encode then)."""
    walk = _step_of(schema)
    if walk is None:
        return None
    checked = walk

    def proves(data: bytes, start: int, record: Mapping[str, Any]) -> bool:
        try:
            return checked(data, record, start) == len(data)
        except (IndexError, KeyError, TypeError, UnicodeError):
            return False  # ran off the end, a field missing, a value of another type

    return proves
