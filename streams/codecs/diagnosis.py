"""Why bytes are not one Avro record of a schema, in a sentence an operator can act on.

fastavro's compiled reader says "EOFError: Expected -9 bytes, read 63" or "IndexError: list index
out of range" and not where. When a message does not decode, `diagnose` walks its bytes again
along the writer's schema (Avro's binary encoding, in pure Python: slow, but only bad messages
take this path) and names the first problem and the field it is in. It is strict where fastavro
is lenient (negative enum and union indexes, a boolean byte other than 0 or 1, a number in a
longer encoding than Avro writes), so it also explains what fails the canonical check.

A reason never holds what the bytes say (a client id, a string): only positions, sizes, indexes
and field names.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MAX_VARINT_BYTES = {"int": 5, "long": 10}
_FIXED_SIZE = {"float": 4, "double": 8}


class Problem(Exception):
    """The first thing wrong with the bytes, as the sentence `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def article(name: str) -> str:
    """'an Indication', 'a ProfileEdit': the name with its indefinite article."""
    return f"{'an' if name[:1].upper() in 'AEIOU' else 'a'} {name}"


def plural(n: int, word: str, words: str | None = None) -> str:
    """'1 byte', '3 bytes'."""
    return f"{n} {word if n == 1 else words or word + 's'}"


def diagnose(data: bytes, start: int, schema: Any) -> str | None:
    """The first problem of `data[start:]` read as one record of the parsed `schema` (trailing
    bytes included); None when the walk finds none."""
    if len(data) == start:
        return "the message is empty" if start == 0 else "the message has a header and no body"
    walk = _Walk(data, start, schema.get("__named_schemas", {}) if isinstance(schema, dict) else {})
    try:
        walk.read(schema, "")
    except Problem as problem:
        return problem.reason
    extra = len(data) - walk.pos
    if extra:
        return (
            f"{plural(extra, 'trailing byte')} after the record, which ends at byte {walk.pos}"
            f" of {len(data)}"
        )
    return None


class _Walk:
    """A cursor over the message that reads values of a schema and raises Problem."""

    def __init__(self, data: bytes, pos: int, named: Mapping[str, Any]) -> None:
        self.data = data
        self.pos = pos
        self.named = named

    def ends_early(self, where: str, needed: int | None = None) -> Problem:
        size = len(self.data)
        if needed is None:
            return Problem(f"the message ends after {size} bytes, inside {where}")
        return Problem(f"the message ends after {size} of {needed} bytes, inside {where}")

    def varint(self, kind: str, where: str) -> int:
        value = shift = 0
        first = self.pos
        for count in range(1, _MAX_VARINT_BYTES[kind] + 1):
            if self.pos >= len(self.data):
                raise self.ends_early(where)
            byte = self.data[self.pos]
            self.pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                if byte == 0 and count > 1:
                    raise Problem(
                        f"{where}: a number in a longer encoding than Avro writes (bytes "
                        f"{first}-{self.pos - 1})"
                    )
                return (value >> 1) ^ -(value & 1)
        raise Problem(
            f"{where}: a number longer than {article(kind)} can be ({_MAX_VARINT_BYTES[kind]} bytes,"
            f" from byte {first})"
        )

    def take(self, n: int, where: str) -> bytes:
        if self.pos + n > len(self.data):
            raise self.ends_early(where, self.pos + n)
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def length(self, what: str, where: str) -> int:
        n = self.varint("long", where)
        if n < 0:
            raise Problem(f"{where}: {what} of negative length {n}")
        return n

    def read(self, schema: Any, path: str) -> None:
        if isinstance(schema, list):
            self.union(schema, path)
            return
        if isinstance(schema, str):
            if schema in self.named:
                self.read(self.named[schema], path)
            else:
                self.primitive(schema, None, path)
            return
        kind = schema["type"]
        if kind == "record":
            for f in schema["fields"]:
                self.read(f["type"], f"{path}.{f['name']}" if path else f["name"])
        elif kind == "enum":
            self.enum(schema, path)
        elif kind in ("array", "map"):
            self.blocks(schema, kind, path)
        elif kind == "fixed":
            self.take(int(schema["size"]), self.where(path))
        else:
            self.primitive(kind, schema.get("logicalType"), path)

    @staticmethod
    def where(path: str) -> str:
        return f"field {path}" if path else "the record"

    def primitive(self, kind: str, logical: str | None, path: str) -> None:
        where = self.where(path)
        if kind == "null":
            return
        if kind == "boolean":
            byte = self.take(1, where)[0]
            if byte > 1:
                raise Problem(f"{where}: a boolean byte of {byte} (Avro writes 0 or 1)")
        elif kind in ("int", "long"):
            value = self.varint(kind, where)
            if kind == "int" and not -(2**31) <= value < 2**31:
                raise Problem(f"{where}: {value} does not fit in an int")
            if logical == "date":
                try:
                    date.fromordinal(_EPOCH_ORDINAL + value)
                except (ValueError, OverflowError):
                    raise Problem(
                        f"{where}: day {value} after 1970-01-01 is outside the calendar"
                        " (years 1-9999)"
                    ) from None
            elif logical == "timestamp-millis":
                try:
                    date(1970, 1, 1) + timedelta(milliseconds=value)
                except OverflowError:
                    raise Problem(
                        f"{where}: timestamp {value} ms is outside the calendar"
                    ) from None
        elif kind in _FIXED_SIZE:
            self.take(_FIXED_SIZE[kind], where)
        elif kind in ("bytes", "string"):
            n = self.length(f"a {kind}", where)
            start = self.pos
            raw = self.take(n, where)
            if kind == "string":
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise Problem(
                        f"{where}: a string that is not UTF-8 (byte {start + exc.start} of the"
                        f" message is 0x{raw[exc.start]:02x})"
                    ) from None
        else:
            raise Problem(f"{where}: the schema has a type {kind!r} this check does not know")

    def enum(self, schema: Mapping[str, Any], path: str) -> None:
        where = self.where(path)
        index = self.varint("int", where)
        symbols = schema["symbols"]
        if not 0 <= index < len(symbols):
            name = str(schema.get("name", "the enum")).rsplit(".", 1)[-1]
            raise Problem(
                f"{where}: enum index {index}, but {name} has {plural(len(symbols), 'symbol')}"
                f" (0-{len(symbols) - 1})"
            )

    def union(self, branches: list[Any], path: str) -> None:
        where = self.where(path)
        index = self.varint("long", where)
        if not 0 <= index < len(branches):
            raise Problem(
                f"{where}: union branch {index}, but the union has "
                f"{plural(len(branches), 'branch', 'branches')} (0-{len(branches) - 1})"
            )
        self.read(branches[index], path)

    def blocks(self, schema: Mapping[str, Any], kind: str, path: str) -> None:
        where = self.where(path)
        item = schema["items"] if kind == "array" else schema["values"]
        index = 0
        while True:
            count = self.varint("long", where)
            if count == 0:
                return
            if count < 0:  # a block with its size in bytes after the count
                count = -count
                self.length("a block", where)
            if item == "null":  # items of no bytes: nothing to read, however many
                index += count
                continue
            if count > len(self.data) - self.pos:  # every other item takes at least a byte
                raise Problem(
                    f"{where}: a block of {count} items, more than the "
                    f"{plural(len(self.data) - self.pos, 'byte')} left could hold"
                )
            for _ in range(count):
                if kind == "map":
                    self.primitive("string", None, f"{path}[key {index}]")
                self.read(item, f"{path}[{index}]")
                index += 1
