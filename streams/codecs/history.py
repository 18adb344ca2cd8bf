"""History snapshots <-> HistorySnapshot records (schemas/HistorySnapshot.avsc), in the configured
framing; the message key is the peildatum, so a restated day replaces the old one."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

from streams.codecs.avro import AvroCodec
from streams.codecs.writers import WriterSchemas
from streams.domain import RegionCounts
from streams.service.history import Provenance, Snapshot, Source
from streams.service.ports import DecodeError
from streams.settings import Framing

_SOURCE_SYMBOL = {Source.LIVE: "LIVE", Source.BACKFILL: "BACKFILL"}
_SOURCE_OF_SYMBOL = {symbol: source for source, symbol in _SOURCE_SYMBOL.items()}


def snapshot_key(peildatum: date) -> bytes:
    """The message key of a day's snapshot: YYYY-MM-DD."""
    return peildatum.isoformat().encode()


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _moment(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)


def to_record(snapshot: Snapshot, made_at: datetime) -> dict[str, Any]:
    """The HistorySnapshot record of a snapshot written at `made_at`."""
    p = snapshot.provenance
    return {
        "peildatum": snapshot.peildatum,
        "quarter_end": snapshot.quarter_end,
        "source": _SOURCE_SYMBOL[p.source],
        "known_at": None if p.known_at is None else _millis(p.known_at),
        "made_at": _millis(made_at),
        "offsets": [
            {"topic": topic, "partition": partition, "offset": offset}
            for (topic, partition), offset in sorted(p.offsets.items())
        ],
        "rows": [{k: v for k, v in asdict(row).items() if k != "as_of"} for row in snapshot.rows],
    }


def from_record(record: dict[str, Any]) -> Snapshot:
    """A snapshot from a decoded HistorySnapshot record (timestamps as epoch millis)."""
    day: date = record["peildatum"]
    known_at = record["known_at"]
    provenance = Provenance(
        offsets={(o["topic"], o["partition"]): o["offset"] for o in record["offsets"]},
        source=_SOURCE_OF_SYMBOL[record["source"]],
        known_at=None if known_at is None else _moment(known_at),
        made_at=_moment(record["made_at"]),
    )
    rows = tuple(RegionCounts(**r, as_of=day) for r in record["rows"])
    return Snapshot(day, rows, provenance)


class SnapshotCodec:
    """Encodes and decodes the values of the history topic."""

    def __init__(self, framing: Framing = "plain", writers: WriterSchemas | None = None) -> None:
        self.codec = AvroCodec("HistorySnapshot", framing, writers)
        self.writers = self.codec.writers

    def encode(self, snapshot: Snapshot, made_at: datetime | None = None) -> bytes:
        """The message value of a snapshot (made_at: now unless given)."""
        return self.codec.encode(to_record(snapshot, made_at or datetime.now(UTC)))

    def decode(self, data: bytes | None) -> Snapshot:
        """A snapshot from a message value; DecodeError when it is not one."""
        record = self.codec.decode(data)
        try:
            return from_record(record)
        except (KeyError, TypeError) as exc:
            raise DecodeError(f"HistorySnapshot record lacks field {exc}") from exc
