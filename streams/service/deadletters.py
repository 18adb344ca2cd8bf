"""Dead letters: the record kept of a rejected input message, what may be shown of it, and the
plan of a replay. The bytes and the topic live in streams/kafka/deadletters.py.

A dead letter (schema `DeadLetter`) holds a rejected input message whole: the source topic,
partition and offset, the error class, the reason, and the raw key and value. The key and
value hold client ids, so only their sizes are ever shown, never the bytes or anything decoded
from them.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: Raw key + value kept in a dead letter at most: the record must stay below the producer's
#: max request size (Faust's default 1 000 000 bytes) or sending it crashes the agent.
MAX_DEAD_LETTER_RAW_BYTES = 900_000


def dead_letter_record(
    topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None,
    error_class: str, reason: str,
) -> dict[str, Any]:  # fmt: skip
    """The DeadLetter record (a dict with the schema's fields) of a rejected message."""
    size = len(key or b"") + len(value or b"")
    if size + len(key or b"") > MAX_DEAD_LETTER_RAW_BYTES:  # the key is the message key too
        key, value = (key if key is None or len(key) <= 1024 else None), None
        reason += f" (raw message of {size} bytes too large to keep: read it at the source)"
    return {
        "source_topic": topic,
        "partition": partition,
        "offset": offset,
        "key": key,
        "value": value,
        "error_class": error_class,
        "reason": reason,
        "dead_lettered_at": int(time.time() * 1000),
    }


@dataclass(frozen=True, slots=True)
class DeadLetterInfo:
    """What may be shown of one dead letter: everything except the raw bytes."""

    offset: int  # in the dead-letter topic
    source_topic: str
    source_partition: int
    source_offset: int
    error_class: str
    reason: str
    dead_lettered_at: str  # ISO 8601, UTC
    key_bytes: int | None  # size of the raw key (None: no key)
    value_bytes: int | None  # size of the raw value (None: no value)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A decoded dead letter, with the raw key and value (personal data: never print these)."""

    offset: int
    source_topic: str
    source_partition: int
    source_offset: int
    key: bytes | None
    value: bytes | None
    error_class: str
    reason: str
    dead_lettered_at: int  # epoch millis

    def info(self) -> DeadLetterInfo:
        """The printable part."""
        at = datetime.fromtimestamp(self.dead_lettered_at / 1000, UTC)
        return DeadLetterInfo(
            self.offset, self.source_topic, self.source_partition, self.source_offset,
            self.error_class, self.reason, at.isoformat(timespec="milliseconds"),
            None if self.key is None else len(self.key),
            None if self.value is None else len(self.value),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReplayReport:
    """What a replay did (or would do, in a dry run)."""

    replayed: int
    by_topic: Counter[str]
    first_offset: int | None  # dead-letter offsets replayed: first..last
    last_offset: int | None
    next_since_offset: int  # replay from here next time: never re-reads this run's re-rejects
    dry_run: bool
    skipped: int = 0  # dead letters without a value: nothing worth sending


def replayable(letter: DeadLetter) -> bool:
    """Only a dead letter with a value can be accepted when sent again: one without is a
    tombstone (never an event) or a message too large to keep whole (replay it from its
    source topic, partition and offset)."""
    return letter.value is not None


def plan(letters: Iterable[DeadLetter], since_offset: int, dry_run: bool = True) -> ReplayReport:
    """The report of a replay of `letters`."""
    every = list(letters)
    chosen = [d for d in every if replayable(d)]
    offsets = [d.offset for d in chosen]
    return ReplayReport(
        len(chosen), Counter(d.source_topic for d in chosen),
        min(offsets, default=None), max(offsets, default=None),
        max((d.offset for d in every), default=since_offset - 1) + 1, dry_run,
        len(every) - len(chosen),
    )  # fmt: skip
