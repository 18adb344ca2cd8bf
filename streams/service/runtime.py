"""The worker's in-memory runtime: ledger, publishing bookkeeping, readiness. No Faust imports."""

from __future__ import annotations

import gc
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import date
from typing import Any, NamedTuple

from prometheus_client import Histogram

from streams.codecs.avro import AvroCodec
from streams.codecs.state import StoredClient
from streams.domain import Cell, RegionCounts, Regions
from streams.engine.metrics import Metrics
from streams.service import subtotals
from streams.service.admission import Handled, Processor
from streams.service.clock import day_of_counting
from streams.service.ledger import Ledger
from streams.settings import Settings

#: Raw key + value kept in a dead letter at most: the record must stay below the producer's
#: max request size (Faust's default 1 000 000 bytes) or sending it crashes the agent.
MAX_DEAD_LETTER_RAW_BYTES = 900_000


#: One input message: (topic, partition, offset, timestamp in epoch seconds or None, key, value).
Message = tuple[str, int, int, float | None, bytes | None, bytes | None]


class Batch(NamedTuple):
    """What a batch of input messages changed."""

    changed: dict[bytes, StoredClient]  # client key -> latest state, to store and changelog
    dead_letters: list[tuple[bytes | None, bytes]]  # (key, encoded DeadLetter)


class Runtime:
    """State that lives beside the Faust app in one worker process."""

    def __init__(self, settings: Settings, regions: Regions, metrics: Metrics) -> None:
        self.settings = settings
        self.regions = regions
        self.metrics = metrics
        self.ledger = Ledger(regions, self.today())
        self.processor = Processor(settings.event_topics(), self.ledger, settings.framing)
        self.dirty: set[int] = set()
        self.positions: dict[tuple[str, int], int] = {}
        self.recovered = False
        self.aggregator_owned = False
        self.published: dict[str, RegionCounts] = {}
        self.decoded_subtotals: dict[bytes, Counter[Cell]] = {}
        self.counts_codec = AvroCodec("RegionCounts", settings.framing)
        self.dead_letter_codec = AvroCodec("DeadLetter", settings.framing)
        self.last_republish = 0.0

    def today(self) -> date:
        """The day of counting now."""
        return day_of_counting(self.settings.as_of, self.settings.as_of_file)

    # --- client side -------------------------------------------------------------------
    def handle_batch(
        self,
        messages: Iterable[Message],
        get: Callable[[int, bytes], StoredClient | None],
    ) -> Batch:
        """Process input messages in order; `get(partition, key)` reads the stored client.

        A client changed earlier in the batch is read from the batch, so the ledger moves it
        from its in-batch latest cell. Returns each changed client's latest state (to store
        and changelog once) and the dead letters; metrics are updated once per batch."""
        changed: dict[bytes, StoredClient] = {}
        dead_letters: list[tuple[bytes | None, bytes]] = []
        outcomes: Counter[tuple[str, str]] = Counter()
        rejections: Counter[tuple[str, str]] = Counter()
        unknown: Counter[str] = Counter()
        applied_at: list[float] = []
        handle = self.processor.handle
        positions = self.positions
        for topic, partition, offset, timestamp, key, value in messages:
            stored = None
            if key is not None:
                stored = changed.get(key)
                if stored is None or stored.partition != partition:
                    stored = get(partition, key)
            handled = handle(topic, partition, key, value, stored)
            outcomes[(topic, handled.outcome)] += 1
            if handled.store is not None:
                assert key is not None
                changed[key] = handled.store
                if timestamp:
                    applied_at.append(timestamp)
                if handled.unknown_gemeente:
                    unknown[topic] += 1
            elif handled.rejection is not None:
                record = self.dead_letter(topic, partition, offset, key, value, handled)
                dead_letters.append((key, record))
                rejections[(topic, handled.rejection.value)] += 1
            positions[(topic, partition)] = offset + 1
        metrics = self.metrics
        for (topic, outcome), n in outcomes.items():
            metrics.events.labels(topic, outcome).inc(n)
        for (topic, error_class), n in rejections.items():
            metrics.dead_letters.labels(topic, error_class).inc(n)
        for topic, n in unknown.items():
            metrics.unknown_gemeente.labels(topic).inc(n)
        if changed:
            now = time.time()
            metrics.last_applied.set(now)
            self.dirty.update(stored.partition for stored in changed.values())
            observe_all(metrics.latency, [max(0.0, now - at) for at in applied_at])
        return Batch(changed, dead_letters)

    def dead_letter(
        self, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None,
        handled: Handled,
    ) -> bytes:  # fmt: skip
        """The DeadLetter record for a rejected message, encoded."""
        assert handled.rejection is not None and handled.reason is not None
        reason = handled.reason
        size = len(key or b"") + len(value or b"")
        if size + len(key or b"") > MAX_DEAD_LETTER_RAW_BYTES:  # the key is the message key too
            key, value = (key if key is None or len(key) <= 1024 else None), None
            reason += f" (raw message of {size} bytes too large to keep: read it at the source)"
        return self.dead_letter_codec.encode(
            {
                "source_topic": topic,
                "partition": partition,
                "offset": offset,
                "key": key,
                "value": value,
                "error_class": handled.rejection.value,
                "reason": reason,
                "dead_lettered_at": int(time.time() * 1000),
            }
        )

    def rebuild(self, clients: Iterable[tuple[bytes, StoredClient]], partitions: set[int]) -> None:
        """Recompute the ledger for the owned partitions from the client table; a state that
        cannot be read (ValueError) leaves the worker not ready."""
        self.ledger.day = self.today()
        lost = set(self.ledger.partitions) - partitions
        for p in lost:
            self.ledger.drop(p)
        self.metrics.forget_partitions(lost)
        try:
            self.ledger.rebuild_partitions(
                partitions,
                ((s.partition, key.decode(), s.state) for key, s in clients if s is not None),
            )
        except ValueError:
            self.recovered = False
            self.metrics.ready.set(0)
            raise
        self.dirty = set(partitions)
        self.recovered = True
        self.metrics.ready.set(1)

    def revoke(self, partitions: set[int]) -> None:
        """Forget partitions this worker lost; not ready until recovery completes."""
        for p in partitions:
            self.ledger.drop(p)
            self.dirty.discard(p)
        self.positions = {tp: o for tp, o in self.positions.items() if tp[1] not in partitions}
        self.metrics.forget_partitions(partitions)
        self.recovered = False
        self.metrics.ready.set(0)

    def tick_clock(self, state_of: Callable[[int, str], Any]) -> bool:
        """Re-evaluate clients whose start or end date has come; False when a rebuild is needed."""
        day = self.today()
        if day > self.ledger.day:
            self.ledger.advance(day, state_of)
            self.dirty.update(self.ledger.partitions)  # as_of moved: republish every partition
        return day >= self.ledger.day

    def subtotal_messages(self, everything: bool = False) -> list[tuple[bytes, bytes]]:
        """(key, value) subtotal messages for dirty partitions (or all owned ones)."""
        partitions = (
            set(self.ledger.partitions) if everything else self.dirty & set(self.ledger.partitions)
        )
        self.dirty.clear()
        messages = []
        for p in sorted(partitions):
            cells = self.ledger.partitions[p].cells
            self.metrics.set_partition_cells(p, cells)  # cells that fell to 0 stay, as 0
            body = subtotals.encode(p, cells, self.regions, self.ledger.day)
            messages.append((str(p).encode(), body))
        return messages

    # --- aggregator side ---------------------------------------------------------------
    def counts_messages(
        self, latest: Iterable[bytes], force: bool = False
    ) -> list[tuple[bytes, bytes]]:
        """RegionCounts messages for the rows that changed since the last publication (and
        their metrics; every row when forced)."""
        decoded, self.decoded_subtotals = self.decoded_subtotals, {}
        cells = []
        for value in latest:  # each subtotal message is decoded once, not at every publication
            found = decoded.get(value)
            if found is None:
                found = subtotals.decode(value)[1]
            self.decoded_subtotals[value] = found
            cells.append(found)
        rows = subtotals.rows(cells, self.regions, self.today())
        changed = [r for r in rows if force or self.published.get(r.regio_code) != r]
        self.metrics.set_region_rows(changed)
        out = []
        for row in changed:
            self.published[row.regio_code] = row
            out.append((row.regio_code.encode(), self.counts_codec.encode(asdict(row))))
        return out


def observe_all(histogram: Histogram, values: list[float]) -> None:
    """`histogram.observe` for many values: one increment per bucket (prometheus_client keeps
    a histogram's buckets uncumulated, each behind a lock), one at a time when the
    client library keeps them otherwise."""
    bounds = getattr(histogram, "_upper_bounds", None)
    buckets = getattr(histogram, "_buckets", None)
    total = getattr(histogram, "_sum", None)
    if bounds is None or buckets is None or total is None or len(bounds) != len(buckets):
        for value in values:
            histogram.observe(value)
        return
    counts = [0] * len(bounds)
    for value in values:
        counts[bisect_left(bounds, value)] += 1  # the first bound >= value, as observe()
    for bucket, n in zip(buckets, counts, strict=True):
        if n:
            bucket.inc(n)
    total.inc(sum(values))


def tune_gc() -> None:
    """Collect garbage less often: client states hold no reference cycles, and the default
    thresholds made the cyclic collector take about a third of the core's time (bench.core)."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
